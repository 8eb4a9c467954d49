"""The consumer runtime: applies one source's messages exactly once and in source order.

Effect and tracking commit in one transaction, then the message is acked. Duplicates are acked without effect;
messages after a gap are held until the gap fills; failures are retried with growing delays and parked after N.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import groupby
from typing import Any

import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig
from nats.js.errors import NotFoundError

from kyodo_contracts import Contract, catalog, stream_name
from kyodo_shared.bus.cloudevents import (
    H_ID,
    H_SEQUENCE,
    H_TYPE,
    Envelope,
    MessageIdentity,
    PoisonMessage,
    decode,
    identity_of,
    sequence_of,
)
from kyodo_shared.bus.crashpoints import crash_point
from kyodo_shared.bus.dlq import ConsumerLedger, TrackingConflict
from kyodo_shared.bus.durable import behind_hint, bound, history_unchanged, missing_hint, place
from kyodo_shared.bus.permissions import durable_name
from kyodo_shared.bus.pull import Puller
from kyodo_shared.bus.topology import provision_hint, service_durable, until_provisioned
from kyodo_shared.observability.metrics import KernelMetrics
from kyodo_shared.settings import BusSettings, ConsumerSettings
from kyodo_shared.store.db import Tx
from kyodo_shared.tasks.aio import sleep_or_stop
from kyodo_shared.tasks.health import TaskBlocked, TaskReport, detached
from kyodo_shared.tasks.leases import Lease, LeaseLost

log = structlog.get_logger(__name__)

# A handler applies one event's effect inside the transaction that also advances tracking.
Handler = Callable[[Envelope, Tx], None]
# Optional, for throughput when catching up: the same effect for consecutive events of one type, in order.
BatchHandler = Callable[[Sequence[Envelope], Tx], None]


Decoded = tuple[int, Msg, Envelope | None]


@dataclass
class _Inflight:
    run: list[Decoded]
    commit: asyncio.Future[None]


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
        nc: Client,
        bus: BusSettings,
        settings: ConsumerSettings,
        metrics: KernelMetrics,
        batch_handlers: Mapping[type[Contract], BatchHandler] | None = None,
        health: TaskReport | None = None,
    ) -> None:
        self.service, self.source, self.ledger, self.js, self.nc = service, source, ledger, js, nc
        self.bus, self.settings, self.metrics = bus, settings, metrics
        self.handlers = {contract.ce_type(): handler for contract, handler in handlers.items()}
        self.batch_handlers = {contract.ce_type(): handler for contract, handler in (batch_handlers or {}).items()}
        self.stream = stream_name(bus.namespace, source)
        self.durable = durable_name(service, source)
        self.tracked = 0
        self.lease: Lease | None = None
        self.parked_sequence: int | None = None
        self._held: dict[int, Msg] = {}
        self.health = health or detached(f"consumer:{source}")

    async def ensure_consumer(self, stop: asyncio.Event) -> bool:
        """The durable consumer exists, placed for the consumer's database: made or re-placed here with
        `provision=create` (and by the operator's commands), else waited for (blocked until `kyodo bus init` made
        it, bus/topology.py) and refused when acked past the database or set to lose messages (bus/durable.py
        `bound`). False when stopped first."""
        # The consumer's database is the truth of what is applied (see bus/durable.py): a durable consumer acked
        # past it (the database was deleted or restored) is recreated after it, and the lost part comes again.
        tracked = await asyncio.to_thread(self.ledger.tracked, self.source)
        if self.bus.provision == "check":

            async def provisioned() -> bool:
                return await bound(self.js, self.stream, self.wanted(), tracked, self.service)

            what = f"durable consumer {self.durable} on {self.stream}"
            return await until_provisioned(provisioned, what, self.health, stop)
        placement = await place(self.js, self.stream, self.durable, tracked)
        config = replace(self.wanted(), deliver_policy=placement.deliver, opt_start_seq=placement.start)
        # Create-or-update: a changed setting (say ack_wait) takes effect on the existing durable consumer.
        await self.js.add_consumer(self.stream, config)
        return True

    def wanted(self) -> ConsumerConfig:
        """The durable consumer as `kyodo bus init` makes it (bus/topology.py), from this service's settings."""
        return service_durable(self.bus.namespace, self.service, self.source, self.settings)

    async def wait_for_stream(self, stop: asyncio.Event) -> bool:
        """The source's relay creates its stream; a consumer may start first. Waits, reported as retrying (and as
        blocked if it lasts without the stream growing), while the stream is missing or ends before what tracking
        says is applied; then checks the stream's message at the tracked sequence is the one applied there."""
        while not stop.is_set():
            try:
                last = int((await self.js.stream_info(self.stream)).state.last_seq)
            except NotFoundError:
                if self.bus.provision == "check":
                    # Nobody but `kyodo bus init` will make it: blocked now, not a wait that may pass by itself.
                    what = f"stream {self.stream}"
                    self.health.blocked(TaskBlocked("bus_not_provisioned", provision_hint(what), f"{what} missing"))
                else:
                    self.health.retrying(
                        "stream missing", reason="source_stream_missing", hint=missing_hint(self.service, self.source)
                    )
                await sleep_or_stop(stop, 1.0)
                continue
            tracked, remembered = await asyncio.to_thread(self.ledger.tracking, self.source)
            # Raises SourceHistoryChanged (blocked, nothing applied) when the source re-published another history.
            if tracked <= last and await history_unchanged(
                self.js, self.stream, self.service, self.source, tracked, remembered
            ):
                return True
            # The stream was rebuilt shorter or replaced: waiting would look like an idle consumer forever. A stream
            # that grows is progress (a re-publication under way), so only one standing still turns into a stall.
            self.health.retrying(
                f"stream ends at {last}, tracked {tracked}",
                reason="source_behind_tracking",
                hint=behind_hint(self.service, self.source),
                progress=last,
            )
            await sleep_or_stop(stop, 2.0)
        return False

    async def run(self, stop: asyncio.Event) -> None:
        if not await self.wait_for_stream(stop) or not await self.ensure_consumer(stop):
            return
        puller = Puller(self.nc, self.stream, self.durable)
        await puller.start()
        await self._load_state()
        self.health.ok()
        batch = 1
        # A run whose commit is under way in a worker thread while the next batch is fetched and decoded.
        inflight: _Inflight | None = None
        try:
            while not stop.is_set():
                if self.parked_sequence is not None:
                    await self._wait_while_parked(stop)
                    continue
                msgs = await puller.fetch(batch, wait=self.settings.idle_wait_seconds)
                if puller.gone:
                    # Recreated after the tracked position; anything in flight comes again and is a duplicate.
                    log.warning("consumer_recreated", source=self.source, tracked=self.tracked)
                    puller.gone = False
                    if not await self.wait_for_stream(stop) or not await self.ensure_consumer(stop):
                        break
                    self.health.ok()
                # Long-poll one message when idle (low latency), take big batches while busy (throughput).
                batch = self.settings.fetch_batch if msgs and len(msgs) >= batch else 1
                after = inflight.run[-1][0] if inflight is not None else self.tracked
                run = self.decode_run(msgs, after) if self.parked_sequence is None else []
                if inflight is not None:
                    committed, inflight = await self._finish(inflight), None
                    if not committed:
                        run = []
                if len(run) >= 2 and len(run) == len(msgs) and not self._held:
                    inflight = _Inflight(run, asyncio.ensure_future(asyncio.to_thread(self.commit_run, run)))
                    continue
                if len(run) >= 2:
                    await self._finish(_Inflight(run, asyncio.ensure_future(asyncio.to_thread(self.commit_run, run))))
                    msgs = msgs[len(run) :]  # applied, or already taken one at a time
                for msg in msgs:
                    await self.on_message(msg)
        finally:
            if inflight is not None:
                await self._finish(inflight)
            await puller.stop()
            for msg in puller.drain():
                await _quietly(msg.nak())
            await self._release_held(delay=None)

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
            await asyncio.to_thread(self._commit, sequence, envelope, identity_of(headers))
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

    def decode_run(self, msgs: list[Msg], after: int) -> list[Decoded]:
        """The leading run of messages that follow `after` in order, decoded (throughput when catching up)."""
        run: list[Decoded] = []
        for msg in msgs:
            sequence = sequence_of(msg.headers) or int(msg.metadata.sequence.stream)
            if sequence != after + 1 + len(run):
                break
            try:
                run.append((sequence, msg, self._decode(msg, (msg.headers or {}).get(H_TYPE, ""), sequence)))
            except PoisonMessage:
                break
        return run

    async def _finish(self, inflight: _Inflight) -> bool:
        """Waits for a run's commit and acks it. On any failure nothing of the run was applied and each of its
        messages takes the one-at-a-time path, where failures are counted per sequence.
        """
        try:
            await inflight.commit
        except LeaseLost:
            for _, msg, _ in inflight.run:
                await _quietly(msg.nak())
            raise
        except Exception:  # noqa: BLE001 - retried one at a time below
            for _, msg, _ in inflight.run:
                await self.on_message(msg)
            return False
        crash_point("consumer_after_commit")
        self.tracked = inflight.run[-1][0]
        self.metrics.consumer_applied.labels(self.source).inc(len(inflight.run))
        self.metrics.consumer_sequence.labels(self.source).set(self.tracked)
        for _, msg, _ in inflight.run:
            await _quietly(msg.ack())
        while self.tracked + 1 in self._held and self.parked_sequence is None:
            if not await self._apply(self.tracked + 1, self._held.pop(self.tracked + 1)):
                break
        return True

    def commit_run(self, run: list[Decoded]) -> None:
        with self.ledger.db.transaction() as tx:
            if self.lease is not None:
                self.lease.check(tx)
            envelopes = [envelope for _, _, envelope in run if envelope is not None]
            for event_type, same_type in groupby(envelopes, key=lambda envelope: envelope.type):
                batch = self.batch_handlers.get(event_type)
                if batch is not None:
                    batch(list(same_type), tx)
                    continue
                handler = self.handlers[event_type]
                for envelope in same_type:
                    handler(envelope, tx)
            self.ledger.advance(tx, self.source, run[-1][0], first=run[0][0], identity=identity_of(run[-1][1].headers))

    def _decode(self, msg: Msg, event_type: str, sequence: int) -> Envelope | None:
        if event_type not in self.handlers:
            if event_type in catalog():
                return None  # a known contract this service does not follow: tracking advances past it
            # Not a contract we know (garbage, or a newer version than this build): never drop it silently.
            raise PoisonMessage("unknown or missing event type")
        headers = msg.headers or {}
        if H_SEQUENCE not in headers:
            # A stream written by several publishers (checkpoints) carries no source sequence: its own one orders it.
            headers = {H_SEQUENCE: str(sequence), **headers}
        return decode(headers, msg.data, delivery_count=delivered(msg))

    def _commit(self, sequence: int, envelope: Envelope | None, identity: MessageIdentity | None) -> None:
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
            self.ledger.advance(tx, self.source, sequence, identity=identity)

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


def delivered(msg: Msg) -> int:
    """JetStream's delivery count from the ack subject, without building the whole metadata object."""
    tokens = (msg.reply or "").split(".")
    # $JS.ACK.<stream>.<consumer>.<delivered>... (v1, 9 tokens) or $JS.ACK.<domain>.<hash>.<stream>... (v2)
    index = 4 if len(tokens) == 9 else 6
    return int(tokens[index]) if len(tokens) > index and tokens[index].isdigit() else 1


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
