"""The kernel of one running service, in parts a reader can hold in mind, each constructed explicitly:

- the **store** (`ServiceStore`): event-store environment, the service's database and the key vault — opened by
  the composition root, which builds the application on it and hands both to the kernel;
- the **bus**: the NATS connection, the outbox relay publishing the service's contracts, its consumers;
- the **audit**: the hash chain over every stored event and the signed checkpoints (`AuditRuntime`);
- the **background tasks**: each supervised, under its lease (`Supervisor`): relay, consumers, projections of
  the service's own log, durable timers, audit.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext

from kyodo_contracts import Contract
from kyodo_shared.audit.chain import ChainStore
from kyodo_shared.audit.keys import AuditKeys, SigningKeys
from kyodo_shared.audit.runtime import AuditRuntime
from kyodo_shared.audit.visibility import VisibilityPolicy
from kyodo_shared.bus.connection import connect_bus
from kyodo_shared.bus.consumer import BatchHandler, Handler, SourceConsumer
from kyodo_shared.bus.dlq import ConsumerLedger
from kyodo_shared.bus.refusals import BusRefusals
from kyodo_shared.bus.relay import ContractMapper, OutboxRelay
from kyodo_shared.observability.metrics import KernelMetrics
from kyodo_shared.privacy.vault import KeyVault
from kyodo_shared.settings import KernelSettings
from kyodo_shared.store.db import Database
from kyodo_shared.store.service_store import ServiceStore
from kyodo_shared.tasks.clock import ClockShifts, ServiceClock
from kyodo_shared.tasks.health import TaskHealth
from kyodo_shared.tasks.leases import Lease
from kyodo_shared.tasks.projection import ProjectionHandler, Projector
from kyodo_shared.tasks.recorded_time import check_clock_not_behind, record_on_service_clocks, recording_on
from kyodo_shared.tasks.supervisor import Supervisor
from kyodo_shared.tasks.timers import Action, Timers

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Subscription:
    """A consuming service's interest in one source: handlers by contract, applied in source order."""

    source: str
    handlers: Mapping[type[Contract], Handler]
    # Same effects as `handlers`, for runs of one type while catching up (optional, per type).
    batch_handlers: Mapping[type[Contract], BatchHandler] = field(default_factory=dict)


@dataclass(frozen=True)
class Foundation:
    """What a composition root builds first, before the application: the store, the service's clock, this
    replica's id and the audit keys."""

    store: ServiceStore
    clock: ServiceClock
    replica: str
    keys: AuditKeys


def open_foundation(service: str, settings: KernelSettings) -> Foundation:
    # KYODO_REPLICA_ID names the lease holder (a pod name, an operator command); else one random id per process.
    # Stored events are stamped by the clock of the service recording them (tasks/recorded_time.py).
    record_on_service_clocks()
    clock, replica = ServiceClock(settings.clock.offset), settings.replica_id or str(uuid.uuid4())
    store = ServiceStore(settings, clock, replica=replica)
    if settings.clock.allow_shift:
        # A staging service: `kyodo clock advance` moves it, and a restart keeps the shift (tasks/clock.py).
        clock.follow(ClockShifts(store.db))
    return Foundation(store, clock, replica, AuditKeys(settings.audit.keys_dir / service))


