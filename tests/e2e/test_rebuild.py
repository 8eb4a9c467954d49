"""Disaster recovery: `kyodo replay --from-scratch` rebuilds an identical directory from the stream, and
`kyodo relay reset` restores a lost stream with the same ids and sequences, which consumers apply no second time.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import nats
import pytest

from kyodo_contracts import stream_name
from kyodo_shared.bus.cloudevents import H_ID, H_SEQUENCE
from kyodo_shared.settings import KernelSettings
from kyodo_shared.store.db import SqliteDatabase
from kyodo_shared.web.devissuer import DevIssuer

from support.cli import kyodo_as
from support.harness import Backend, Platform, eventually, platform, settings_for
from support.procs import free_port
from support.registry import register_group
from support.servers import spawn_nats

pytestmark = pytest.mark.smoke


def directory(settings: KernelSettings) -> list[tuple[object, ...]]:
    db = SqliteDatabase(settings.store.sqlite_path)
    try:
        with db.transaction() as tx:
            return tx.fetchall("SELECT * FROM directory_groups ORDER BY group_id")
    finally:
        db.close()


async def stream_ids(nats_url: str, namespace: str) -> list[tuple[str, str]]:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        name = stream_name(namespace, "registry")
        last = int((await js.stream_info(name)).state.last_seq)
        messages = [await js.get_msg(name, seq) for seq in range(1, last + 1)]
        return [(m.headers[H_SEQUENCE], m.headers[H_ID]) for m in messages if m.headers]
    finally:
        await nc.close()


async def test_replay_rebuilds_the_directory_and_relay_reset_restores_the_stream(
    tmp_path: Path, bus_namespace: str, issuer: DevIssuer
) -> None:
    backend = Backend("sqlite", tmp_path)
    # A private server, so the test can delete its data directory.
    nats_store, port = tmp_path / "nats-data", free_port()
    with spawn_nats(store_dir=nats_store, port=port) as nats_url:
        services = {n: settings_for(n, backend, nats_url, bus_namespace, issuer) for n in ("registry", "info-hub")}
        async with platform(services, issuer) as p:
            for name in ("光町子ども食堂", "西元町史跡の会"):
                await register_group(p, name)
            await eventually(lambda: listed(p, 2), timeout=20)
        before = directory(services["info-hub"])
        published = await stream_ids(nats_url, bus_namespace)

        # info-hub's database is lost: its file goes, with the directory, tracking and everything else in it.
        hub_db = services["info-hub"].store.sqlite_path
        for leftover in hub_db.parent.glob(hub_db.name + "*"):
            leftover.unlink()
        replayed = await asyncio.to_thread(kyodo_as, services["info-hub"], "replay", "info-hub", "--from-scratch")
        assert replayed.returncode == 0, replayed.stdout + replayed.stderr
        assert directory(services["info-hub"]) == before

    # The bus loses everything: streams, consumers and their positions.
    shutil.rmtree(nats_store)
    with spawn_nats(store_dir=nats_store, port=port) as nats_url:
        reset = await asyncio.to_thread(kyodo_as, services["registry"], "relay", "reset", "registry")
        assert reset.returncode == 0, reset.stdout + reset.stderr
        async with platform(services, issuer) as p:
            hub = p.apps["info-hub"].state.kernel

            async def republished() -> bool:
                try:
                    return len(await stream_ids(nats_url, bus_namespace)) == len(published)
                except Exception:
                    return False

            await eventually(republished, timeout=30)
            assert await stream_ids(nats_url, bus_namespace) == published
            # The recreated consumer starts after what info-hub's tracking says it applied: no effect twice,
            # and what registry publishes next is applied.
            await register_group(p, "東恋ヶ窪みどりの会")
            await eventually(lambda: listed(p, 3), timeout=20)
            assert hub.ledger.tracked("registry") == len(published) + 8
        after = directory(services["info-hub"])
        assert [row for row in after if row[0] in {r[0] for r in before}] == before


async def listed(p: Platform, count: int) -> bool:
    return bool((await p.clients["info-hub"].get("/groups")).json()["total"] == count)
