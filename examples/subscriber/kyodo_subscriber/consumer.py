"""One source's messages, applied exactly once and in `ce-sequence` order, whatever JetStream delivers.

JetStream delivers at least once, and a redelivery (after a nak, a crash or an expired ack wait) may arrive after
later messages. So each message is placed against the tracked sequence of its source:
- at or below it: a duplicate, acked without effect;
- tracked + 1: applied (effect and tracking in one SQLite transaction), then acked;
- beyond: a gap, held (nak'ed with a short delay) until the missing message is applied;
- while the source is parked: held (nak'ed with a longer delay) until an operator retries or skips the parked one.
A failing message is nak'ed with a delay that grows with its failure count, and parked after `max_failures`. A gap
held longer than `gap_alert` is logged once and recorded for the operator (`parked list`, `parked skip-gap`). SQLite's
"database is locked" (another connection holds the write lock) is not a failure: the message is simply held.

The same stored Kyodo event may arrive twice under different ce-ids: as v1 and v2 of its contract during a
deprecation period. Its effect runs once per event name and occurrence (occurrences.note, README "Versions").
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Awaitable, Mapping

from nats.aio.msg import Msg

from kyodo_contracts import parse_type
from kyodo_contracts.cloudevents import (
    H_ID,
    H_NOTIFICATION,
    H_SEQUENCE,
    H_SOURCE,
    H_TIME,
    H_TYPE,
    PoisonMessage,
    decode_as,
    sequence_of,
)
from kyodo_subscriber import effects
from kyodo_subscriber.effects import HANDLERS
from kyodo_subscriber.settings import Settings
from kyodo_subscriber.store import Effect, Message, Position, Store, TrackingMoved, is_locked

log = logging.getLogger("kyodo_subscriber")


class InjectedFault(Exception):
    """Raised by the fault-injection hook (KYODO_SUB_FAULT), never in normal operation."""


def sequence(msg: Msg) -> int:
    # ce-sequence equals the stream sequence by construction (one stream per source); the header is the contract.
    return sequence_of(msg.headers) or int(msg.metadata.sequence.stream)


class SourceProcessor:
    """Applies the messages of one source stream; called with each pulled batch, one batch at a time."""

    def __init__(self, settings: Settings, source: str) -> None:
        self.settings = settings
        self.service = source
        self.source = settings.source_uri(source)
        self._store: Store | None = None
        self.position = Position(0, None)
        # The missing sequence a message is held behind → when the first one was held behind it (monotonic clock).
        self._held_since: dict[int, float] = {}

    def open(self) -> None:
        # A connection per source: sources are consumed concurrently, SQLite serializes their transactions.
        self._store = Store(self.settings.db_path, busy_timeout=self.settings.db_busy_timeout)
        effects.migrate(self._store.conn)
        self.position = self._store.position(self.source)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    @property
    def store(self) -> Store:
        assert self._store is not None, "open() first"
        return self._store

    async def handle_batch(self, msgs: list[Msg]) -> None:
        # Re-read each batch (one indexed SELECT): the operator's CLI works on the same database (a retry or a skip),
        # and a held gap must never wait on a stale position.
        self.position = await asyncio.to_thread(self.store.position, self.source)
        self._held_since = {k: v for k, v in self._held_since.items() if k > self.position.tracked}
        # Sorted, one at a time: a batch may mix redeliveries with newer messages, and order is the point.
        for msg in sorted(msgs, key=sequence):
            await self.handle(msg)

    async def handle(self, msg: Msg) -> None:
        seq = sequence(msg)
        tracked, parked = self.position.tracked, self.position.parked
        if seq <= tracked:
            await _quietly(msg.ack())
        elif parked is not None:
            await _quietly(msg.nak(delay=self.settings.park_recheck))
        elif seq > tracked + 1:
            await self.held(tracked + 1, seq)
            await _quietly(msg.nak(delay=self.settings.hold_delay))
        else:
            await self.apply(seq, msg)

    async def held(self, expected: int, seq: int) -> None:
        """A message held behind a missing one: after `gap_alert` seconds, log the gap once and record it."""
        now = time.monotonic()
        since = self._held_since.setdefault(expected, now)
        if now - since < self.settings.gap_alert:
            return
        if await asyncio.to_thread(self.store.failures, self.source, expected):
            # The missing one was delivered and is being retried with back-off: not a gap. Look again later.
            self._held_since[expected] = now
            return
        self._held_since[expected] = float("inf")  # reported (or found recorded): never again in this process
        try:
            recorded = await asyncio.to_thread(self.store.record_gap, self.source, expected, seq)
        except sqlite3.OperationalError as exc:
            if not is_locked(exc):
                raise
            self._held_since[expected] = now  # busy: try again later
            return
        if recorded:
            log.warning(
                "gap source=%s expected=%d held=%d: sequence %d has not arrived for %.0f s; see `parked list`, and "
                "`parked skip-gap` if the stream no longer holds it",
                self.source,
                expected,
                seq,
                expected,
                now - since,
            )

    async def apply(self, seq: int, msg: Msg) -> None:
        headers = dict(msg.headers or {})
        # Identified before decoding: a message that fails to decode is recorded (and may be skipped) as itself.
        message = identify(headers)
        try:
            effect = self.effect(headers, msg.data, seq)
            ran = await asyncio.to_thread(self.store.apply, self.source, seq, message, effect)
        except TrackingMoved:
            # Someone else moved tracking (an operator's skip): nothing was written; place the message again later.
            self.position = await asyncio.to_thread(self.store.position, self.source)
            await _quietly(msg.nak(delay=self.settings.hold_delay))
            return
        except Exception as exc:  # noqa: BLE001 - any failure is retried with back-off, then parked
            if is_locked(exc):
                await self.busy(seq, msg)
            else:
                await self.failed(seq, msg, message, exc)
            return
        if not ran:
            log.info(
                "effect_not_run source=%s sequence=%d type=%s: already applied (or skipped)",
                self.source,
                seq,
                message.event_type,
            )
        self.position = Position(seq, None)
        await _quietly(msg.ack())

    async def busy(self, seq: int, msg: Msg) -> None:
        # Transient, and not the message's fault: held like a gap, never counted toward parking.
        log.info("database_busy source=%s sequence=%d: held, tried again shortly", self.source, seq)
        await _quietly(msg.nak(delay=self.settings.hold_delay))

    def effect(self, headers: Mapping[str, str], body: bytes, seq: int) -> Effect:
        """The message's effect, decoded before the transaction; raises PoisonMessage for one that cannot apply."""
        event_type = headers.get(H_TYPE, "")
        if parse_type(event_type) is None or not headers.get(H_ID):
            raise PoisonMessage("not a Kyodo CloudEvent")
        if headers.get(H_SOURCE, self.source) != self.source:
            raise PoisonMessage("an event of another source")
        followed = HANDLERS.get(event_type)
        handler_call = None
        if followed is not None:
            contract, handler = followed
            envelope, event = decode_as(contract, {H_SEQUENCE: str(seq), **headers}, body)
            handler_call = (handler, envelope, event)
        # else: a type this subscriber does not follow (another event, or another version): skipped, and tracking
        # still moves past it, so the dense sequence has no hole.

        def run(conn: sqlite3.Connection) -> None:
            self.inject_fault(seq)
            if handler_call is not None:
                handler, envelope, event = handler_call
                handler(conn, envelope, event)

        return run

    def inject_fault(self, seq: int) -> None:
        fault = self.settings.fault
        if fault is None or fault.source != self.service or fault.sequence != seq:
            return
        if fault.times is None or self.store.failures(self.source, seq) < fault.times:
            raise InjectedFault(f"injected failure at {self.service} #{seq}")

    async def failed(self, seq: int, msg: Msg, message: Message, exc: Exception) -> None:
        error_class = type(exc).__name__
        try:
            failures, parked = await asyncio.to_thread(
                self.store.record_failure, self.source, seq, message, error_class, self.settings.max_failures
            )
        except sqlite3.OperationalError as busy:
            if not is_locked(busy):
                raise
            await self.busy(seq, msg)  # the failure is not counted: it is seen again on the redelivery
            return
        # The error's class only: neither the body nor the exception's text (it may quote the body) reaches logs.
        log.warning(
            "handler_failed source=%s sequence=%d type=%s failures=%d error=%s",
            self.source,
            seq,
            message.event_type,
            failures,
            error_class,
        )
        if parked:
            self.position = Position(self.position.tracked, seq)
            log.error(
                "parked source=%s sequence=%d: later messages are held until `parked retry` or `parked skip`",
                self.source,
                seq,
            )
            await _quietly(msg.nak(delay=self.settings.park_recheck))
            return
        delay = min(self.settings.retry_max, self.settings.retry_base * 2 ** (failures - 1))
        await _quietly(msg.nak(delay=delay))


def identify(headers: Mapping[str, str]) -> Message:
    """What the bookkeeping keeps of a message, from its headers alone (also for one whose body cannot decode)."""
    event_type = headers.get(H_TYPE, "")
    parsed = parse_type(event_type)
    notification = headers.get(H_NOTIFICATION, "")
    return Message(
        event_id=headers.get(H_ID, ""),
        event_time=headers.get(H_TIME) or None,
        notification_id=int(notification) if notification.isdigit() else 0,
        event_name=parsed[0] if parsed else "",
        followed=parsed is not None and event_type in HANDLERS,
        event_type=event_type,
    )


async def _quietly(ack: Awaitable[object]) -> None:
    """Acks and naks are best effort: a lost one only means a redelivery, which tracking makes harmless."""
    try:
        await ack
    except Exception as exc:  # noqa: BLE001
        log.debug("ack_failed error=%s", type(exc).__name__)
