"""The kernel of one running service: its event store, own database, bus connection, relay and consumers."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import nats
import structlog
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext

from kyodo_shared.audit.chain import Chainer, ChainStore
from kyodo_shared.audit.checkpointer import Checkpointer
from kyodo_shared.audit.keys import SigningKeys
from kyodo_shared.audit.publisher import CheckpointPublisher
from kyodo_shared.audit.visibility import VisibilityPolicy
from kyodo_shared.bus.consumer import BatchHandler, Handler, SourceConsumer
from kyodo_shared.bus.dlq import ConsumerLedger
from kyodo_shared.bus.relay import SCHEMA as RELAY_SCHEMA
from kyodo_shared.bus.relay import ContractMapper, OutboxRelay
from kyodo_shared.contracts import Contract
from kyodo_shared.observability.metrics import KernelMetrics
from kyodo_shared.privacy.vault import KeyVault
from kyodo_shared.settings import KernelSettings, StoreSettings
from kyodo_shared.store.db import Database, migrate, open_database
from kyodo_shared.store.eventstore import eventsourcing_env
from kyodo_shared.tasks.aio import sleep_or_stop
from kyodo_shared.tasks.leases import Lease, LeaseStore, run_leased
from kyodo_shared.tasks.projection import ProjectionHandler, Projector
from kyodo_shared.tasks.timers import Action, Clock, Timers

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Subscription:
    """A consuming service's interest in one source: handlers by contract, applied in source order."""

    source: str
    handlers: Mapping[type[Contract], Handler]
    # Same effects as `handlers`, for runs of one type while catching up (optional, per type).
    batch_handlers: Mapping[type[Contract], BatchHandler] = field(default_factory=dict)


