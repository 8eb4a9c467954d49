"""info-hub's database restored from an older backup, as deployed (each service under its own NATS user, on a server
started from deploy/nats/nats-server.conf, KYODO_BUS__PROVISION=check, the bus made by `kyodo bus init`): its durable
consumers acknowledged groups its database no longer holds. It may not re-place them itself, so it starts unready,
blocked `consumer_ahead_of_database` naming `kyodo replay info-hub`; the operator stops it and runs that command;
started again it is ready, and the directory holds every group once — the lost ones applied again."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import nats
import pytest

from kyodo_contracts import stream_name
from kyodo_shared.bus.permissions import NAMESPACE, OPERATOR, SOURCES
from kyodo_shared.cli.bus_init import init_bus
from kyodo_shared.settings import KernelSettings
from kyodo_shared.web.devissuer import DevIssuer

from support.cli import kyodo_as
from support.harness import Backend, Platform, eventually, platform, settings_for
from support.nats_conf import ConfiguredNats, configured_nats
from support.registry import register_group

pytestmark = pytest.mark.smoke

SERVICES = ("registry", "info-hub")


def as_operator(settings: KernelSettings, server: ConfiguredNats) -> KernelSettings:
    """The service's store settings with the operator's NATS user, as an operator runs `kyodo` for it."""
    return settings.model_copy(update={"bus": settings.bus.model_copy(update={"nats_url": server.url(OPERATOR)})})


async def registry_published(server: ConfiguredNats) -> int:
    nc = await nats.connect(server.url(OPERATOR))
    try:
        return int((await nc.jetstream().stream_info(stream_name(NAMESPACE, "registry"))).state.last_seq)
    finally:
        await nc.close()


async def directory_ids(p: Platform) -> list[str]:
    page = (await p.clients["info-hub"].get("/groups", params={"limit": 100})).json()
    return sorted(item["id"] for item in page["items"])


async def registered(p: Platform, server: ConfiguredNats, names: tuple[str, ...]) -> list[str]:
    """Groups registered through registry, once info-hub listed them and acked registry's stream to its end."""
    ids = [await register_group(p, name) for name in names]
    hub = {c.source: c for c in p.apps["info-hub"].state.kernel.consumers}

    async def applied() -> bool:
        return set(ids) <= set(await directory_ids(p)) and hub["registry"].tracked == await registry_published(server)

    await eventually(applied, timeout=60, interval=0.2)
    return ids


def copy_database(settings: KernelSettings, to: Path) -> None:
    """The SQLite file (and any -wal/-shm beside it) of a stopped service, as a file backup takes it."""
    db = settings.store.sqlite_path
    to.mkdir()
    for part in db.parent.glob(db.name + "*"):
        shutil.copy2(part, to / part.name)


def restore_database(settings: KernelSettings, backup: Path) -> None:
    db = settings.store.sqlite_path
    for part in db.parent.glob(db.name + "*"):
        part.unlink()
    for part in backup.iterdir():
        shutil.copy2(part, db.parent / part.name)


def ahead_of_database(answer: Any) -> list[dict[str, Any]]:
    return [b for b in answer.json()["blocked"] if b["reason"] == "consumer_ahead_of_database"]


async def test_a_database_restored_from_an_older_backup_waits_for_the_operators_replay_then_holds_every_group(
    tmp_path: Path, issuer: DevIssuer
) -> None:
    backend = Backend("sqlite", tmp_path)
    with configured_nats() as server:
        services = {n: settings_for(n, backend, server.url(n), NAMESPACE, issuer, provision="check") for n in SERVICES}
        operator = as_operator(services["registry"], server)
        await init_bus(operator.bus, operator.consumer, wait_seconds=30)

        async with platform(services, issuer) as p:
            before_backup = await registered(p, server, ("光町子ども食堂", "西元町史跡の会"))
        # info-hub's nightly backup, taken while it was stopped.
        copy_database(services["info-hub"], tmp_path / "backup")
        async with platform(services, issuer) as p:
            after_backup = await registered(p, server, ("東恋ヶ窪みどりの会",))
        published = await registry_published(server)

        # info-hub's database is lost and put back from the backup: it lacks the last group, which its durable
        # consumer on registry's stream acknowledged.
        restore_database(services["info-hub"], tmp_path / "backup")
        hub_alone = {"info-hub": services["info-hub"]}
        async with platform(hub_alone, issuer) as p:

            async def blocked() -> Any:
                answer = await p.clients["info-hub"].get("/readyz")
                return answer.status_code == 503 and ahead_of_database(answer) and answer

            answer = await eventually(blocked, timeout=30, interval=0.2)
            registry_task = next(b for b in ahead_of_database(answer) if b["task"] == "consumer:registry")
            assert "`kyodo replay info-hub`" in registry_task["hint"], registry_task
            assert f"acked up to {published}" in registry_task["detail"], registry_task
            # Blocked, it applies nothing: the lost group stays missing rather than being skipped for good.
            assert await directory_ids(p) == sorted(before_backup)

        # The operator, with info-hub stopped: `kyodo replay info-hub` re-places its consumers after what the
        # restored database applied and applies the rest.
        replayed = await asyncio.to_thread(kyodo_as, as_operator(services["info-hub"], server), "replay", "info-hub")
        assert replayed.returncode == 0, replayed.stdout + replayed.stderr

        async with platform(hub_alone, issuer) as p:

            async def ready() -> bool:
                """200 with every consumer pulling: not merely not blocked yet, as just after a start."""
                answer = await p.clients["info-hub"].get("/readyz")
                consumers = [t for t in answer.json()["tasks"] if t["task"].startswith("consumer:")]
                pulling = len(consumers) == len(SOURCES["info-hub"]) and all(t["status"] == "ok" for t in consumers)
                return answer.status_code == 200 and pulling

            await eventually(ready, timeout=30, interval=0.2)
            assert await directory_ids(p) == sorted(before_backup + after_backup)
            assert p.apps["info-hub"].state.kernel.ledger.tracked("registry") == published
        # The services never tried to re-place a consumer themselves: their users may not.
        assert server.violations() == [], server.violations()
