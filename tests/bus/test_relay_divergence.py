"""The relay against real JetStream when its store no longer matches its stream: a store restored from a backup
(behind the stream, or with other events at the same notification ids) blocks publishing, on start and while
running; a stream merely ahead of the recorded position (a crash before recording) does not."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import nats
import pytest

from kyodo_contracts.registry import CRITERIA_ORDER
from kyodo_registry.app import RegistryApplication
from kyodo_registry.bus import to_contracts
from kyodo_shared.bus.cloudevents import H_ORIGINATOR_VERSION
from kyodo_shared.bus.divergence import StoreDiverged
from kyodo_shared.bus.relay import OutboxRelay, Position
from kyodo_shared.observability.metrics import KernelMetrics
from kyodo_shared.settings import BusSettings, RelaySettings, StoreSettings
from kyodo_shared.store.db import SqliteDatabase

from support.registry import BYLAWS_DOC, actor, registry_app

pytestmark = pytest.mark.smoke


def apply(app: RegistryApplication, name: str) -> None:
    profile = {"name": name, "purpose": "目的", "fields_of_activity": ["福祉"], "area": "本町"}
    personal = {"name": "山田 花子", "email": "hanako@example.jp", "phone": "042-300-0000"}
    app.apply_for_registration(
        actor("rep", "group"), profile, personal, dict.fromkeys(CRITERIA_ORDER, "根拠"), BYLAWS_DOC, []
    )


@asynccontextmanager
async def relay_on(path: Path, nats_url: str, namespace: str) -> AsyncIterator[tuple[RegistryApplication, OutboxRelay]]:
    store = StoreSettings(backend="sqlite", sqlite_path=path)
    app: RegistryApplication = registry_app(store, path.parent / "vault.sqlite")
    db = SqliteDatabase(path)
    nc = await nats.connect(nats_url)
    relay = OutboxRelay(
        service="registry",
        application=app,
        mapper=to_contracts,
        db=db,
        js=nc.jetstream(),
        bus=BusSettings(nats_url=nats_url, namespace=namespace, provision="create"),
        settings=RelaySettings(),
        metrics=KernelMetrics(),
    )
    relay.positions.migrate()
    try:
        yield app, relay
    finally:
        app.close()
        db.close()
        await nc.close()


def backup(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


async def publish_all(relay: OutboxRelay) -> None:
    await relay.ensure_stream()
    await relay.reconcile()
    while await relay.drain_once():
        pass


async def test_each_message_carries_its_originator_version(tmp_path: Path, nats_url: str, bus_namespace: str) -> None:
    async with relay_on(tmp_path / "registry.sqlite", nats_url, bus_namespace) as (app, relay):
        apply(app, "g1")
        await publish_all(relay)
        message = await relay.js.get_msg(relay.stream, 1)
        assert message.headers is not None
        assert message.headers[H_ORIGINATOR_VERSION] == "1"


async def test_a_store_restored_behind_its_stream_blocks_the_relay_on_start(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    path = tmp_path / "registry.sqlite"
    async with relay_on(path, nats_url, bus_namespace) as (app, relay):
        apply(app, "g1")
        await publish_all(relay)
        backup(path, tmp_path / "backup.sqlite")
        apply(app, "g2")
        await publish_all(relay)
    backup(tmp_path / "backup.sqlite", path)
    async with relay_on(path, nats_url, bus_namespace) as (app, relay):
        with pytest.raises(StoreDiverged) as behind:
            await relay.reconcile()
        assert behind.value.reason == "store_behind_stream"
        assert "kyodo relay reset registry" in behind.value.hint
        # New events reuse the notification ids the stream holds: different events there, still refused.
        apply(app, "g3")
        with pytest.raises(StoreDiverged) as diverged:
            await relay.reconcile()
        assert diverged.value.reason == "store_diverged"
        assert relay.position == Position()  # nothing taken from the stream, nothing published


async def test_a_store_restored_under_a_running_relay_is_detected_before_it_publishes_again(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    path = tmp_path / "registry.sqlite"
    async with relay_on(path, nats_url, bus_namespace) as (app, relay):
        apply(app, "g1")
        await publish_all(relay)
        backup(path, tmp_path / "backup.sqlite")
        apply(app, "g2")
        await publish_all(relay)
        published = relay.position.sequence
        backup(tmp_path / "backup.sqlite", path)
        apply(app, "g3")
        relay.check.every = 0.0
        with pytest.raises(StoreDiverged):
            await relay.check.due(relay.position.sequence)
        assert int((await relay.js.stream_info(relay.stream)).state.last_seq) == published


async def test_a_stream_ahead_of_the_recorded_position_with_the_events_in_the_store_is_fine(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    path = tmp_path / "registry.sqlite"
    async with relay_on(path, nats_url, bus_namespace) as (app, relay):
        apply(app, "g1")
        apply(app, "g2")
        await publish_all(relay)
        published = relay.position
        # As after a crash between publishing and recording: the recorded position is behind the stream.
        relay.positions.save(Position())
        await relay.reconcile()
        assert (relay.position.notification_id, relay.position.sequence) == (
            published.notification_id,
            published.sequence,
        )


async def test_a_restore_and_new_writes_between_two_batches_are_refused_before_anything_is_published(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    path = tmp_path / "registry.sqlite"
    async with relay_on(path, nats_url, bus_namespace) as (app, relay):
        apply(app, "g1")
        await publish_all(relay)
        backup(path, tmp_path / "backup.sqlite")
        apply(app, "g2")
        await publish_all(relay)
        published = relay.position
        # Restored under the running relay, then more writes than were lost: the stream's last message could now
        # match the store again, so the periodic check alone would let the lost notification ids go unreported.
        backup(tmp_path / "backup.sqlite", path)
        apply(app, "g3")
        apply(app, "g4")
        # drain_once alone: the periodic check (check.due) does not run here.
        with pytest.raises(StoreDiverged) as diverged:
            await relay.drain_once()
        assert diverged.value.reason == "store_diverged"
        assert "kyodo relay reset registry" in diverged.value.hint
        assert relay.position == published
        assert int((await relay.js.stream_info(relay.stream)).state.last_seq) == published.sequence


async def test_a_restore_behind_the_last_read_notification_is_refused_on_the_next_batch(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    path = tmp_path / "registry.sqlite"
    async with relay_on(path, nats_url, bus_namespace) as (app, relay):
        apply(app, "g1")
        await publish_all(relay)
        backup(path, tmp_path / "backup.sqlite")
        apply(app, "g2")
        await publish_all(relay)
        published = relay.position
        backup(tmp_path / "backup.sqlite", path)
        with pytest.raises(StoreDiverged) as behind:
            await relay.drain_once()
        assert behind.value.reason == "store_behind_stream"
        assert relay.position == published


async def test_after_a_restart_the_first_batch_remembers_what_it_read_and_batches_go_on(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    path = tmp_path / "registry.sqlite"
    async with relay_on(path, nats_url, bus_namespace) as (app, relay):
        apply(app, "g1")
        await publish_all(relay)
    async with relay_on(path, nats_url, bus_namespace) as (app, relay):
        await relay.ensure_stream()
        await relay.reconcile()
        assert relay.last_read is not None
        assert relay.last_read.notification_id == relay.position.notification_id
        apply(app, "g2")
        await publish_all(relay)
        apply(app, "g3")
        assert await relay.drain_once() > 0
        assert relay.last_read is not None
        assert relay.last_read.notification_id == relay.position.notification_id
