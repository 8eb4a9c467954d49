"""`kyodo replay`'s bulk path against real JetStream: batches with their tracking, resumption, and what it leaves
to the live consumer.
"""

from __future__ import annotations

from pathlib import Path

import nats
import pytest

from kyodo_shared.bus.replay import Replayer
from kyodo_shared.cli.rebuild import catch_up

from support.bus import Probe, create_source_stream, effects, probe_kernel, probe_settings, publish

pytestmark = pytest.mark.smoke


async def test_applies_the_stream_in_batches_and_resumes_from_tracking(
    sqlite_path: Path, nats_url: str, bus_namespace: str
) -> None:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await create_source_stream(js, bus_namespace)
    for sequence in range(1, 8):
        await publish(js, bus_namespace, sequence, f"g{sequence}")
    probe = Probe()
    kernel = probe_kernel(probe_settings(sqlite_path, nats_url, bus_namespace), probe)
    try:
        (subscription,) = kernel.subscriptions
        consumer = kernel.consumer_for(subscription, js, nc)
        seen: list[int] = []
        assert await Replayer(consumer, nc, batch=3).run(4, progress=seen.append) == 4
        # A batch of 3, then the last one alone: each committed with its tracking.
        assert seen == [3, 4]
        assert kernel.ledger.tracked("registry") == 4
        assert await Replayer(consumer, nc, batch=3).run(7) == 7
        assert effects(kernel.db) == [(s, f"g{s}") for s in range(1, 8)]
        assert sum(probe.calls.values()) == 7
    finally:
        kernel.close()
        await nc.close()


async def test_leaves_a_failing_message_to_the_consumer_which_parks_it(
    sqlite_path: Path, nats_url: str, bus_namespace: str
) -> None:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await create_source_stream(js, bus_namespace)
    for sequence in range(1, 6):
        await publish(js, bus_namespace, sequence, f"g{sequence}")
    await nc.close()
    probe = Probe()
    probe.always_fail.add("g4")
    kernel = probe_kernel(probe_settings(sqlite_path, nats_url, bus_namespace), probe)
    try:
        # The batch holding g4 fails as a whole and is rolled back; the live consumer applies 1-3 and parks 4.
        assert await catch_up(kernel, 60) == 1
        assert effects(kernel.db) == [(1, "g1"), (2, "g2"), (3, "g3")]
        assert [m.sequence for m in kernel.ledger.parked()] == [4]
    finally:
        kernel.close()
