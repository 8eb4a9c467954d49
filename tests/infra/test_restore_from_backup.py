"""A store restored from a backup, with real `kyodo serve` processes on servers the test starts: the relay refuses
to publish (new events would reuse notification ids the stream holds and be skipped), /readyz says why and what to
run, and the documented recovery (`kyodo relay reset`, then `kyodo replay --from-scratch` for each consumer) leaves
info-hub's directory exactly the store's registered groups: nothing lost, nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from support.harness import eventually
from support.servers import database_dsn, spawn_nats, spawn_postgres
from support.stalls import Site, site, sqlite_copy

pytestmark = pytest.mark.slow

REGISTRY_DB = "kyodo_registry_live"
BACKUP_DB = "kyodo_registry_backup"


class Backups:
    """Back up and restore the registry's store, as an operator's tool would (the service stopped)."""

    def __init__(self, s: Site, server_dsn: str | None) -> None:
        self.s, self.server_dsn = s, server_dsn

    def _admin(self, *statements: sql.Composable) -> None:
        assert self.server_dsn is not None
        with psycopg.connect(self.server_dsn, autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    def back_up(self) -> None:
        if self.server_dsn is None:
            sqlite_copy(self.s.sqlite("registry"), self.s.root / "registry-backup.sqlite")
            return
        self._admin(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(BACKUP_DB), sql.Identifier(REGISTRY_DB))
        )

    def restore(self) -> None:
        if self.server_dsn is None:
            sqlite_copy(self.s.root / "registry-backup.sqlite", self.s.sqlite("registry"))
            return
        self._admin(
            sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(REGISTRY_DB)),
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(REGISTRY_DB), sql.Identifier(BACKUP_DB)),
        )


@pytest.fixture(params=["sqlite", "postgres"])
def restorable(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Site, Backups]]:
    with spawn_nats() as nats_url:
        if request.param == "sqlite":
            with site(tmp_path, nats_url, "restore") as s:
                yield s, Backups(s, None)
            return
        with spawn_postgres(settings={"fsync": "off"}) as server_dsn:
            with psycopg.connect(server_dsn, autocommit=True) as conn:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(REGISTRY_DB)))
            registry = {
                "KYODO_STORE__BACKEND": "postgres",
                "KYODO_STORE__PG_DSN": database_dsn(server_dsn, REGISTRY_DB),
            }
            with site(tmp_path, nats_url, "restore") as s:
                s.service_env["registry"] = registry
                yield s, Backups(s, server_dsn)


async def test_a_store_restored_from_a_backup_blocks_the_relay_and_the_documented_recovery_loses_and_repeats_nothing(
    restorable: tuple[Site, Backups],
) -> None:
    s, backups = restorable
    for service in ("registry", "info-hub"):
        s.start(service)
        await s.up(service)
    kept = [await s.register(name) for name in ("みどりの会", "こども食堂")]
    await s.listed(2)

    s.stop("registry")
    backups.back_up()
    s.start("registry")
    await s.up("registry")
    lost = await s.register("将棋クラブ")  # written after the backup: the restore takes it away
    await s.listed(3)
    s.stop("registry")
    backups.restore()

    s.start("registry")
    await s.up("registry")
    blocked = await eventually(lambda: s.blocked_reason("registry", "relay"), timeout=20, interval=0.3)
    assert blocked["reason"] in ("store_behind_stream", "store_diverged")
    assert "kyodo relay reset registry" in blocked["hint"]
    assert "kyodo replay" in blocked["hint"]
    # Written after the restore: its notification ids are ones the stream already holds. It must not be skipped
    # silently: the relay stays blocked and publishes nothing.
    after = await s.register("読書会")
    published = await s.stream_last()
    still = await eventually(lambda: s.blocked_reason("registry", "relay"), timeout=10, interval=0.3)
    assert still["reason"] in ("store_behind_stream", "store_diverged")
    assert await s.stream_last() == published
    assert after not in s.directory()
    assert "task_blocked" in s.log("registry")

    # Recovery (docs/OPERATIONS.md): the store is the truth.
    s.stop_all()
    reset = s.kyodo("registry", "relay", "reset", "registry")
    assert reset.returncode == 0, reset.stdout + reset.stderr
    s.start("registry")
    await s.up("registry")

    async def republished() -> bool:
        status, body = await s.readyz("registry")
        return (
            status == 200 and body["relay"]["status"] == "ok" and await s.stream_last() == body["relay"]["sequence"] > 0
        )

    await eventually(republished, timeout=30, interval=0.3)
    replay = s.kyodo("info-hub", "replay", "info-hub", "--from-scratch")
    assert replay.returncode == 0, replay.stdout + replay.stderr
    s.start("info-hub")
    await s.up("info-hub")

    expected = sorted([*kept, after])
    await eventually(lambda: sorted(s.directory()) == expected, timeout=30, interval=0.3)
    assert await s.group_status(lost) == 404  # gone from the store, so gone from the directory: said plainly
    for group_id in expected:
        assert await s.group_status(group_id) == 200
    assert (await s.readyz("info-hub"))[0] == 200
    assert (await s.readyz("registry"))[0] == 200
