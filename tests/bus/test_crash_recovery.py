"""Crashes at the worst moments, in real processes: nothing is lost, re-sequenced or applied twice."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import nats

from kyodo_contracts import stream_name
from kyodo_contracts.registry import CRITERIA_ORDER
from kyodo_registry.app import RegistryApplication
from kyodo_shared.bus.cloudevents import H_ID, H_SEQUENCE
from kyodo_shared.bus.relay import PositionStore
from kyodo_shared.settings import StoreSettings
from kyodo_shared.store.db import SqliteDatabase

from support.bus import Probe, create_source_stream, effects, probe_kernel, probe_settings, publish
from support.harness import eventually
from support.procs import child, free_port, kyodo_serve, probe_process, serve_env
from support.registry import apply_directly, assess_directly, registry_app


def register_group(app: RegistryApplication, name: str) -> None:
    group = apply_directly(app, name, f"sub-{name}", {"name": "x"})
    for criterion in CRITERIA_ORDER:
        assess_directly(app, group.id, criterion)


async def wait_exit(proc: object, timeout: float = 20.0) -> int:
    async def exited() -> bool:
        return proc.poll() is not None  # type: ignore[attr-defined]

    await eventually(exited, timeout=timeout)
    return int(proc.returncode)  # type: ignore[attr-defined]


async def test_relay_killed_after_publishing_and_before_recording_neither_loses_nor_repeats(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    store = StoreSettings(backend="sqlite", sqlite_path=tmp_path / "registry.sqlite")
    app: RegistryApplication = registry_app(store, tmp_path / "vault.sqlite")
    register_group(app, "g1")  # 8 contract events: applied, six assessments, registered
    stream = stream_name(bus_namespace, "registry")
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    env = serve_env("registry", store.sqlite_path, nats_url, bus_namespace)
    try:
        crash_env = {**env, "KYODO_CRASH_POINTS": "relay_after_publish"}
        with child(kyodo_serve("registry", free_port()), crash_env, tmp_path / "relay1.log") as proc:
            assert await wait_exit(proc) == -9
        assert (await js.stream_info(stream)).state.messages == 8
        assert PositionStore(SqliteDatabase(store.sqlite_path), "registry").load().sequence == 0

        register_group(app, "g2")
        with child(kyodo_serve("registry", free_port()), env, tmp_path / "relay2.log"):

            async def all_published() -> bool:
                return (await js.stream_info(stream)).state.messages >= 16

            await eventually(all_published, timeout=20)
            await asyncio.sleep(0.5)
        info = await js.stream_info(stream)
        assert info.state.messages == 16
        ids = set()
        for seq in range(1, 17):
            msg = await js.get_msg(stream, seq)
            assert msg.headers is not None
            assert int(msg.headers[H_SEQUENCE]) == seq
            ids.add(msg.headers[H_ID])
        assert len(ids) == 16
        assert PositionStore(SqliteDatabase(store.sqlite_path), "registry").load().sequence == 16
        # The restart took its position from the stream, not by re-publishing (which the dedup window would hide).
        restart_log = [
            json.loads(line) for line in (tmp_path / "relay2.log").read_text().splitlines() if line[:1] == "{"
        ]
        assert [e["sequence"] for e in restart_log if e.get("event") == "relay_reconciled"] == [8]

        probe = Probe()
        kernel = probe_kernel(probe_settings(tmp_path / "probe.sqlite", nats_url, bus_namespace), probe)
        await kernel.start()
        try:
            await eventually(lambda: len(effects(kernel.db)) == 2)
            await asyncio.sleep(0.5)
            assert [name for _, name in effects(kernel.db)] == ["g1", "g2"]
        finally:
            await kernel.stop()
            kernel.close()
    finally:
        app.close()
        await nc.close()


async def test_consumer_killed_after_commit_and_before_ack_does_not_apply_twice(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await create_source_stream(js, bus_namespace)
    for sequence in (1, 2, 3):
        await publish(js, bus_namespace, sequence, f"g{sequence}")
    sqlite_path = tmp_path / "probe.sqlite"
    args, env = probe_process(sqlite_path, nats_url, bus_namespace)
    try:
        with child(args, {**env, "KYODO_CRASH_POINTS": "consumer_after_commit"}, tmp_path / "probe.log") as proc:
            assert await wait_exit(proc) == -9
        db = SqliteDatabase(sqlite_path)
        assert effects(db) == [(1, "g1")]
        # The commit happened, the ack did not: JetStream redelivers message 1 after ack_wait.
        kernel = probe_kernel(probe_settings(sqlite_path, nats_url, bus_namespace), Probe())
        await kernel.start()
        try:
            await eventually(lambda: len(effects(kernel.db)) == 3, timeout=20)
            await eventually(
                lambda: kernel.metrics.consumer_duplicates.labels("registry")._value.get() >= 1, timeout=20
            )
            assert effects(kernel.db) == [(1, "g1"), (2, "g2"), (3, "g3")]
        finally:
            await kernel.stop()
            kernel.close()
    finally:
        await nc.close()