@dataclass
class Kernel:
    """Runs one service's bus, audit and background tasks over its store and application: `start()`, `stop()`."""

    service: str
    settings: KernelSettings
    store: ServiceStore
    application: Any
    service_clock: ServiceClock
    replica: str
    keys: AuditKeys
    mapper: ContractMapper | None = None
    subscriptions: list[Subscription] = field(default_factory=list)
    visibility: VisibilityPolicy = field(default_factory=VisibilityPolicy)
    # Tables rebuilt from the streams by `kyodo replay --from-scratch`.
    read_models: list[str] = field(default_factory=list)
    # Durable timer actions by kind ("renewal.lapse" → callable); each must be idempotent.
    timer_actions: dict[str, Action] = field(default_factory=dict)
    # The service's own query tables, kept by following its notification log (name → handler).
    projections: dict[str, ProjectionHandler] = field(default_factory=dict)
    # The sealed store's application (store/sealed.py), for a service that keeps one: nothing here runs over it;
    # `kyodo audit verify` checks it against the sealed chains recorded in the public history.
    sealed: Any = None

    def __post_init__(self) -> None:
        self.metrics = KernelMetrics()
        self.refusals = BusRefusals(self.service, self.metrics)
        self.health = TaskHealth(
            self.service, self.metrics, stall_after_seconds=self.settings.health.stall_after_seconds
        )
        self.supervisor = Supervisor(
            self.service, self.store.leases, self.settings.leases, replica=self.replica, health=self.health
        )
        self.audit = AuditRuntime(
            self.service, self.settings.audit, self.settings.bus, self.application, self.store.chain, self.keys
        )
        self.projectors = [
            Projector(n, self.application, self.db, h, health=self.health.reporter(n))
            for n, h in self.projections.items()
        ]
        self.nc: NatsClient | None = None
        self.js: JetStreamContext | None = None
        self.relay: OutboxRelay | None = None
        self.consumers: list[SourceConsumer] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake_pending = False
        self._closed = False

    # The store's parts, by the names operators' tools and tests use.
    @property
    def db(self) -> Database:
        return self.store.db

    @property
    def vault(self) -> KeyVault:
        return self.store.vault

    @property
    def ledger(self) -> ConsumerLedger:
        return self.store.ledger

    @property
    def chain(self) -> ChainStore:
        return self.store.chain

    @property
    def timers(self) -> Timers:
        return self.store.timers

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.service_clock

    @clock.setter
    def clock(self, now: Callable[[], datetime]) -> None:
        # Tests and staging move the whole service in time: the application and timers read the same clock.
        self.service_clock.move_to(now)

    async def start(self) -> None:
        # The background tasks started here record their events on this service's clock (they copy the context).
        with recording_on(self.service_clock):
            await self._start()
        log.info("kernel_started", service=self.service, backend=self.settings.store.backend, replica=self.replica)

    async def _start(self) -> None:
        check_clock_not_behind(self.application, self.service_clock)
        self._loop = asyncio.get_running_loop()
        self.supervisor.reset()
        self.nc = await connect_bus(self.settings.bus, self.service, on_refused=self.refusals.record)
        self.js = self.nc.jetstream(publish_async_max_pending=self.settings.relay.max_in_flight)
        if self.mapper is not None and self.settings.relay.enabled:
            self._start_relay(self.js, self.mapper)
        if self.settings.audit.enabled:
            self.audit.start(self.js, self.supervisor)
        if self.service_clock.shifts is not None:
            self.supervisor.spawn(self.service_clock.run, "clock")
        if self.timer_actions:
            actions = self.timer_actions
            gauge = self.metrics.timers_failing.labels(self.service).set
            self.supervisor.spawn(lambda stop: self.timers.run(stop, actions, failing_gauge=gauge), "timers")
        for projector in self.projectors:
            self.supervisor.spawn_leased(
                f"projection:{self.service}:{projector.name}", _projector_runner(projector), projector.name
            )
        for subscription in self.subscriptions:
            consumer = self.consumer_for(subscription, self.js, self.nc)
            self.consumers.append(consumer)
            self.supervisor.spawn_leased(
                f"consumer:{self.service}:{subscription.source}",
                _consumer_runner(consumer),
                f"consumer:{subscription.source}",
            )

    def _start_relay(self, js: JetStreamContext, mapper: ContractMapper) -> None:
        relay = OutboxRelay(
            service=self.service,
            application=self.application,
            mapper=mapper,
            db=self.db,
            js=js,
            bus=self.settings.bus,
            settings=self.settings.relay,
            metrics=self.metrics,
            health=self.health.reporter("relay"),
        )
        self.relay = relay

        async def run_relay(stop: asyncio.Event, lease: Lease | None) -> None:
            relay.lease = lease
            await relay.run(stop)

        self.supervisor.spawn_leased(f"relay:{self.service}", run_relay, "relay")

    def consumer_for(self, subscription: Subscription, js: JetStreamContext, nc: NatsClient) -> SourceConsumer:
        return SourceConsumer(
            service=self.service,
            source=subscription.source,
            handlers=subscription.handlers,
            batch_handlers=subscription.batch_handlers,
            ledger=self.ledger,
            js=js,
            nc=nc,
            bus=self.settings.bus,
            settings=self.settings.consumer,
            metrics=self.metrics,
            health=self.health.reporter(f"consumer:{subscription.source}"),
        )

    def _failing_timers(self) -> dict[str, Any]:
        """Due timers whose action keeps failing (retried every 30 s): how many, and the oldest one's kind and error
        class (the text is in the log's `timer_failed` lines; /readyz may be reachable from outside)."""
        try:
            found = self.timers.failing()
        except Exception:  # noqa: BLE001 - the store check above reports a store that cannot answer
            return {"failing": None}
        if found is None:
            return {"failing": 0}
        count, kind, error = found
        return {"failing": count, "oldest": {"kind": kind, "error": error.split(":", 1)[0]}}

    def published_keys(self) -> dict[str, str]:
        return self.keys.published()

    def keys_ring(self) -> SigningKeys:
        return self.keys.ring()

    def nudge(self) -> None:
        """Wake the chainer, the projections and the relay now. Routes call it from worker threads, and an
        asyncio.Event may only be set on its own loop: from another thread the wake-up is handed to the loop."""
        loop = self._loop
        if loop is None or loop.is_closed():
            self._nudge_now()
            return
        try:
            on_loop = asyncio.get_running_loop() is loop
        except RuntimeError:
            on_loop = False
        if on_loop:
            self._wake_soon()
        else:
            loop.call_soon_threadsafe(self._wake_soon)

    def _wake_soon(self) -> None:
        """On the loop: one wake-up for every command answered within `wake_coalesce_ms`. Under load the
        background tasks then take several commands a round (one read, one write, one publish for all) instead of
        a round per command; each command still committed before its nudge, so the round that follows sees it."""
        if self._wake_pending or self._loop is None:
            return
        self._wake_pending = True
        self._loop.call_later(self.settings.wake_coalesce_ms / 1000, self._wake)

    def _wake(self) -> None:
        self._wake_pending = False
        self._nudge_now()

    def _nudge_now(self) -> None:
        self.audit.chainer.nudge()
        for projector in self.projectors:
            projector.nudge()
        if self.relay is not None:
            self.relay.nudge()

    async def stop(self) -> None:
        await self.supervisor.stop()
        self.consumers.clear()
        if self.nc is not None and not self.nc.is_closed:
            await self.nc.drain()
        self.nc = None
        log.info("kernel_stopped", service=self.service)

    def close(self) -> None:
        """Close the stores; only after `stop()`, since a running task may still be reading them."""
        if self._closed:
            return
        self._closed = True
        self.application.close()
        if self.sealed is not None:
            self.sealed.close()
        self.store.close()

    def _parked(self) -> list[dict[str, Any]] | None:
        """Parked sources with the error's class only: /readyz may be reachable from outside; `kyodo dlq list`
        shows the text. None when the ledger cannot be read."""
        try:
            return [
                {
                    "source": p.source,
                    "sequence": p.sequence,
                    "event_type": p.event_type,
                    "failures": p.failures,
                    "error": p.last_error.split(":", 1)[0],
                    "parked_at": p.parked_at,
                }
                for p in self.ledger.parked()
            ]
        except Exception:  # noqa: BLE001 - the store check reports a store that cannot answer
            return None

    def readiness(self) -> tuple[bool, dict[str, Any]]:
        """Ready unless this replica cannot serve or one of its background tasks cannot make progress (blocked,
        or retrying past the stall threshold: `tasks` gives each one's reason and the command to run); parked
        sources are reported, never a reason to fail."""
        checks: dict[str, str] = {}
        try:
            self.db.ping()
            checks["store"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["store"] = f"unreachable: {type(exc).__name__}"
        checks["bus"] = "ok" if self.nc is not None and self.nc.is_connected else "unreachable"
        refused = self.refusals.recent()
        if refused is not None and checks["bus"] == "ok":
            checks["bus"] = f"refused: {refused} (bus_permission_denied in the log)"
        # With the store unreachable, the parked sources and failing timers are unknown (null), not asked: each query
        # would wait the pool's timeout, and a probe must get its answer (store: unreachable) before its own timeout.
        store_ok = checks["store"] == "ok"
        parked = self._parked() if store_ok else None
        progressing, tasks = self.health.snapshot()
        ready = progressing and all(v == "ok" for v in checks.values())
        timers = (self._failing_timers() if store_ok else {"failing": None}) if self.timer_actions else None
        body: dict[str, Any] = {
            "status": "ready" if ready else "not_ready",
            "service": self.service,
            "checks": checks,
            "tasks": tasks,
            "blocked": [t for t in tasks if t["status"] == "blocked"],
            "parked": parked,
        }
        if timers is not None:
            body["timers"] = timers
        if self.relay is not None:
            body["relay"] = {"status": self.relay.status, "sequence": self.relay.position.sequence}
        if self.audit.checkpointer is not None:
            body["audit"] = {"checkpoints": self.audit.checkpointer.status}
        return ready, body


def _projector_runner(projector: Projector) -> Callable[[asyncio.Event, Lease | None], Coroutine[Any, Any, None]]:
    async def run(stop: asyncio.Event, lease: Lease | None) -> None:
        projector.lease = lease
        await projector.run(stop)

    return run


def _consumer_runner(consumer: SourceConsumer) -> Callable[[asyncio.Event, Lease | None], Coroutine[Any, Any, None]]:
    async def run(stop: asyncio.Event, lease: Lease | None) -> None:
        consumer.lease = lease
        await consumer.run(stop)

    return run
