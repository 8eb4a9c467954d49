"""The outbox relay: publishes a service's notification log, in order, to its JetStream stream.

The event store is the outbox. Each contract event gets a deterministic id and a dense source sequence; the
stream only accepts sequence k after k-1 (`Nats-Expected-Last-Sequence`), so it is always a gap-free prefix.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from eventsourcing.utils import get_topic
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from kyodo_contracts import Contract, stream_name
from kyodo_shared.bus.cloudevents import (
    H_EXPECTED_LAST_SEQ,
    H_INDEX,
    H_MSG_ID,
    H_NOTIFICATION,
    H_ORIGINATOR_VERSION,
    Envelope,
    encode,
    message_id,
)
from kyodo_shared.bus.crashpoints import crash_point
from kyodo_shared.bus.divergence import LastRead, RelayStreamBehind, StoreCheck, check_first
from kyodo_shared.bus.mapping import KERNEL, UndeclaredEvent
from kyodo_shared.bus.permissions import CHECKPOINTS
from kyodo_shared.bus.provision import ensure_stream
from kyodo_shared.bus.topology import NotProvisioned, provision_hint, stream_config, stream_exists, until_provisioned
from kyodo_shared.observability.metrics import KernelMetrics
from kyodo_shared.settings import BusSettings, RelaySettings
from kyodo_shared.store.db import Database
from kyodo_shared.store.migrations import upgrade_kernel
from kyodo_shared.tasks.aio import sleep_or_stop
from kyodo_shared.tasks.health import TaskBlocked, TaskReport, detached
from kyodo_shared.tasks.leases import Lease, LeaseLost

log = structlog.get_logger(__name__)

# Maps one stored domain event to the contract events it publishes (often none: domain events stay inside).
# A service passes its `OutboundMap` (bus/mapping.py), which raises `UndeclaredEvent` for an undeclared class.
ContractMapper = Callable[[Any], Sequence[Contract]]


@dataclass(frozen=True)
class Position:
    """The last published item: contract event `event_index` of notification `notification_id`."""

    notification_id: int = 0
    event_index: int = -1
    sequence: int = 0


class PositionStore:
    def __init__(self, db: Database, service: str) -> None:
        self.db, self.service = db, service

    def migrate(self) -> None:
        # The position is a kernel table: the kernel lineage creates it with the others (store/migrations).
        upgrade_kernel(self.db)

    def load(self) -> Position:
        with self.db.transaction() as tx:
            row = tx.fetchone(
                "SELECT notification_id, event_index, sequence FROM kyodo_relay_position WHERE service = %s",
                (self.service,),
            )
        return Position(int(row[0]), int(row[1]), int(row[2])) if row else Position()

    def save(self, position: Position, lease: Lease | None = None) -> None:
        # Sequence and position move together, in one statement and one transaction, and only under the lease.
        with self.db.transaction() as tx:
            if lease is not None:
                lease.check(tx)
            tx.execute(
                "INSERT INTO kyodo_relay_position (service, notification_id, event_index, sequence) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT (service) DO UPDATE SET "
                "notification_id = excluded.notification_id, event_index = excluded.event_index, "
                "sequence = excluded.sequence",
                (self.service, position.notification_id, position.event_index, position.sequence),
            )


@dataclass(frozen=True)
class _Item:
    notification_id: int
    index: int
    contract: Contract
    subject: str
    version: int
    time: datetime
    trace: dict[str, str]


class OutboxRelay:
    """Publishes contract events from one application's notification log to its stream."""

    def __init__(
        self,
        *,
        service: str,
        application: Any,
        mapper: ContractMapper,
        db: Database,
        js: JetStreamContext,
        bus: BusSettings,
        settings: RelaySettings,
        metrics: KernelMetrics,
        health: TaskReport | None = None,
    ) -> None:
        self.service, self.app, self.mapper = service, application, mapper
        self.health = health or detached("relay")
        self.js, self.bus, self.settings, self.metrics = js, bus, settings, metrics
        self.positions = PositionStore(db, service)
        self.stream = stream_name(bus.namespace, service)
        self.position = Position()
        # Shown in /readyz: a relay that keeps failing is reported (the replica can still serve reads and writes).
        self.status = "starting"
        self.lease: Lease | None = None
        self._nudge = asyncio.Event()
        self.check = StoreCheck(service, self.stream, js, application)
        self._missing = ""  # the streams found missing last (ensure_stream), as /readyz names them
        # The notification at the position, as read: every batch checks the store still holds it (divergence.py).
        self.last_read: LastRead | None = None

    def nudge(self) -> None:
        """Wake the relay now instead of at its next poll: keeps command-to-publish latency low."""
        self._nudge.set()

    async def ensure_stream(self, stop: asyncio.Event | None = None) -> bool:
        """The stream exists: made here with `provision=create`, else waited for — reported blocked until
        `kyodo bus init` made it, and the checkpoint stream this service's audit publisher writes to (which has no
        task of its own in /readyz); without `stop`, checked once (NotProvisioned). False when stopped first."""
        wanted = stream_config(self.bus.namespace, self.service, self.bus.stream_replicas)
        if self.bus.provision == "create":
            await ensure_stream(self.js, wanted)
            return True
        needed = [self.stream, stream_name(self.bus.namespace, CHECKPOINTS)]

        async def provisioned() -> bool:
            missing = [name for name in needed if not await stream_exists(self.js, name)]
            self._missing = ", ".join(missing)
            return not missing

        if stop is None:
            if not await provisioned():
                raise NotProvisioned(provision_hint(f"stream {self._missing}"))
            return True
        return await until_provisioned(provisioned, lambda: f"stream {self._missing}", self.health, stop)

    async def reconcile(self) -> None:
        """Align the recorded position with the stream: the stream is the truth of what was published."""
        recorded = await asyncio.to_thread(self.positions.load)
        try:
            info = await self.js.stream_info(self.stream)
        except NotFoundError:
            if recorded.sequence:
                raise RelayStreamBehind(
                    self.service, f"stream {self.stream} is gone, relay recorded {recorded.sequence}"
                ) from None
            raise
        last_seq = int(info.state.last_seq)
        if last_seq < recorded.sequence:
            raise RelayStreamBehind(
                self.service, f"stream {self.stream} ends at {last_seq}, relay recorded {recorded.sequence}"
            )
        # Before the position follows the stream: after a restore the stream's last message is not in the store.
        headers = await self.check.last_message(last_seq)
        if last_seq > recorded.sequence:
            recorded = Position(int(headers[H_NOTIFICATION]), int(headers[H_INDEX]), last_seq)
            await asyncio.to_thread(self.positions.save, recorded, self.lease)
            log.info("relay_reconciled", stream=self.stream, sequence=last_seq)
        self.position = recorded
        # The stream's last message was just compared with the store: its identity guards the next batch (when the
        # position is its notification; a position moved past it by silent notifications is set by the first batch).
        self.last_read = LastRead.from_headers(headers)
        self.metrics.relay_sequence.labels(self.service).set(recorded.sequence)

    async def run(self, stop: asyncio.Event) -> None:
        try:
            if not await self.ensure_stream(stop):
                return
            await self.reconcile()
        except TaskBlocked as blocked:
            self.status = f"blocked: {blocked.reason}"
            raise
        self.health.ok()
        while not stop.is_set():
            # Cleared before reading, not after an empty read: a nudge that lands during the read is kept.
            self._nudge.clear()
            try:
                await self.check.due(self.position.sequence)
                published = await self.drain_once()
                self.status = "ok"
                self.health.ok()
            except TaskBlocked as blocked:
                self.status = f"blocked: {blocked.reason}"
                raise
            except Exception as exc:  # noqa: BLE001 - the relay must outlive transient bus or store errors
                self.status = f"retrying after {type(exc).__name__}"
                # Stalled only while the published sequence stands still (health.py): batches between failures count.
                self.health.retrying(type(exc).__name__, reason="relay_failing", progress=self.position.sequence)
                log.warning(
                    "relay_error",
                    service=self.service,
                    error=type(exc).__name__,
                    detail=(str(exc).splitlines() or [""])[0][:200],
                )
                self.metrics.relay_errors.labels(self.service).inc()
                await sleep_or_stop(stop, 1.0)
                await self._try_reconcile()
                continue
            if not published:
                waiters = [asyncio.ensure_future(self._nudge.wait()), asyncio.ensure_future(stop.wait())]
                await asyncio.wait(
                    waiters, timeout=self.settings.poll_interval_seconds, return_when=asyncio.FIRST_COMPLETED
                )
                for waiter in waiters:
                    waiter.cancel()

    async def _try_reconcile(self) -> None:
        try:
            await self.reconcile()
        except TaskBlocked:
            raise  # the supervisor records why and what to run
        except Exception as exc:  # noqa: BLE001
            log.warning("relay_reconcile_failed", error=type(exc).__name__)

    def _read(self, position: Position) -> tuple[list[_Item], LastRead | None]:
        """Contract events after the position, and the last notification read (to advance past silent ones)."""
        recorder = self.app.recorder
        notifications = recorder.select_notifications(
            start=position.notification_id, limit=self.settings.batch_size, inclusive_of_start=True
        )
        items: list[_Item] = []
        # The identity is built for the first and the last notification only (the hot loop stays as it was).
        last_read: tuple[Any, Any] | None = None
        for notification in notifications:
            domain_event = self.app.mapper.to_domain_event(notification)
            if last_read is None:
                # Inclusive: the first one is the notification read last. Not the same event → the store was
                # restored under the relay; refused here, before anything of the batch is mapped or published.
                check_first(
                    self.service, self.last_read, position.notification_id, LastRead.of(notification, domain_event)
                )
            last_read = (notification, domain_event)
            contracts = self._contracts(domain_event, notification.id)
            for index, contract in enumerate(contracts):
                if notification.id == position.notification_id and index <= position.event_index:
                    continue
                items.append(
                    _Item(
                        notification_id=notification.id,
                        index=index,
                        contract=contract,
                        subject=str(domain_event.originator_id),
                        version=int(domain_event.originator_version),
                        time=domain_event.timestamp,
                        trace=dict(getattr(domain_event, "trace", {}) or {}),
                    )
                )
        if last_read is None:
            check_first(self.service, self.last_read, position.notification_id, None)
            return items, None
        return items, LastRead.of(*last_read)

    def _contracts(self, domain_event: Any, notification_id: int) -> Sequence[Contract]:
        """The kernel's own events are the kernel's; the rest are the service's map's to declare."""
        mapper = KERNEL if KERNEL.declares(type(domain_event)) else self.mapper
        try:
            return mapper(domain_event)
        except UndeclaredEvent as exc:
            # Neither published nor skipped: the batch that holds it fails before anything is sent, the position
            # stays where it was, and the relay retries (status and relay_error show it) until it is declared.
            log.error("relay_undeclared_event", service=self.service, topic=exc.topic, notification_id=notification_id)
            raise
        except Exception as exc:
            # A mapping that fails is retried the same way; its class only (the text may quote the event's data).
            log.error(
                "relay_mapping_failed",
                service=self.service,
                topic=get_topic(type(domain_event)),
                notification_id=notification_id,
                error=type(exc).__name__,
            )
            raise

    async def drain_once(self) -> int:
        """Publish one batch, pipelined; returns how many messages were published."""
        position = self.position
        items, last = await asyncio.to_thread(self._read, position)
        last_id = last.notification_id if last is not None else position.notification_id
        if not items:
            if last is not None:
                self.last_read = last  # also when idle: the first batch after a restart has no identity yet
            if last_id != position.notification_id:
                # Notifications with no contract events still move the position, so they are not re-read.
                self.position = Position(last_id, 2**30, position.sequence)
                await asyncio.to_thread(self.positions.save, self.position, self.lease)
            return 0
        await self._publish(items, position.sequence)
        sequence = position.sequence + len(items)
        crash_point("relay_after_publish")
        # A batch holds every contract event of each notification it read, so all of them are now published.
        next_position = Position(last_id, 2**30, sequence)
        await asyncio.to_thread(self.positions.save, next_position, self.lease)
        self.position = next_position
        self.last_read = last
        self.metrics.relay_published.labels(self.service).inc(len(items))
        self.metrics.relay_sequence.labels(self.service).set(sequence)
        return len(items)

    async def _publish(self, items: list[_Item], last_sequence: int) -> None:
        """Publish pipelined; any failure cancels what is still in flight, and the caller reconciles."""
        if self.lease is not None and not self.lease.valid():
            # A holder that was paused past its lease appends nothing: another replica may own the stream now.
            raise LeaseLost(self.lease.role)
        futures: list[asyncio.Future[Any]] = []
        timeout = self.settings.publish_timeout_seconds
        try:
            # One deadline for the whole batch bounds the wait for free in-flight slots (acks lost in a reconnect
            # never free theirs) and for the acks. Not per message: `wait_stall` makes nats-py wrap every slot
            # acquire in asyncio.wait_for, a task and an event-loop round trip per message, which halves throughput.
            async with asyncio.timeout(timeout):
                for sequence, item in enumerate(items, start=last_sequence + 1):
                    headers, body = self._message(item, sequence)
                    futures.append(
                        await self.js.publish_async(
                            item.contract.subject(self.bus.namespace), body, headers=headers, stream=self.stream
                        )
                    )
                results = await asyncio.gather(*futures, return_exceptions=True)
        finally:
            for future in futures:
                if not future.done():
                    future.cancel()  # frees its in-flight slot
        failed = [r for r in results if isinstance(r, BaseException)]
        if failed:
            # Expected-last-sequence makes every publish after a failed one fail too: the stream stays a prefix.
            raise failed[0]
        last_ack = results[-1]
        if isinstance(last_ack, BaseException) or int(last_ack.seq) != last_sequence + len(items):
            raise RuntimeError("stream sequence differs from source sequence")

    def _message(self, item: _Item, sequence: int) -> tuple[dict[str, str], bytes]:
        msg_id = message_id(self.service, item.notification_id, item.index)
        envelope = Envelope(
            id=msg_id,
            source=f"/kyodo/{self.service}",
            type=item.contract.ce_type(),
            time=item.time,
            subject=item.subject,
            sequence=sequence,
            correlation_id=item.trace.get("correlation_id", msg_id),
            causation_id=item.trace.get("causation_id", msg_id),
            data=item.contract,
            notification_id=item.notification_id,
            index=item.index,
        )
        headers, body = encode(envelope)
        headers[H_ORIGINATOR_VERSION] = str(item.version)
        headers[H_MSG_ID] = msg_id
        headers[H_EXPECTED_LAST_SEQ] = str(sequence - 1)
        return headers, body
