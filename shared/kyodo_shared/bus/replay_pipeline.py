"""`kyodo replay`'s bulk path over two processes: this one receives and commits, a second one decodes.

The replaying process reads the stream through an ordered consumer on a connection of its own whose header
blocks stay unparsed (`RawHeaders`: parsing 14 headers per message in nats-py costs about half of what receiving
costs), ships batches of raw messages to the decoding process (`replay_worker.serve`) and commits what comes back,
in order, one transaction per batch with its tracking — the same exactly-once rule as the in-process path and the
live consumer. Either process may die at any point: what is committed stays, tracking says where it ends, and the
live consumer (or the next replay) goes on from there.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import pickle
import queue
import threading
import time
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any

import structlog
from nats.aio import client as nats_client
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig, DeliverPolicy

from kyodo_contracts import stream_subjects
from kyodo_shared.bus.connection import servers_of, tls_options
from kyodo_shared.bus.consumer import SourceConsumer
from kyodo_shared.bus.replay_worker import Plan, Raw, RawHeaders, Run, SplitBatch, serve
from kyodo_shared.store.db import Database

log = structlog.get_logger(__name__)

_STATUS_LINE = nats_client.NATS_HDR_LINE_SIZE
_SPACE = 32
_CACHE_KIB = 256 * 1024
_CHECKPOINT_PAGES = 65_536
# Batches handed to the decoding process and not yet back: one it works on, one waiting in the pipe.
_IN_FLIGHT = 2
# With fast_mail_parser installed nats-py parses headers with it instead; RawHeaders would not give the same result.
_NATS_OWN_PARSER = getattr(nats_client, "parse_email", None) is None


class RawHeadersClient(Client):
    """A NATS client that leaves each data message's header block unparsed (`RawHeaders`). Status messages
    (heartbeats, flow control) start with a status code after `NATS/1.0` and are parsed as nats-py always does, so
    the ordered consumer's flow control and gap checks see what they always see.
    """

    async def _process_headers(self, headers: Any) -> Any:
        if _NATS_OWN_PARSER and headers and len(headers) > _STATUS_LINE + 2 and headers[_STATUS_LINE] != _SPACE:
            return RawHeaders(bytes(headers[_STATUS_LINE + 2 :]))
        return await super()._process_headers(headers)


@contextlib.contextmanager
def rebuild_pragmas(db: Database) -> Iterator[None]:
    """SQLite settings for the time a replay writes, none of which touches durability (every commit still reaches
    the disk with its tracking, `synchronous=FULL`):

    - a 256 MiB page cache: rows land at random places of the read model's B-trees (random UUID keys), which
      outgrow the default 2 MiB;
    - checkpoints of the write-ahead log every 256 MiB instead of every 4 MiB: a page written by many batches is
      copied into the database once per checkpoint, not once per handful of batches. At the end the log is
      checkpointed and truncated, inside the replay's time.
    """
    if db.backend != "sqlite":
        yield
        return
    with db.transaction() as tx:
        cache = tx.fetchone("PRAGMA cache_size")
        checkpoint = tx.fetchone("PRAGMA wal_autocheckpoint")
        tx.execute(f"PRAGMA cache_size = {-_CACHE_KIB}")
        tx.execute(f"PRAGMA wal_autocheckpoint = {_CHECKPOINT_PAGES}")
    try:
        yield
    finally:
        with db.transaction() as tx:
            tx.execute(f"PRAGMA cache_size = {int(str(cache[0])) if cache else -2000}")
            tx.execute(f"PRAGMA wal_autocheckpoint = {int(str(checkpoint[0])) if checkpoint else 1000}")
        # On SQLite a purge is a checkpoint that truncates the log: what the replay let grow goes back to its size.
        db.purge("kyodo_consumer_tracking")


def plan_of(consumer: SourceConsumer) -> Plan:
    prepares = {t: h.prepare for t, h in consumer.batch_handlers.items() if isinstance(h, SplitBatch)}
    return Plan(frozenset(consumer.handlers), prepares)


class Pipeline:
    """Applies one source's stream from `tracked` up to `last` over two processes; see the module's docstring."""

    def __init__(self, consumer: SourceConsumer, nats_url: str, *, batch: int, idle_seconds: float) -> None:
        self.consumer, self.nats_url, self.batch, self.idle_seconds = consumer, nats_url, batch, idle_seconds
        self._buffer: list[Raw] = []
        self._done = asyncio.Event()
        self._tracked = self._queued = self._last = self._received = self._in_flight = 0
        self._progress: Callable[[int], None] = lambda _: None
        self._outgoing: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._to_worker: Connection
        self._from_worker: Connection

    async def run(self, tracked: int, last: int, progress: Callable[[int], None]) -> int:
        self._tracked, self._queued, self._last, self._progress = tracked, tracked, last, progress
        context = multiprocessing.get_context("spawn")
        inbox, self._to_worker = context.Pipe(duplex=False)
        self._from_worker, outbox = context.Pipe(duplex=False)
        worker = context.Process(
            target=serve, args=(inbox, outbox, plan_of(self.consumer), tracked), daemon=True, name="kyodo-replay"
        )
        worker.start()
        # The worker's ends belong to the worker now: each side sees EOF when the other one ends.
        inbox.close()
        outbox.close()
        sender = threading.Thread(target=self._send, name="kyodo-replay-send", daemon=True)
        sender.start()
        nc = RawHeadersClient()
        try:
            await nc.connect(
                servers_of(self.nats_url),
                name="kyodo-replay-bulk",
                connect_timeout=5,
                max_reconnect_attempts=5,
                error_cb=self._on_bus_error,
                **tls_options(self.consumer.bus),
            )
            with rebuild_pragmas(self.consumer.ledger.db):
                sub = await nc.jetstream().subscribe(
                    stream_subjects(self.consumer.bus.namespace, self.consumer.source),
                    stream=self.consumer.stream,
                    ordered_consumer=True,
                    cb=self._on_msg,
                    config=ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=tracked + 1),
                )
                await self._watch()
                await sub.unsubscribe()
        finally:
            self._done.set()
            with contextlib.suppress(Exception):
                await nc.close()
            self._outgoing.put(None)
            if self._in_flight:
                # Stopped early: nothing the decoder holds is wanted, and it may be stuck handing a run back.
                worker.terminate()
            await asyncio.to_thread(sender.join, 10)
            self._to_worker.close()  # the worker ends at EOF
            await asyncio.to_thread(worker.join, 10)
            if worker.is_alive():
                worker.terminate()
            self._from_worker.close()
        return self._tracked

    async def _watch(self) -> None:
        """Takes the runs that come back while no batch is being handed over (the last ones), and gives up when
        nothing moves for `idle_seconds`."""
        idle_since = time.monotonic()
        while not self._done.is_set():
            seen = (self._received, self._tracked)
            if self._in_flight and await asyncio.to_thread(self._from_worker.poll, 0.2):
                # Checked again here: a callback may have taken that run meanwhile, and recv must not block.
                while self._in_flight and not self._done.is_set() and self._from_worker.poll(0):
                    self._take()
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._done.wait(), 0.2)
            if seen != (self._received, self._tracked):
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since > self.idle_seconds and not self._done.is_set():
                log.warning("replay_stalled", source=self.consumer.source, tracked=self._tracked)
                return

    async def _on_msg(self, msg: Msg) -> None:
        if self._done.is_set() or self._queued + len(self._buffer) >= self._last:
            return
        self._received += 1
        headers = msg.headers
        self._buffer.append((headers.raw if isinstance(headers, RawHeaders) else headers, msg.data, msg.reply))
        if len(self._buffer) < self.batch and self._queued + len(self._buffer) < self._last:
            return
        batch, self._buffer = self._buffer, []
        self._queued += len(batch)
        while self._from_worker.poll(0) and not self._done.is_set():
            self._take()
        # Blocks the event loop, deliberately, while the decoder holds its share of batches: nothing is read from
        # the socket meanwhile, so TCP and the ordered consumer's flow control hold the server back, as the
        # in-process path does while it commits. Waiting in a task instead would let nats-py queue the stream in
        # memory until it drops messages (a slow consumer), leaving the rest to the live consumer.
        while self._in_flight >= _IN_FLIGHT and not self._done.is_set():
            self._take()
        if self._done.is_set():
            return
        # Sent by a thread of its own: a batch is larger than the pipe holds, and the decoder may be waiting to hand
        # back a run, which only the event loop's thread reads: sending here could wait for each other forever.
        self._outgoing.put(pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL))
        self._in_flight += 1

    async def _on_bus_error(self, exc: Exception) -> None:
        # A line, not nats-py's default traceback: a dropped message shows as a gap, which stops the bulk path.
        log.warning("replay_bus_error", source=self.consumer.source, error=f"{type(exc).__name__}: {exc}"[:200])

    def _send(self) -> None:
        """The sending thread: batches to the decoder, in order, until None."""
        while (payload := self._outgoing.get()) is not None:
            try:
                self._to_worker.send_bytes(payload)
            except OSError:
                return  # the decoder is gone: the event loop's side finds out when it reads

    def _take(self) -> None:
        """Receives the next run from the decoder (waiting for it) and commits it, on the event loop's thread as
        the in-process path does: nothing else runs during a replay."""
        source = self.consumer.source
        # Bounded: a decoder alive but stuck must not hold the event loop's thread (and the replay) for ever.
        if not self._from_worker.poll(self.idle_seconds):
            self._stop("replay_worker_stalled")
            return
        try:
            payload = self._from_worker.recv_bytes()
        except (EOFError, OSError):
            self._stop("replay_worker_gone")
            return
        self._in_flight -= 1
        run: Run = pickle.loads(payload)  # noqa: S301 - from the worker this process started
        if run.last >= run.first:
            try:
                self._commit(run)
            except Exception as exc:  # noqa: BLE001 - left to the live consumer's retries
                log.warning("replay_batch_failed", source=source, after=self._tracked, error=type(exc).__name__)
                self._done.set()
                return
            self._tracked = run.last
            self._progress(self._tracked)
        if not run.complete:
            log.info("replay_left_to_consumer", source=source, sequence=self._tracked + 1)
            self._done.set()
        elif self._tracked >= self._last:
            self._done.set()

    def _stop(self, event: str) -> None:
        if not self._done.is_set():
            log.warning(event, source=self.consumer.source, tracked=self._tracked)
            self._done.set()

    def _commit(self, run: Run) -> None:
        """`SourceConsumer.commit_run` for a decoded run: the effects and the tracking in one transaction."""
        consumer = self.consumer
        with consumer.ledger.db.transaction() as tx:
            if consumer.lease is not None:
                consumer.lease.check(tx)
            for event_type, prepared, items in run.groups:
                batch = consumer.batch_handlers.get(event_type)
                if prepared:
                    assert isinstance(batch, SplitBatch)
                    batch.write(items, tx)
                elif batch is not None:
                    batch(items, tx)
                else:
                    handler = consumer.handlers[event_type]
                    for envelope in items:
                        handler(envelope, tx)
            consumer.ledger.advance(tx, consumer.source, run.last, first=run.first, identity=run.identity)
