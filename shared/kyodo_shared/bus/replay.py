"""Bulk rebuild of a consumer's read models from its stream, for `kyodo replay` while the service is stopped.

An ordered (ephemeral, flow-controlled, gap-checked) JetStream consumer reads from the tracked position on; each
batch's effects and its tracking commit in one transaction, exactly as the live consumer would apply them, so no
acks are needed and a crash loses nothing: the next run resumes from tracking. The first message that cannot be
applied in bulk stops the rebuild there; the live consumer then takes it with its retry-and-park path.

A long stream is decoded in a second process (`replay_pipeline.py`): in one process, decoding alone costs more
than receiving does. Short ones stay in this process, where starting another would cost more than it saves.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig, DeliverPolicy

from kyodo_contracts import stream_subjects
from kyodo_shared.bus.consumer import SourceConsumer
from kyodo_shared.bus.replay_pipeline import Pipeline
from kyodo_shared.bus.replay_worker import SplitBatch

__all__ = ["TWO_PROCESSES_FROM", "Replayer", "SplitBatch"]

log = structlog.get_logger(__name__)

# Messages to replay from which a decoding process pays for its start (about a second).
TWO_PROCESSES_FROM = 20_000


class Replayer:
    """Applies one source's stream up to a given sequence in batches of `batch` messages (by default 1,000 in
    this process, 5,000 over two: each commit's fsync is then shared by more messages)."""

    def __init__(
        self,
        consumer: SourceConsumer,
        nc: Client,
        *,
        batch: int | None = None,
        idle_seconds: float = 10.0,
        two_processes: bool | None = None,
        nats_url: str | None = None,
    ) -> None:
        self.consumer, self.nc, self.idle_seconds = consumer, nc, idle_seconds
        self.batch = batch or 1000
        self.pipeline_batch = batch or 5000
        # None: two processes for a long stream (TWO_PROCESSES_FROM), one for a short one.
        self.two_processes = two_processes
        self.nats_url = nats_url
        self._progress: Callable[[int], None] = lambda _: None
        self._last = self._tracked = 0
        self._buffer: list[Msg] = []
        self._done = asyncio.Event()
        self._received = 0

    async def run(self, last: int, progress: Callable[[int], None] = lambda _: None) -> int:
        """Applies everything after the tracked position up to `last`; returns the position reached."""
        consumer = self.consumer
        self._tracked = await asyncio.to_thread(consumer.ledger.tracked, consumer.source)
        if self._tracked >= last:
            return self._tracked
        two = self.two_processes
        if two is None:
            two = last - self._tracked >= TWO_PROCESSES_FROM
        if two:
            connected = self.nc.connected_url
            url = self.nats_url or (connected.geturl() if connected else "")
            pipeline = Pipeline(consumer, url, batch=self.pipeline_batch, idle_seconds=self.idle_seconds)
            self._tracked = await pipeline.run(self._tracked, last, progress)
            consumer.tracked = self._tracked
            return self._tracked
        self._last, self._progress, self._done = last, progress, asyncio.Event()
        sub = await self.nc.jetstream().subscribe(
            stream_subjects(consumer.bus.namespace, consumer.source),
            stream=consumer.stream,
            ordered_consumer=True,
            # The callback holds the subscription while a batch commits: flow control gives backpressure.
            cb=self._on_msg,
            config=ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=self._tracked + 1),
        )
        try:
            while not self._done.is_set():
                seen = self._received
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._done.wait(), self.idle_seconds)
                if self._received == seen and not self._done.is_set():
                    log.warning("replay_stalled", source=consumer.source, tracked=self._tracked)
                    break
        finally:
            await sub.unsubscribe()
        consumer.tracked = self._tracked
        return self._tracked

    async def _on_msg(self, msg: Msg) -> None:
        if self._done.is_set():
            return
        self._received += 1
        self._buffer.append(msg)
        if len(self._buffer) >= self.batch or self._tracked + len(self._buffer) >= self._last:
            await self._flush()

    async def _flush(self) -> None:
        msgs, self._buffer = self._buffer, []
        run = self.consumer.decode_run(msgs, self._tracked)
        if run:
            # On the event loop's thread, deliberately: a worker thread would trade the GIL with the subscription
            # for every row, which measured slower (bench/RESULTS.md, P4). Nothing else runs during a replay.
            try:
                self.consumer.commit_run(run)
            except Exception as exc:  # noqa: BLE001 - left to the live consumer's retries
                error = type(exc).__name__
                log.warning("replay_batch_failed", source=self.consumer.source, after=self._tracked, error=error)
                self._done.set()
                return
            self._tracked = run[-1][0]
            self._progress(self._tracked)
        if len(run) < len(msgs):
            log.info("replay_left_to_consumer", source=self.consumer.source, sequence=self._tracked + 1)
            self._done.set()
        elif self._tracked >= self._last:
            self._done.set()
