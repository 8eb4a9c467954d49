"""An operator sees a parked message in /readyz, /metrics and `kyodo dlq list`, and retries or skips it."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import nats
import pytest

from kyodo_shared.bus.operations import ConsumerOperations
from kyodo_shared.web.devissuer import DevIssuer

from support.bus import create_source_stream, publish
from support.harness import Backend, eventually, platform, settings_for

pytestmark = pytest.mark.smoke


def kyodo(*args: str, sqlite_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "KYODO_STORE__BACKEND": "sqlite",
        "KYODO_STORE__SQLITE_PATH": str(sqlite_path),
        # Everything the service opens stays in the test's directory.
        "KYODO_PRIVACY__VAULT_PATH": str(sqlite_path.parent / "info-hub-vault.sqlite"),
        "KYODO_AUDIT__KEYS_DIR": str(sqlite_path.parent / "keys"),
    }
    return subprocess.run(
        [sys.executable, "-m", "kyodo_shared.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_a_parked_message_is_reported_then_retried_after_the_cause_is_fixed(
    tmp_path: Path, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    settings = settings_for("info-hub", Backend("sqlite", tmp_path), nats_url, bus_namespace, issuer)
    sqlite_path = settings.store.sqlite_path
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await create_source_stream(js, bus_namespace)
    try:
        async with platform({"info-hub": settings}, issuer) as p:
            hub = p.clients["info-hub"]
            db = p.apps["info-hub"].state.kernel.db
            # A faulty trigger on the read-model table makes every application of the event fail.
            with db.transaction() as tx:
                tx.execute(
                    "CREATE TRIGGER faulty BEFORE INSERT ON directory_groups BEGIN SELECT RAISE(ABORT, 'faulty'); END"
                )
            await publish(js, bus_namespace, 1, "国分寺ともだちの会")

            async def parked() -> bool:
                return bool((await hub.get("/readyz")).json()["parked"])

            await eventually(parked, timeout=20)
            ready = await hub.get("/readyz")
            assert ready.status_code == 200
            assert ready.json()["parked"][0]["sequence"] == 1
            assert 'kyodo_consumer_parked{source="registry"} 1.0' in (await hub.get("/metrics")).text
            listed = await asyncio.to_thread(kyodo, "dlq", "list", "--service", "info-hub", sqlite_path=sqlite_path)
            assert listed.returncode == 0, listed.stderr
            row = json.loads(listed.stdout.splitlines()[0])
            assert (row["service"], row["source"], row["sequence"]) == ("info-hub", "registry", 1)

            with db.transaction() as tx:
                tx.execute("DROP TRIGGER faulty")
            retried = await asyncio.to_thread(
                kyodo, "dlq", "retry", "info-hub", "registry", "--reason", "trigger removed", sqlite_path=sqlite_path
            )
            assert retried.returncode == 0, retried.stdout + retried.stderr

            async def listed_in_directory() -> bool:
                return (await hub.get("/groups")).json()["total"] == 1

            await eventually(listed_in_directory, timeout=20)
            assert (await hub.get("/readyz")).json()["parked"] == []
    finally:
        await nc.close()


async def test_skipping_a_parked_message_is_recorded_as_an_event_and_the_source_moves_on(
    tmp_path: Path, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    settings = settings_for("info-hub", Backend("sqlite", tmp_path), nats_url, bus_namespace, issuer)
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await create_source_stream(js, bus_namespace)
    try:
        async with platform({"info-hub": settings}, issuer) as p:
            hub = p.clients["info-hub"]
            await publish(js, bus_namespace, 1, "壊れた", body=b"{not json")
            await publish(js, bus_namespace, 2, "光町子ども食堂")

            async def parked() -> bool:
                return bool((await hub.get("/readyz")).json()["parked"])

            await eventually(parked, timeout=20)
            assert (await hub.get("/groups")).json()["total"] == 0
            skipped = await asyncio.to_thread(
                kyodo,
                "dlq",
                "skip",
                "info-hub",
                "registry",
                "--reason",
                "malformed upstream",
                "--operator",
                "ops-1",
                sqlite_path=settings.store.sqlite_path,
            )
            assert skipped.returncode == 0, skipped.stdout + skipped.stderr

            async def caught_up() -> bool:
                return (await hub.get("/groups")).json()["total"] == 1

            await eventually(caught_up, timeout=20)
            application = p.apps["info-hub"].state.kernel.application
            log = application.repository.get(ConsumerOperations.id_for("info-hub", "registry"))
            events = list(application.events.get(log.id))
            skip = events[-1]
            assert type(skip).__name__ == "MessageSkipped"
            assert (skip.sequence, skip.reason, skip.operator) == (1, "malformed upstream", "ops-1")
    finally:
        await nc.close()