@dataclass
class Kernel:
    """Wires one service; `start()` connects to the bus and runs the relay and consumers as tasks."""

    service: str
    settings: KernelSettings
    application_factory: Callable[[dict[str, str]], Any]
    mapper: ContractMapper | None = None
    subscriptions: list[Subscription] = field(default_factory=list)
    migrations: list[Callable[[Database], None]] = field(default_factory=list)
    visibility: VisibilityPolicy = field(default_factory=VisibilityPolicy)
    # Tables rebuilt from the streams by `kyodo replay --from-scratch`.
    read_models: list[str] = field(default_factory=list)
    # Durable timer actions by kind ("renewal.lapse" → callable); each must be idempotent.
    timer_actions: dict[str, Action] = field(default_factory=dict)
    # The service's own query tables, kept by following its notification log (name → handler).
    projections: dict[str, ProjectionHandler] = field(default_factory=dict)
    # The service's notion of now (timers, due dates); tests replace it to move time.
    clock: Clock = field(default=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        self.metrics = KernelMetrics()
        self.db: Database = open_database(self.settings.store)
        self.application = _with_ddl_retry(lambda: self.application_factory(eventsourcing_env(self.settings.store)))
        self.ledger = ConsumerLedger(self.db)
        self.ledger.migrate()
        migrate(self.db, RELAY_SCHEMA)
        for migration in self.migrations:
            migration(self.db)
        self.nc: NatsClient | None = None
        self.js: JetStreamContext | None = None
        self.vault = KeyVault(open_database(self._vault_store()), self.settings.privacy.retention_days)
        self.vault.migrate()
        self.chain = ChainStore(self.db)
        self.chain.migrate()
        self.timers = Timers(self.db, clock=lambda: self.clock())
        self.projectors = [Projector(n, self.application, self.db, h) for n, h in self.projections.items()]
        if self.projectors:
            self.projectors[0].migrate()
        self.timers.migrate()
        self.replica = str(uuid.uuid4())
        self.leases = LeaseStore(self.db)
        self.leases.migrate()
        self.chainer = Chainer(self.application, self.chain, self.settings.audit.chain_poll_seconds)
        self.signing_keys: SigningKeys | None = None
        self.relay: OutboxRelay | None = None
        self.consumers: list[SourceConsumer] = []
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._closed = False

    async def start(self) -> None:
        self._stop = asyncio.Event()
        self.nc = await nats.connect(
            self.settings.bus.nats_url,
            name=f"kyodo-{self.service}",
            max_reconnect_attempts=-1,
            reconnect_time_wait=1,
            connect_timeout=5,
        )
        self.js = self.nc.jetstream(publish_async_max_pending=self.settings.relay.max_in_flight)
        if self.mapper is not None and self.settings.relay.enabled:
            self.relay = OutboxRelay(
                service=self.service,
                application=self.application,
                mapper=self.mapper,
                db=self.db,
                js=self.js,
                bus=self.settings.bus,
                settings=self.settings.relay,
                metrics=self.metrics,
            )
            relay = self.relay

            async def run_relay(stop: asyncio.Event, lease: Lease | None) -> None:
                relay.lease = lease
                await relay.run(stop)

            self._spawn_leased(f"relay:{self.service}", run_relay, "relay")
        if self.settings.audit.enabled:
            self._start_audit(self.js)
        if self.timer_actions:
            actions = self.timer_actions
            self._spawn(lambda stop: self.timers.run(stop, actions), "timers")
        for projector in self.projectors:
            self._spawn_leased(
                f"projection:{self.service}:{projector.name}", _projector_runner(projector), projector.name
            )
        for subscription in self.subscriptions:
            consumer = self.consumer_for(subscription, self.js, self.nc)
            self.consumers.append(consumer)
            self._spawn_leased(
                f"consumer:{self.service}:{subscription.source}",
                _consumer_runner(consumer),
                f"consumer:{subscription.source}",
            )
        log.info("kernel_started", service=self.service, backend=self.settings.store.backend, replica=self.replica)

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
        )

    def _start_audit(self, js: JetStreamContext) -> None:
        publisher = CheckpointPublisher(
            self.service, self.application, js, self.settings.bus.namespace, self.settings.bus.stream_replicas
        )
        self.checkpointer = Checkpointer(
            service=self.service,
            application=self.application,
            chain=self.chain,
            keys=self.keys_ring(),
            every_events=self.settings.audit.checkpoint_every_events,
            every_seconds=self.settings.audit.checkpoint_every_seconds,
            publish=publisher.catch_up,
        )
        checkpointer = self.checkpointer

        async def run_audit(stop: asyncio.Event, lease: Lease | None) -> None:
            await asyncio.gather(self.chainer.run(stop), checkpointer.run(stop))

        self._spawn_leased(f"audit:{self.service}", run_audit, "audit")

    def _vault_store(self) -> StoreSettings:
        store, privacy = self.settings.store, self.settings.privacy
        if store.backend == "sqlite":
            return StoreSettings(backend="sqlite", sqlite_path=privacy.vault_path)
        return StoreSettings(
            backend="postgres",
            pg_dsn=privacy.vault_pg_dsn or store.pg_dsn,
            pg_schema=f"{store.pg_schema}_vault",
            pg_pool_size=2,
        )

    def published_keys(self) -> dict[str, str]:
        """Keys that have signed or been announced (never a pending one); empty where none exist, never created."""
        ring = self.signing_keys or SigningKeys.existing(self.settings.audit.keys_dir / self.service)
        if ring is None:
            return {}
        return {kid: key for kid, key in ring.public.items() if kid != ring.pending}

    def keys_ring(self) -> SigningKeys:
        """The checkpoint signing keys (loaded on first use: they live outside the event store)."""
        if self.signing_keys is None:
            self.signing_keys = SigningKeys.load_or_create(self.settings.audit.keys_dir / self.service)
        return self.signing_keys

    def _spawn_leased(
        self, role: str, runner: Callable[[asyncio.Event, Lease | None], Coroutine[Any, Any, None]], name: str
    ) -> None:
        """Run only while this replica holds the role's lease (or always, with leases disabled)."""
        if not self.settings.leases.enabled:
            self._spawn(lambda stop: runner(stop, None), name)
            return
        ttl = self.settings.leases.ttl_seconds

        async def leased(stop: asyncio.Event) -> None:
            await run_leased(self.leases, role, runner, stop, ttl=ttl, holder=self.replica)

        self._spawn(leased, name)

    def _spawn(self, runner: Callable[[asyncio.Event], Any], name: str) -> None:
        async def supervised() -> None:
            # A crashed loop restarts after a pause: one bad moment must not silently stop publishing or consuming.
            while not self._stop.is_set():
                try:
                    await runner(self._stop)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001
                    log.error(
                        "kernel_task_crashed",
                        service=self.service,
                        task=name,
                        error=type(exc).__name__,
                        detail=(str(exc).splitlines() or [""])[0][:300],
                    )
                    await sleep_or_stop(self._stop, 2.0)

        self._tasks.append(asyncio.create_task(supervised(), name=f"{self.service}:{name}"))

    def nudge(self) -> None:
        self.chainer.nudge()
        for projector in self.projectors:
            projector.nudge()
        if self.relay is not None:
            self.relay.nudge()

    async def stop(self) -> None:
        self._stop.set()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=10)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        self._tasks.clear()
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
        self.db.close()
        self.vault.db.close()

    def readiness(self) -> tuple[bool, dict[str, Any]]:
        """Ready unless this replica cannot serve; parked sources are reported, never a reason to fail."""
        checks: dict[str, str] = {}
        try:
            self.db.ping()
            checks["store"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["store"] = f"unreachable: {type(exc).__name__}"
        checks["bus"] = "ok" if self.nc is not None and self.nc.is_connected else "unreachable"
        try:
            # The error's class only: /readyz may be reachable from outside; `kyodo dlq list` shows the text.
            parked = [
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
        except Exception:  # noqa: BLE001
            parked = []
        ready = all(v == "ok" for v in checks.values())
        body: dict[str, Any] = {
            "status": "ready" if ready else "not_ready",
            "service": self.service,
            "checks": checks,
            "parked": parked,
        }
        if self.relay is not None:
            body["relay"] = {"status": self.relay.status, "sequence": self.relay.position.sequence}
        checkpointer = getattr(self, "checkpointer", None)
        if checkpointer is not None:
            body["audit"] = {"checkpoints": checkpointer.status}
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


def _with_ddl_retry(make: Callable[[], Any]) -> Any:
    """Replicas starting together race on the event store's CREATE ... IF NOT EXISTS: retry the loser."""
    for attempt in range(5):
        try:
            return make()
        except Exception as exc:
            if "already exists" not in str(exc) or attempt == 4:
                raise
            time.sleep(0.2)
    raise AssertionError("unreachable")
