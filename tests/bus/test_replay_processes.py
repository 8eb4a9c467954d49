"""`kyodo replay`'s bulk path over two processes (decoding in a second one) against real JetStream: the same
directory rows and tracking as the live consumer, what it leaves to the live consumer, and a decoding process
killed in the middle.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext

from kyodo_contracts import Contract
from kyodo_contracts import registry as r
from kyodo_info_hub.bus import directory
from kyodo_info_hub.migrations import upgrade as upgrade_info_hub
from kyodo_shared.bus.cloudevents import Envelope, encode, message_id
from kyodo_shared.bus.consumer import SourceConsumer
from kyodo_shared.bus.replay import Replayer
from kyodo_shared.bus.replay_worker import RawHeaders, parse_headers
from kyodo_shared.cli.rebuild import catch_up
from kyodo_shared.runtime import Kernel, Subscription
from kyodo_shared.settings import KernelSettings
from kyodo_shared.store.db import Database

from support.bus import (
    Probe,
    bare_kernel,
    create_source_stream,
    effects,
    message,
    probe_kernel,
    probe_settings,
    publish,
)
from support.harness import eventually

pytestmark = pytest.mark.smoke


def group(n: int) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"group-{n}")


def profile(name: str) -> r.GroupProfile:
    return r.GroupProfile(name=name, purpose="目的　ｶﾀｶﾅ", fields_of_activity=["福祉", "子育て"], area="本町")


def registered(n: int) -> r.GroupRegistered:
    return r.GroupRegistered(group_id=group(n), profile=profile(f"団体{n}"), representative_sub="s")


def history() -> list[Contract]:
    """Registrations in runs, with every other kind of event the directory follows, and one it does not."""
    events: list[Contract] = [registered(n) for n in range(9)]
    events += [
        r.GroupProfileUpdated(group_id=group(1), profile=profile("改名した団体")),
        r.GroupApplied(group_id=group(99), profile=profile("申請中"), representative_sub="s"),
        r.GroupSuspended(group_id=group(2), reason="調査中"),
        r.GroupLapsed(group_id=group(3), due=date(2027, 3, 31)),
        r.GroupDissolved(group_id=group(4), reason="解散"),
        *[registered(n) for n in (4, 10, 11)],
        r.GroupReinstated(group_id=group(2), reason="解除", renewal_due=date(2028, 3, 31)),
        r.GroupRenewed(group_id=group(3), renewal_due=date(2028, 3, 31)),
        r.GroupRegistered(group_id=group(12), profile=profile("最後の団体"), representative_sub="s"),
    ]
    return events


async def publish_registrations(js: JetStreamContext, namespace: str, count: int) -> None:
    subject = r.GroupRegistered.subject(namespace)
    acks = []
    for sequence in range(1, count + 1):
        headers, body = message(sequence, f"地域の子ども食堂と学習支援の会{sequence}")
        acks.append(await js.publish_async(subject, body, headers=headers))
    await asyncio.gather(*acks)


async def publish_history(js: JetStreamContext, namespace: str) -> int:
    await create_source_stream(js, namespace)
    events = history()
    for sequence, event in enumerate(events, start=1):
        envelope = Envelope(
            id=message_id("registry", sequence, 0),
            source="/kyodo/registry",
            type=event.ce_type(),
            time=datetime(2026, 11, 25, 3, sequence, tzinfo=UTC),
            subject=str(getattr(event, "group_id", "")),
            sequence=sequence,
            correlation_id="c",
            causation_id="c",
            data=event,
            notification_id=sequence,
        )
        headers, body = encode(envelope)
        await js.publish(event.subject(namespace), body, headers=headers)
    return len(events)


def hub_kernel(settings: KernelSettings) -> Kernel:
    subscription = Subscription(source="registry", handlers=directory.HANDLERS, batch_handlers=directory.BATCH_HANDLERS)
    kernel: Kernel = bare_kernel("info-hub", settings, subscriptions=[subscription])
    upgrade_info_hub(kernel.db)
    return kernel


def rows(db: Database) -> list[tuple[object, ...]]:
    with db.transaction() as tx:
        return tx.fetchall("SELECT * FROM directory_groups ORDER BY group_id")


async def live(kernel: Kernel, js: JetStreamContext, nc: NatsClient, last: int) -> None:
    consumer = kernel.consumer_for(kernel.subscriptions[0], js, nc)
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        await eventually(lambda: consumer.tracked >= last, timeout=30)
    finally:
        stop.set()
        await task


@dataclass
class Compared:
    """The same published history: applied by the live consumer in `by_consumer`, not yet replayed in `by_replay`."""

    nc: NatsClient
    last: int
    by_consumer: Kernel
    by_replay: Kernel
    consumer: SourceConsumer


@pytest.fixture
async def compared(tmp_path: Path, nats_url: str, bus_namespace: str) -> AsyncIterator[Compared]:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    last = await publish_history(js, bus_namespace)
    by_consumer = hub_kernel(probe_settings(tmp_path / "live" / "hub.sqlite", nats_url, bus_namespace))
    by_replay = hub_kernel(probe_settings(tmp_path / "replay" / "hub.sqlite", nats_url, bus_namespace))
    try:
        await live(by_consumer, js, nc, last)
        yield Compared(nc, last, by_consumer, by_replay, by_replay.consumer_for(by_replay.subscriptions[0], js, nc))
    finally:
        by_consumer.close()
        by_replay.close()
        await nc.close()


async def test_two_processes_write_the_same_rows_and_tracking_as_the_live_consumer(compared: Compared) -> None:
    by_consumer, by_replay, nc, last = compared.by_consumer, compared.by_replay, compared.nc, compared.last
    consumer = compared.consumer
    seen: list[int] = []
    replayer = Replayer(consumer, nc, batch=4, two_processes=True)
    assert await replayer.run(last, progress=seen.append) == last
    # Batches of 4 with their tracking.
    assert seen == [4, 8, 12, 16, 20]
    assert last == 20
    assert rows(by_replay.db) == rows(by_consumer.db)
    assert len(rows(by_replay.db)) == 12
    assert by_replay.ledger.tracking("registry") == by_consumer.ledger.tracking("registry")
    # The replay's SQLite settings were for its own time only.
    with by_replay.db.transaction() as tx:
        assert tx.fetchone("PRAGMA cache_size") == (-2000,)
        assert tx.fetchone("PRAGMA wal_autocheckpoint") == (1000,)


async def test_two_processes_leave_a_failing_message_to_the_consumer_which_parks_it(
    sqlite_path: Path, nats_url: str, bus_namespace: str
) -> None:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await create_source_stream(js, bus_namespace)
    for sequence in range(1, 6):
        await publish(js, bus_namespace, sequence, f"g{sequence}")
    await publish(js, bus_namespace, 6, "g6", body=b"{not json")
    probe = Probe()
    probe.always_fail.add("g2")
    kernel = probe_kernel(probe_settings(sqlite_path, nats_url, bus_namespace), probe)
    try:
        consumer = kernel.consumer_for(kernel.subscriptions[0], js, nc)
        # The batch holding g2 fails as a whole: nothing of it is applied, tracking stays before it.
        assert await Replayer(consumer, nc, batch=2, two_processes=True).run(6) == 0
        probe.always_fail.clear()
        # Then 1-5 go through; 6 cannot be decoded and stays for the live consumer, which parks it.
        assert await Replayer(consumer, nc, batch=2, two_processes=True).run(6) == 5
        assert effects(kernel.db) == [(s, f"g{s}") for s in range(1, 6)]
        assert await catch_up(kernel, 60, nats_url=nats_url) == 1
        assert [m.sequence for m in kernel.ledger.parked()] == [6]
    finally:
        kernel.close()
        await nc.close()


async def test_a_decoding_process_killed_midway_leaves_whole_batches_and_the_rest_is_applied_after(
    compared: Compared, nats_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    by_consumer, by_replay, nc, last = compared.by_consumer, compared.by_replay, compared.nc, compared.last
    consumer = compared.consumer
    # The decoding process dies (SIGKILL) right after handing over its first batch.
    monkeypatch.setenv("KYODO_CRASH_POINTS", "replay_worker_after_batch")
    reached = await Replayer(consumer, nc, batch=4, two_processes=True).run(last)
    monkeypatch.delenv("KYODO_CRASH_POINTS")
    # The batch it handed over is committed with its tracking, and nothing after it.
    assert reached == by_replay.ledger.tracked("registry") == 4
    assert len(rows(by_replay.db)) == 4
    # The live consumer (what `kyodo replay` runs next) applies the rest: the same directory as live.
    assert await catch_up(by_replay, 60, nats_url=nats_url) == 0
    assert rows(by_replay.db) == rows(by_consumer.db)
    assert by_replay.ledger.tracking("registry") == by_consumer.ledger.tracking("registry")


def test_raw_headers_read_as_nats_py_parses_them() -> None:
    block = "ce-type: jp.kyodo.registry.group.registered.v1\r\nce-subject:  団体\u3000 \r\nbad key: x\r\n\r\n".encode()
    assert dict(RawHeaders(block)) == Client._parse_header_lines(block)
    assert dict(RawHeaders(block)) == {"ce-type": "jp.kyodo.registry.group.registered.v1", "ce-subject": "団体\u3000"}
    assert RawHeaders(b"\r\n")  # has a header block, even an empty one: nats-py then looks for no status


def test_the_replay_header_parser_gives_what_nats_py_gives_for_any_block() -> None:
    # Names and values from pieces that each path treats specially: separators, every ASCII whitespace character,
    # bytes that are not ASCII or not UTF-8, and CR/LF on their own.
    pieces = [
        b"ce-id",
        b"a",
        b":",
        b": ",
        b" ",
        b"\t",
        b"\x1c",
        b"\x0b",
        b"\r",
        b"\n",
        b"\r\n",
        b"\xe5\x9b\xa3",
        b"\xff",
        b"-",
    ]
    chance = random.Random(14)
    for _ in range(5000):
        block = b"".join(chance.choice(pieces) for _ in range(chance.randint(0, 12)))
        assert parse_headers(block) == Client._parse_header_lines(block), block


async def test_two_processes_never_wait_for_each_other_when_batches_outgrow_the_pipe(
    sqlite_path: Path, nats_url: str, bus_namespace: str
) -> None:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await create_source_stream(js, bus_namespace)
    # A batch of 500 messages (~300 kB) and its run of rows (~80 kB) are each larger than a pipe holds (64 kB):
    # a replaying process blocked sending while the decoder is blocked handing back would wait forever.
    await publish_registrations(js, bus_namespace, 2000)
    kernel = hub_kernel(probe_settings(sqlite_path, nats_url, bus_namespace))
    try:
        consumer = kernel.consumer_for(kernel.subscriptions[0], js, nc)
        replayer = Replayer(consumer, nc, batch=500, two_processes=True)
        assert await asyncio.wait_for(replayer.run(2000), 60) == 2000
        assert len(rows(kernel.db)) == 2000
    finally:
        kernel.close()
        await nc.close()
