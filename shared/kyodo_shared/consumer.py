"""The consumer runtime: applies one source's messages exactly once and in source order.

Effect and tracking commit in one transaction, then the message is acked. Duplicates are acked without effect;
messages after a gap are held until the gap fills; failures are retried with growing delays and parked after N.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import nats.errors
import structlog
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from kyodo_shared.aio import sleep_or_stop
from kyodo_shared.cloudevents import H_ID, H_SEQUENCE, H_TYPE, Envelope, PoisonMessage, decode, sequence_of
from kyodo_shared.contracts import Contract, catalog, stream_name
from kyodo_shared.crashpoints import crash_point
from kyodo_shared.db import Tx
from kyodo_shared.dlq import ConsumerLedger, TrackingConflict
from kyodo_shared.leases import Lease, LeaseLost
from kyodo_shared.metrics import KernelMetrics
from kyodo_shared.settings import BusSettings, ConsumerSettings

log = structlog.get_logger(__name__)

# A handler applies one event's effect inside the transaction that also advances tracking.
Handler = Callable[[Envelope, Tx], None]


class SourceConsumer:
    """A durable JetStream consumer of one source stream for one consuming service."""

    def __init__(
        self,
        *,
        service: str,
        source: str,
        handlers: Mapping[type[Contract], Handler],
        ledger: ConsumerLedger,
        js: JetStreamContext,
        bus: BusSettings,
        settings: ConsumerSettings,
        metrics: KernelMetrics,
    ) -> None:
        self.service, self.source, self.ledger, self.js = service, source, ledger, js
        self.bus, self.settings, self.metrics = bus, settings, metrics
        self.handlers = {contract.ce_type(): handler for contract, handler in handlers.items()}
        self.contracts = {contract.ce_type(): contract for contract in handlers}
        self.stream = stream_name(bus.namespace, source)
        self.durable = f"{service}--{source}".replace("-", "_")
        self.tracked = 0
        self.lease: Lease | None = None
        self.parked_sequence: int | None = None
        self._held: dict[int, Msg] = {}

    async def ensure_consumer(self) -> None:
        # No subject filter: a filtered consumer would see permanent gaps in the dense source sequence.
        config = ConsumerConfig(
            durable_name=self.durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            max_deliver=-1,
            ack_wait=self.settings.ack_wait_seconds,
            max_ack_pending=max(self.settings.max_buffered, self.settings.fetch_batch) * 2,
        )
        # Create-or-update: a changed setting (say ack_wait) takes effect on the existing durable consumer.
        await self.js.add_consumer(self.stream, config)

    async def wait_for_stream(self, stop: asyncio.Event) -> bool:
        """The source's relay creates its stream; a consumer may start first."""
        while not stop.is_set():
            try:
                await self.js.stream_info(self.stream)
                return True
            except NotFoundError:
                await sleep_or_stop(stop, 1.0)
        return False

    async def run(self, stop: asyncio.Event) -> None:
        if not await self.wait_for_stream(stop):
            return
        await self.ensure_consumer()
        psub = await self.js.pull_subscribe_bind(self.durable, self.stream)
        await self._load_state()
        batch = 1
        try:
            while not stop.is_set():
                if self.parked_sequence is not None:
                    await self._wait_while_parked(stop)
                    continue
                try:
                    msgs = await psub.fetch(batch, timeout=self.settings.idle_wait_seconds)
                except (nats.errors.TimeoutError, TimeoutError):
                    batch = 1
                    continue
                # Long-poll one message when idle (low latency), take big batches while busy (throughput).
                batch = self.settings.fetch_batch if len(msgs) >= batch else 1
                rest = await self._apply_run(msgs) if self.parked_sequence is None else msgs
                for msg in rest:
                    await self.on_message(msg)
        finally:
            await self._release_held(delay=None)
            await psub.unsubscribe()

    async def _load_state(self) -> None:
        self.tracked = await asyncio.to_thread(self.ledger.tracked, self.source)
        parked = await asyncio.to_thread(self.ledger.parked, self.source)
        self.parked_sequence = parked[0].sequence if parked else None
        self.metrics.consumer_sequence.labels(self.source).set(self.tracked)
        self.metrics.consumer_parked.labels(self.source).set(1 if parked else 0)

    async def _wait_while_parked(self, stop: asyncio.Event) -> None:
        # Nothing is fetched while parked; anything still held goes back to the stream for after the fix.
        await self._release_held(delay=None)
        await sleep_or_stop(stop, 1.0)
        sequence = self.parked_sequence
        if sequence is not None and not await asyncio.to_thread(self.ledger.is_parked, self.source, sequence):
            log.info("consumer_unparked", source=self.source, sequence=sequence)
            await self._load_state()

    async def on_message(self, msg: Msg) -> None:
        sequence = sequence_of(msg.headers)
        if sequence is None:
            # No usable sequence: fall back to the stream's, which equals the source sequence by construction.
            sequence = int(msg.metadata.sequence.stream)
        if sequence <= self.tracked:
            self.metrics.consumer_duplicates.labels(self.source).inc()
            await msg.ack()
            return
        if self.parked_sequence is not None or sequence > self.tracked + 1:
            await self._hold(sequence, msg)
            return
        if not await self._apply(sequence, msg):
            return
        while self.tracked + 1 in self._held and self.parked_sequence is None:
            held = self._held.pop(self.tracked + 1)
            if not await self._apply(self.tracked + 1, held):
                return

    async def _hold(self, sequence: int, msg: Msg) -> None:
        self.metrics.consumer_held.labels(self.source).inc()
        if len(self._held) >= self.settings.max_buffered and sequence not in self._held:
            await msg.nak(delay=self.settings.hold_delay_seconds)
            return
        previous = self._held.get(sequence)
        self._held[sequence] = msg
        if previous is not None and previous is not msg:
            await _quietly(previous.nak(delay=self.settings.hold_delay_seconds))

    async def _release_held(self, delay: float | None) -> None:
        held, self._held = self._held, {}
        for msg in held.values():
            await _quietly(msg.nak(delay=delay) if delay else msg.nak())

    async def _apply(self, sequence: int, msg: Msg) -> bool:
        headers = msg.headers or {}
        event_type = headers.get(H_TYPE, "")
        event_id = headers.get(H_ID, "")
        try:
            envelope = self._decode(msg, event_type, sequence)
            await asyncio.to_thread(self._commit, sequence, envelope)
        except PoisonMessage as exc:
            await self._failed(sequence, msg, event_id, event_type, f"PoisonMessage: {exc}", poison=True)
            return False
        except LeaseLost:
            # Another replica took this source over: leave the message to it.
            await _quietly(msg.nak())
            raise
        except TrackingConflict:
            # Tracking moved under us (an operator's skip, or another consumer): nothing was applied; resync.
            log.warning("consumer_tracking_moved", source=self.source, sequence=sequence)
            await self._release_held(delay=None)
            await _quietly(msg.nak())
            await self._load_state()
            return False
        except Exception as exc:  # noqa: BLE001 - any handler failure is retried, then parked
            await self._failed(sequence, msg, event_id, event_type, describe(exc), poison=False)
            return False
        crash_point("consumer_after_commit")
        self.tracked = sequence
        self.metrics.consumer_applied.labels(self.source).inc()
        self.metrics.consumer_sequence.labels(self.source).set(sequence)
        await _quietly(msg.ack())
        return True

    async def _apply_run(self, msgs: list[Msg]) -> list[Msg]:
        """Apply the leading run of next-in-order messages in one transaction (throughput when catching up);
        returns what is left. On any failure nothing of the run is applied and each message takes the
        one-at-a-time path, where failures are counted per sequence.
        """
        run: list[tuple[int, Msg, Envelope | None]] = []
        for msg in msgs:
            sequence = sequence_of(msg.headers) or int(msg.metadata.sequence.stream)
            if sequence != self.tracked + 1 + len(run):
                break
            try:
                run.append((sequence, msg, self._decode(msg, (msg.headers or {}).get(H_TYPE, ""), sequence)))
            except PoisonMessage:
                break
        if len(run) < 2:
            return msgs
        try:
            await asyncio.to_thread(self._commit_run, run)
        except LeaseLost:
            raise
        except Exception:  # noqa: BLE001 - retried one at a time below
            return msgs
        crash_point("consumer_after_commit")
        self.tracked = run[-1][0]
        self.metrics.consumer_applied.labels(self.source).inc(len(run))
        self.metrics.consumer_sequence.labels(self.source).set(self.tracked)
        for _, msg, _ in run:
            await _quietly(msg.ack())
        while self.tracked + 1 in self._held and self.parked_sequence is None:
            if not await self._apply(self.tracked + 1, self._held.pop(self.tracked + 1)):
                break
        return msgs[len(run) :]

    def _commit_run(self, run: list[tuple[int, Msg, Envelope | None]]) -> None:
        with self.ledger.db.transaction() as tx:
            if self.lease is not None:
                self.lease.check(tx)
            for sequence, _, envelope in run:
                if envelope is not None:
                    self.handlers[envelope.type](envelope, tx)
                self.ledger.advance(tx, self.source, sequence)

    def _decode(self, msg: Msg, event_type: str, sequence: int) -> Envelope | None:
        if event_type not in self.handlers:
            if event_type in catalog():
                return None  # a known contract this service does not follow: tracking advances past it
            # Not a contract we know (garbage, or a newer version than this build): never drop it silently.
            raise PoisonMessage("unknown or missing event type")
        # A stream written by several publishers (checkpoints) carries no source sequence: its own one orders it.
        headers = {H_SEQUENCE: str(sequence), **(msg.headers or {})}
        envelope = decode(headers, msg.data)
        return replace(envelope, delivery_count=int(msg.metadata.num_delivered or 1))

    def _commit(self, sequence: int, envelope: Envelope | None) -> None:
        with self.ledger.db.transaction() as tx:
            if self.lease is not None:
                self.lease.check(tx)
            if envelope is not None:
                structlog.contextvars.bind_contextvars(
                    service=self.service, correlation_id=envelope.correlation_id, event_id=envelope.id
                )
                try:
                    self.handlers[envelope.type](envelope, tx)
                finally:
                    structlog.contextvars.unbind_contextvars("correlation_id", "event_id")
            self.ledger.advance(tx, self.source, sequence)

    async def _failed(
        self, sequence: int, msg: Msg, event_id: str, event_type: str, error: str, *, poison: bool
    ) -> None:
        self.metrics.consumer_failures.labels(self.source).inc()
        failures, parked = await asyncio.to_thread(
            self.ledger.record_failure,
            self.source,
            sequence,
            event_id,
            event_type,
            error,
            self.settings.max_failures,
            poison=poison,
        )
        delay = min(self.settings.retry_max_seconds, self.settings.retry_base_seconds * 2 ** (failures - 1))
        log.warning(
            "consumer_handler_failed",
            source=self.source,
            sequence=sequence,
            event_type=event_type,
            failures=failures,
            parked=parked,
            error=error[:200],
        )
        if parked:
            self.parked_sequence = sequence
            self.metrics.consumer_parked.labels(self.source).set(1)
            log.error("consumer_parked", source=self.source, sequence=sequence, event_type=event_type)
        # Held messages go back too: they come again once the failing one is through.
        await self._release_held(delay=self.settings.hold_delay_seconds)
        await _quietly(msg.nak(delay=delay))


def describe(exc: BaseException) -> str:
    """The error's class and first line only: database errors carry the offending values on later lines."""
    first_line = (str(exc).splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first_line[:300]}"


async def _quietly(awaitable: Any) -> None:
    """Ack/nak are best effort: a lost one only causes a redelivery, which tracking makes harmless."""
    try:
        await awaitable
    except Exception as exc:  # noqa: BLE001
        log.debug("ack_failed", error=type(exc).__name__)
