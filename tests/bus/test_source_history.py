"""A consumer whose source's stream is re-published (after `kyodo relay reset`) against real JetStream: the same
history again is taken up where it left off and only the new events are applied; another history at sequences it
already applied (the source's store restored from a backup) blocks it with `source_history_changed`, and nothing
more is applied, instead of the new events at those sequences being skipped silently."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import nats
import pytest
from nats.js import JetStreamContext

from kyodo_contracts import stream_name
from kyodo_contracts.registry import GroupRegistered
from kyodo_shared.bus.cloudevents import H_ORIGINATOR_VERSION, Envelope, encode, message_id
from kyodo_shared.runtime import Kernel

from support.bus import Probe, create_source_stream, effects, probe_kernel, probe_settings, registered
from support.harness import eventually

pytestmark = pytest.mark.smoke

BEFORE = datetime(2026, 11, 25, tzinfo=UTC)
AFTER_RESTORE = datetime(2026, 11, 26, tzinfo=UTC)


async def publish(js: JetStreamContext, namespace: str, sequence: int, name: str, time: datetime = BEFORE) -> None:
    """As the relay publishes it: the id derives from the notification id (here the sequence), so a restored store
    re-publishing new events at the same notification ids gives the same ids; only the time tells them apart."""
    headers, body = encode(
        Envelope(
            id=message_id("registry", sequence, 0),
            source="/kyodo/registry",
            type=GroupRegistered.ce_type(),
            time=time,
            subject=name,
            sequence=sequence,
            correlation_id="c",
            causation_id="c",
            data=registered(name),
            notification_id=sequence,
        )
    )
    headers[H_ORIGINATOR_VERSION] = "1"
    await js.publish(GroupRegistered.subject(namespace), body, headers=headers)


@asynccontextmanager
async def running_probe(
    sqlite_path: Path, nats_url: str, namespace: str, probe: Probe
) -> AsyncIterator[tuple[Kernel, JetStreamContext]]:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await create_source_stream(js, namespace)
    kernel = probe_kernel(probe_settings(sqlite_path, nats_url, namespace), probe)
    await kernel.start()
    try:
        yield kernel, js
    finally:
        await kernel.stop()
        kernel.close()
        await nc.close()


async def replace_stream(js: JetStreamContext, namespace: str) -> None:
    """What `kyodo relay reset registry` does to the bus: the stream goes (with the durable consumers on it) and the
    relay makes a new one, which it fills from sequence 1."""
    await js.delete_stream(stream_name(namespace, "registry"))
    await create_source_stream(js, namespace)


def consumer_state(kernel: Kernel) -> dict[str, object]:
    _, tasks = kernel.health.snapshot()
    return next(t for t in tasks if t["task"] == "consumer:registry")


async def test_an_identical_re_publication_is_taken_up_after_what_was_applied_and_new_events_apply_once(
    sqlite_path: Path, nats_url: str, bus_namespace: str
) -> None:
    probe = Probe()
    async with running_probe(sqlite_path, nats_url, bus_namespace, probe) as (kernel, js):
        for sequence in (1, 2, 3):
            await publish(js, bus_namespace, sequence, f"g{sequence}")
        await eventually(lambda: len(effects(kernel.db)) == 3)
        assert kernel.ledger.tracking("registry")[1] is not None  # the identity is remembered with the tracking
        await replace_stream(js, bus_namespace)
        for sequence in (1, 2, 3):
            await publish(js, bus_namespace, sequence, f"g{sequence}")
        await publish(js, bus_namespace, 4, "g4")
        await eventually(lambda: len(effects(kernel.db)) == 4, timeout=15)
        assert effects(kernel.db) == [(1, "g1"), (2, "g2"), (3, "g3"), (4, "g4")]
        assert probe.calls == {"g1": 1, "g2": 1, "g3": 1, "g4": 1}
        assert consumer_state(kernel)["status"] == "ok"


async def test_another_history_at_applied_sequences_blocks_the_consumer_and_nothing_more_is_applied(
    sqlite_path: Path, nats_url: str, bus_namespace: str
) -> None:
    probe = Probe()
    async with running_probe(sqlite_path, nats_url, bus_namespace, probe) as (kernel, js):
        for sequence in (1, 2, 3):
            await publish(js, bus_namespace, sequence, f"g{sequence}")
        await eventually(lambda: len(effects(kernel.db)) == 3)
        # The source's store restored to a backup taken at sequence 2, then two new events: 3 and 4 are new,
        # 3 with the id the lost 3 had.
        await replace_stream(js, bus_namespace)
        for sequence in (1, 2):
            await publish(js, bus_namespace, sequence, f"g{sequence}")
        await publish(js, bus_namespace, 3, "n3", AFTER_RESTORE)
        await publish(js, bus_namespace, 4, "n4", AFTER_RESTORE)
        await eventually(lambda: consumer_state(kernel)["status"] == "blocked", timeout=15)
        state = consumer_state(kernel)
        assert state["reason"] == "source_history_changed"
        assert "kyodo replay probe --from-scratch" in str(state["hint"])
        healthy, _ = kernel.health.snapshot()
        assert not healthy
        assert effects(kernel.db) == [(1, "g1"), (2, "g2"), (3, "g3")]
        assert "n4" not in probe.calls
