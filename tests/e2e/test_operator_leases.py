"""`kyodo replay` and `kyodo relay reset` in the explicit layout: they refuse while a replica holds a lease of a role
they would disturb (naming the holder — KYODO_REPLICA_ID, say a pod name), hold those leases themselves while they
work and release them at the end; with leases disabled nothing can tell whether the service runs, so they refuse
unless `--force` says it is stopped. Real `kyodo serve` and commands in subprocesses, on a nats-server started here.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kyodo_shared.store.db import SqliteDatabase

from support.cli import run_kyodo
from support.cli import wait_for as wait_until
from support.procs import child, free_port, kyodo_serve, serve_env
from support.servers import spawn_nats

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def own_nats() -> Iterator[str]:
    with spawn_nats() as url:
        yield url


def kyodo(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run_kyodo(*args, env=env)


def leases(store: Path) -> list[tuple[str, str, float]]:
    db = SqliteDatabase(store)
    try:
        with db.transaction(read_only=True) as tx:
            rows = tx.fetchall("SELECT role, holder, expires_at FROM kyodo_leases ORDER BY role")
    finally:
        db.close()
    return [(str(r), str(h), float(e)) for r, h, e in rows]


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> None:
    # A lease table read may fail until the service has created its store: "not yet".
    wait_until(condition, timeout, what, tolerate=(Exception,))


def test_replay_refuses_while_a_replica_holds_a_lease_naming_it_then_holds_and_releases_the_leases_itself(
    own_nats: str, tmp_path: Path
) -> None:
    store = tmp_path / "info-hub.sqlite"
    env = serve_env("info-hub", store, own_nats, f"lease{os.getpid()}", KYODO_REPLICA_ID="pod-info-hub-0")
    with child(kyodo_serve("info-hub", free_port()), env, tmp_path / "serve.log") as served:

        def held_by_the_pod() -> bool:
            return any(h == "pod-info-hub-0" and e > time.time() for _, h, e in leases(store))

        wait_for(held_by_the_pod, 30, "info-hub's replica to take its consumer lease")
        refused = kyodo(env, "replay", "info-hub", "--from-scratch")
        assert refused.returncode == 3, refused.stdout + refused.stderr
        assert "lease consumer:info-hub:registry is held by replica pod-info-hub-0" in refused.stderr
        assert "Traceback" not in refused.stderr
        served.send_signal(signal.SIGTERM)
        assert served.wait(timeout=30) == 0, (tmp_path / "serve.log").read_text()[-3000:]

    # Stopped (its leases released): the replay takes them, works under them, and releases them.
    done = kyodo(env, "replay", "info-hub", "--from-scratch")
    assert done.returncode == 0, done.stdout + done.stderr
    ours = [(role, expires) for role, holder, expires in leases(store) if holder.startswith("kyodo-cli-")]
    assert "consumer:info-hub:registry" in [role for role, _ in ours]
    assert all(expires <= time.time() for _, expires in ours), "released at the end"


def test_with_leases_disabled_replay_and_relay_reset_refuse_unless_forced(own_nats: str, tmp_path: Path) -> None:
    env = serve_env(
        "registry", tmp_path / "registry.sqlite", own_nats, f"force{os.getpid()}", KYODO_LEASES__ENABLED="false"
    )
    hub = serve_env("info-hub", tmp_path / "info-hub.sqlite", own_nats, f"force{os.getpid()}") | {
        "KYODO_LEASES__ENABLED": "false"
    }
    for args in (["replay", "info-hub"], ["relay", "reset", "registry"]):
        refused = kyodo(hub if args[0] == "replay" else env, *args)
        assert refused.returncode == 3, refused.stdout + refused.stderr
        assert "KYODO_LEASES__ENABLED is false" in refused.stderr
        assert "--force" in refused.stderr
    # Refused before any store was touched.
    assert not (tmp_path / "info-hub.sqlite").exists()

    forced = kyodo(hub, "replay", "info-hub", "--force")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert "replayed registry" in forced.stderr
    # --force passes the lease check only: relay reset still refuses a store that does not exist.
    missing = kyodo(env, "relay", "reset", "registry", "--force")
    assert missing.returncode == 2, missing.stdout + missing.stderr
    assert "registry has no store" in missing.stderr


def test_force_is_described_in_the_help_of_both_commands() -> None:
    for args in (["replay", "--help"], ["relay", "reset", "--help"]):
        shown = kyodo({**os.environ, "COLUMNS": "200"}, *args)
        assert "--force" in shown.stdout
        assert "leases are disabled so kyodo cannot check" in shown.stdout
