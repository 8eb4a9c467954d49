"""What the bus must hold before the services run — every stream and durable consumer, defined once — and how a
service waits for it (`until_provisioned`); bus/provision.py makes it (`kyodo bus init`).

Who creates what matters on a shared bus: a durable consumer's configuration is the body of a CREATE request that no
subject permission constrains (it could make the server push a stream into any subject), and a stream created by
whichever service starts first takes that service's settings. So one command run by a NATS user of its own
(`kyodo-bus-init`) — a Kubernetes Job before the services roll out, `kyodo up` embedded — makes them all from these
definitions, and the services' users hold no CREATE right (bus/permissions.py). A service started before it only
waits, naming what is missing in /readyz (`KYODO_BUS__PROVISION=check`, the default); a development or test rig that
nobody provisions lets each service make its own part with the same definitions (`create`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from kyodo_contracts import stream_name, stream_subjects
from kyodo_shared.bus.permissions import CHECKPOINTS, READERS, SOURCES, durable_name
from kyodo_shared.settings import ConsumerSettings
from kyodo_shared.tasks.aio import sleep_or_stop
from kyodo_shared.tasks.health import DOCS, TaskBlocked, TaskReport

READER_ACK_WAIT_SECONDS = 30.0  # examples/subscriber's default KYODO_SUB_ACK_WAIT (its README §2 table)
READER_MAX_ACK_PENDING = 1000


def stream_config(namespace: str, source: str, replicas: int) -> StreamConfig:
    """A service's stream (its relay publishes there), or the checkpoint stream every service writes to."""
    return StreamConfig(
        name=stream_name(namespace, source),
        subjects=[stream_subjects(namespace, source)],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        num_replicas=replicas,
        # Checkpoints are kept for ever; a relay's messages too (no limit: consumers read a stream from sequence 1).
        max_age=0,
        max_msgs=-1,
        max_bytes=-1,
        # Publishes are deduplicated by message id for this long: a relay's retry after a lost ack lands once.
        duplicate_window=120.0,
    )


def service_durable(namespace: str, service: str, source: str, consumer: ConsumerSettings) -> ConsumerConfig:
    """`service`'s durable consumer on `source`'s stream, new: from sequence 1 (the service's tracking drops what
    it already applied; a rewound one is placed by bus/durable.py)."""
    return ConsumerConfig(
        durable_name=durable_name(service, source),
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        # Never give up on a message: gaps and parking redeliver the same message on purpose.
        max_deliver=-1,
        ack_wait=consumer.ack_wait_seconds,
        max_ack_pending=max(consumer.max_buffered, consumer.fetch_batch) * 3,
    )


def reader_durable(namespace: str, reader: str, source: str) -> ConsumerConfig:
    """Another system's read-only consumer, as examples/subscriber's README §2 table defines it."""
    name = f"{reader}-{source}"
    return ConsumerConfig(
        name=name,
        durable_name=name,
        # The whole stream: a narrower filter would leave holes in the dense source sequence.
        filter_subject=stream_subjects(namespace, source),
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        max_deliver=-1,
        ack_wait=READER_ACK_WAIT_SECONDS,
        max_ack_pending=READER_MAX_ACK_PENDING,
    )


@dataclass(frozen=True)
class Durable:
    stream: str
    config: ConsumerConfig

    @property
    def name(self) -> str:
        return str(self.config.durable_name)


@dataclass(frozen=True)
class Topology:
    streams: tuple[StreamConfig, ...]
    durables: tuple[Durable, ...]


def topology(
    namespace: str,
    replicas: int,
    consumer: ConsumerSettings,
    sources: Mapping[str, Sequence[str]] = SOURCES,
    readers: Mapping[str, Sequence[str]] = READERS,
) -> Topology:
    """Every stream (each service's and the checkpoints') and every durable consumer (each service's on each source
    it subscribes to, each reader's) of a namespace."""
    streams = [stream_config(namespace, name, replicas) for name in [*sources, CHECKPOINTS]]
    durables = [
        Durable(stream_name(namespace, source), service_durable(namespace, service, source, consumer))
        for service, wanted in sources.items()
        for source in wanted
    ]
    durables += [
        Durable(stream_name(namespace, source), reader_durable(namespace, reader, source))
        for reader, wanted in readers.items()
        for source in wanted
    ]
    return Topology(tuple(streams), tuple(durables))


def provision_hint(what: str) -> str:
    return (
        f"{what} does not exist: `kyodo bus init` makes the streams and durable consumers (in Kubernetes the "
        f"kyodo-bus-init Job, before the services; embedded, `kyodo up` runs it) — run it with the NATS user "
        f"kyodo-bus-init (or the operator's), then this clears by itself ({DOCS}, 'Provisioning the bus')"
    )


class NotProvisioned(RuntimeError):
    """A stream or durable consumer this service needs is missing, and it may not create it (`provision=check`)."""


async def stream_exists(js: JetStreamContext, name: str) -> bool:
    try:
        await js.stream_info(name)
    except NotFoundError:
        return False
    return True


async def until_provisioned(
    exists: Callable[[], Awaitable[bool]], what: str | Callable[[], str], report: TaskReport, stop: asyncio.Event
) -> bool:
    """Wait until `exists()`, reported meanwhile as blocked (`bus_not_provisioned`: /readyz fails, naming `what` — or
    what it returns after each check — and the command). True once it exists; False when stopped first."""
    while not stop.is_set():
        if await exists():
            return True
        named = what() if callable(what) else what
        report.blocked(TaskBlocked("bus_not_provisioned", provision_hint(named), f"{named} missing"))
        await sleep_or_stop(stop, 1.0)
    return False
