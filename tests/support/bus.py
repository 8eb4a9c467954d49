"""Bus test helpers: raw publishing into a source stream and a consuming probe service that counts its effects."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nats
from eventsourcing.application import Application
from nats.js import JetStreamContext
from nats.js.api import StreamConfig

from kyodo_contracts import stream_name, stream_subjects
from kyodo_contracts.registry import GroupProfile, GroupRegistered
from kyodo_shared.bus.cloudevents import H_TYPE, Envelope, encode, message_id
from kyodo_shared.runtime import Kernel, Subscription, open_foundation
from kyodo_shared.settings import (
    AuditSettings,
    BusSettings,
    ConsumerSettings,
    KernelSettings,
    LeaseSettings,
    PrivacySettings,
    StoreSettings,
)
from kyodo_shared.store.db import Database, Tx, migrate

EFFECTS_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS probe_effects (sequence BIGINT NOT NULL, group_id TEXT NOT NULL, name TEXT NOT NULL)",
)


def registered(name: str) -> GroupRegistered:
    return GroupRegistered(
        group_id=uuid.uuid5(uuid.NAMESPACE_URL, name),
        profile=GroupProfile(name=name, purpose="目的", fields_of_activity=["福祉"], area="本町"),
        representative_sub=f"sub-{name}",
    )


def message(sequence: int, name: str) -> tuple[dict[str, str], bytes]:
    envelope = Envelope(
        id=message_id("registry", sequence, 0),
        source="/kyodo/registry",
        type=GroupRegistered.ce_type(),
        time=datetime(2026, 11, 25, tzinfo=UTC),
        subject=name,
        sequence=sequence,
        correlation_id="c",
        causation_id="c",
        data=registered(name),
        notification_id=sequence,
    )
    return encode(envelope)


async def create_source_stream(js: JetStreamContext, namespace: str) -> str:
    name = stream_name(namespace, "registry")
    await js.add_stream(StreamConfig(name=name, subjects=[stream_subjects(namespace, "registry")]))
    return name


async def publish(js: JetStreamContext, namespace: str, sequence: int, name: str, *, body: bytes | None = None) -> None:
    """Publish a message with the given source sequence, in whatever order the test chooses."""
    headers, data = message(sequence, name)
    await js.publish(GroupRegistered.subject(namespace), body if body is not None else data, headers=headers)


class Probe:
    """A consuming service whose effect is a plain INSERT, so a second application would show as a second row."""

    def __init__(self) -> None:
        self.failures_left: dict[str, int] = defaultdict(int)
        self.always_fail: set[str] = set()
        self.calls: dict[str, int] = defaultdict(int)
        self.deliveries: dict[str, int] = {}

    def handle(self, envelope: Envelope, tx: Tx) -> None:
        event = envelope.data
        assert isinstance(event, GroupRegistered)
        name = event.profile.name
        self.calls[name] += 1
        self.deliveries[name] = envelope.delivery_count
        if name in self.always_fail:
            raise RuntimeError("always failing handler")
        if self.failures_left[name] > 0:
            self.failures_left[name] -= 1
            raise RuntimeError("transient failure")
        tx.execute(
            "INSERT INTO probe_effects (sequence, group_id, name) VALUES (%s, %s, %s)",
            (envelope.sequence, str(event.group_id), name),
        )


def probe_settings(sqlite_path: Path, nats_url: str, namespace: str, **consumer: Any) -> KernelSettings:
    tuning: dict[str, Any] = {
        "max_failures": 3,
        "retry_base_seconds": 0.1,
        "retry_max_seconds": 0.5,
        "hold_delay_seconds": 0.1,
        "idle_wait_seconds": 0.3,
        # Short, so messages delivered to a killed process come back quickly.
        "ack_wait_seconds": 2.0,
    }
    tuning.update(consumer)
    return KernelSettings(
        store=StoreSettings(backend="sqlite", sqlite_path=sqlite_path),
        bus=BusSettings(nats_url=nats_url, namespace=namespace, provision="create"),
        consumer=ConsumerSettings(**tuning),
        audit=AuditSettings(keys_dir=sqlite_path.parent / "keys"),
        privacy=PrivacySettings(vault_path=sqlite_path.parent / "probe-vault.sqlite"),
        leases=LeaseSettings(ttl_seconds=2.0),
    )


def bare_kernel(service: str, settings: KernelSettings, **parts: Any) -> Kernel:
    """A kernel over a plain eventsourcing application, built as a composition root builds one."""
    base = open_foundation(service, settings)
    app = base.store.construct(lambda env: Application[uuid.UUID](env=env))
    return Kernel(
        service=service,
        settings=settings,
        store=base.store,
        application=app,
        service_clock=base.clock,
        replica=base.replica,
        keys=base.keys,
        **parts,
    )


def probe_kernel(settings: KernelSettings, probe: Probe) -> Kernel:
    kernel = bare_kernel(
        "probe", settings, subscriptions=[Subscription(source="registry", handlers={GroupRegistered: probe.handle})]
    )
    migrate(kernel.db, EFFECTS_SCHEMA)
    return kernel


def effects(db: Database) -> list[tuple[int, str]]:
    with db.transaction() as tx:
        rows = tx.fetchall("SELECT sequence, name FROM probe_effects ORDER BY sequence")
    return [(int(r[0]), str(r[1])) for r in rows]


async def published_types(nats_url: str, namespace: str, service: str) -> list[str]:
    """The CloudEvents types on a service's stream, in order, without the "jp.kyodo.<service>." prefix."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        name = stream_name(namespace, service)
        last = int((await js.stream_info(name)).state.last_seq)
        return [
            str((await js.get_msg(name, seq)).headers[H_TYPE]).removeprefix(f"jp.kyodo.{service}.")
            for seq in range(1, last + 1)
        ]
    finally:
        await nc.close()


async def published_bodies(nats_url: str, namespace: str, service: str, event: str) -> list[dict[str, Any]]:
    """The JSON bodies of a service's published messages whose type ends with `event` (e.g. "group.rejected.v1")."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        name = stream_name(namespace, service)
        last = int((await js.stream_info(name)).state.last_seq)
        found = []
        for seq in range(1, last + 1):
            msg = await js.get_msg(name, seq)
            if str((msg.headers or {}).get(H_TYPE, "")).endswith(event):
                found.append(json.loads(msg.data or b"{}"))
        return found
    finally:
        await nc.close()
