"""The consumer runtime against real JetStream: order, duplicates, gaps, retries, parking and poison messages."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import nats
import pytest
from nats.js import JetStreamContext

from kyodo_shared.runtime import Kernel

from support.bus import Probe, create_source_stream, effects, message, probe_kernel, probe_settings, publish
from support.harness import eventually

pytestmark = pytest.mark.smoke


@asynccontextmanager
async def running_probe(
    sqlite_path: Path, nats_url: str, namespace: str, probe: Probe, **consumer: float
) -> AsyncIterator[tuple[Kernel, JetStreamContext]]:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await create_source_stream(js, namespace)
    kernel = probe_kernel(probe_settings(sqlite_path, nats_url, namespace, **consumer), probe)
    await kernel.start()
    try:
        yield kernel, js
    finally:
        await kernel.stop()
        kernel.close()
        await nc.close()


async def test_applies_messages_in_source_order_when_delivered_out_of_order(
    sqlite_path: Path, nats_url: str, bus_namespace: str
) -> None:
    probe = Probe()
    async with running_probe(sqlite_path, nats_url, bus_namespace, probe) as (kernel, js):
        for sequence in (3, 1, 5, 2, 4):
            await publish(js, bus_namespace, sequence, f"g{sequence}")
        await eventually(lambda: len(effects(kernel.db)) == 5)
        assert effects(kernel.db) == [(s, f"g{s}") for s in range(1, 6)]


async def test_recreates_its_durable_consumer_after_the_tracked_position_when_it_disappears(
    sqlite_path: Path, nats_url: str, bus_namespace: str
) -> None:
    probe = Probe()
    async with running_probe(sqlite_path, nats_url, bus_namespace, probe) as (kernel, js):
        for sequence in (1, 2):
            await publish(js, bus_namespace, sequence, f"g{sequence}")
        await eventually(lambda: len(effects(kernel.db)) == 2)
        consumer = kernel.consumers[0]
        await js.delete_consumer(consumer.stream, consumer.durable)
        await publish(js, bus_namespace, 3, "g3")
        await eventually(lambda: len(effects(kernel.db)) == 3, timeout=15)
        info = await js.consumer_info(consumer.stream, consumer.durable)
        assert info.config.opt_start_seq == 3
        assert effects(kernel.db) == [(1, "g1"), (2, "g2"), (3, "g3")]


async def test_acks_a_redelivered_duplicate_without_a_second_effect(
    sqlite_path: Path, nats_url: str, bus_namespace: str
) -> None:
    probe = Probe()
    async with running_probe(sqlite_path, nats_url, bus_namespace, probe) as (kernel, js):
        await publish(js, bus_namespace, 1, "g1")
        await publish(js, bus_namespace, 1, "g1")
        await publish(js, bus_namespace, 2, "g2")
        await eventually(lambda: len(effects(kernel.db)) == 2)
        await eventually(lambda: kernel.metrics.consumer_duplicates.labels("registry")._value.get() == 1)
        assert effects(kernel.db) == [(1, "g1"), (2, "g2")]


async def test_retries_a_transient_failure_after_a_delay_and_applies_it(
    sqlite_path: Path, nats_url: str, bus_namespace: str
) -> None:
    probe = Probe()
    probe.failures_left["g1"] = 2
    async with running_probe(sqlite_path, nats_url, bus_namespace, probe) as (kernel, js):
        await publish(js, bus_namespace, 1, "g1")
        await publish(js, bus_namespace, 2, "g2")
        await eventually(lambda: len(effects(kernel.db)) == 2)
        assert effects(kernel.db) == [(1, "g1"), (2, "g2")]
        assert probe.calls["g1"] == 3
        assert kernel.ledger.parked() == []


async def test_a_message_held_behind_one_failing_n_minus_1_times_is_still_applied(
    sqlite_path: Path, nats_url: str, bus_namespace: str
) -> None:
    probe = Probe()
    max_failures = 3
    probe.failures_left["g1"] = max_failures - 1
    # Hold by nak-with-delay (no buffer), with holds much quicker than the failing message's retries.
    tuning = {"max_failures": max_failures, "max_buffered": 0, "hold_delay_seconds": 0.05, "retry_base_seconds": 0.3}
    async with running_probe(sqlite_path, nats_url, bus_namespace, probe, **tuning) as (kernel, js):
        await publish(js, bus_namespace, 1, "g1")
        await publish(js, bus_namespace, 2, "g2")
        await eventually(lambda: len(effects(kernel.db)) == 2)
        # Delivered more often than the failure budget, yet holding never counted as a failure.
        assert probe.deliveries["g2"] > max_failures
        assert kernel.ledger.parked() == []
        assert effects(kernel.db) == [(1, "g1"), (2, "g2")]


async def test_a_held_gap_does_not_park_anything(sqlite_path: Path, nats_url: str, bus_namespace: str) -> None:
    probe = Probe()
    async with running_probe(sqlite_path, nats_url, bus_namespace, probe) as (kernel, js):
        await publish(js, bus_namespace, 2, "g2")
        await publish(js, bus_namespace, 3, "g3")
        await eventually(lambda: kernel.metrics.consumer_held.labels("registry")._value.get() >= 2)
        assert effects(kernel.db) == []
        assert kernel.ledger.parked() == []
        await publish(js, bus_namespace, 1, "g1")
        await eventually(lambda: len(effects(kernel.db)) == 3)


async def test_parks_an_always_failing_message_and_stops_the_source_until_retried(
    sqlite_path: Path, nats_url: str, bus_namespace: str
) -> None:
    probe = Probe()
    probe.always_fail.add("g2")
    async with running_probe(sqlite_path, nats_url, bus_namespace, probe) as (kernel, js):
        for sequence in (1, 2, 3):
            await publish(js, bus_namespace, sequence, f"g{sequence}")
        await eventually(lambda: kernel.ledger.parked() != [])
        parked = kernel.ledger.parked()
        assert [(p.source, p.sequence, p.failures) for p in parked] == [("registry", 2, 3)]
        assert "always failing handler" in parked[0].last_error
        assert effects(kernel.db) == [(1, "g1")]
        ready, body = kernel.readiness()
        assert ready
        assert body["parked"][0]["sequence"] == 2
        # The cause is fixed; an operator retries and the source catches up in order.
        probe.always_fail.clear()
        kernel.ledger.retry("registry")
        await eventually(lambda: len(effects(kernel.db)) == 3)
        assert effects(kernel.db) == [(1, "g1"), (2, "g2"), (3, "g3")]


async def test_parks_malformed_bytes_and_keeps_running(sqlite_path: Path, nats_url: str, bus_namespace: str) -> None:
    probe = Probe()
    async with running_probe(sqlite_path, nats_url, bus_namespace, probe) as (kernel, js):
        await publish(js, bus_namespace, 1, "g1", body=b"\xff\xfe not json")
        await eventually(lambda: kernel.ledger.parked() != [])
        parked = kernel.ledger.parked()[0]
        assert parked.sequence == 1
        assert parked.last_error.startswith("PoisonMessage")
        assert all(not t.done() for t in kernel.supervisor.tasks)
        ready, _ = kernel.readiness()
        assert ready


async def test_applies_a_message_carrying_fields_a_later_release_added_within_the_version(
    sqlite_path: Path, nats_url: str, bus_namespace: str
) -> None:
    """Tolerant reader (docs/CONTRACTS.md): a producer one release ahead adds optional fields to v1; nothing parks."""
    probe = Probe()
    async with running_probe(sqlite_path, nats_url, bus_namespace, probe) as (kernel, js):
        _, body = message(1, "g1")
        later = json.loads(body)
        later["profile"]["added_later"] = {"any": "shape"}
        await publish(js, bus_namespace, 1, "g1", body=json.dumps({**later, "also_added": 1}).encode())
        await publish(js, bus_namespace, 2, "g2")
        await eventually(lambda: len(effects(kernel.db)) == 2)
        assert effects(kernel.db) == [(1, "g1"), (2, "g2")]
        assert kernel.ledger.parked() == []


@pytest.mark.parametrize(
    "headers",
    [{}, {"ce-type": "jp.kyodo.registry.group.registered.v9", "ce-sequence": "1"}],
    ids=["no-headers", "unknown-version"],
)
async def test_parks_a_message_of_unknown_type_instead_of_dropping_it(
    sqlite_path: Path, nats_url: str, bus_namespace: str, headers: dict[str, str]
) -> None:
    probe = Probe()
    async with running_probe(sqlite_path, nats_url, bus_namespace, probe) as (kernel, js):
        await js.publish(f"{bus_namespace}.registry.group.registered.v9", b"{}", headers=headers or None)
        await publish(js, bus_namespace, 2, "g2")
        await eventually(lambda: kernel.ledger.parked() != [])
        assert kernel.ledger.parked()[0].sequence == 1
        assert effects(kernel.db) == []
