"""`kyodo bus init`: make every stream and durable consumer of a namespace (bus/topology.py), idempotently.

Run as its own NATS user `kyodo-bus-init` (bus/permissions.py: it may make and update the topology's streams and
consumers and nothing else) — the Kubernetes Job `kyodo-bus-init` before the services roll out — or as the operator
(`kyodo up` at its start, `kyodo relay reset` for the stream it deleted). A cluster still electing its JetStream meta
leader answers 503 (or not at all) for a while after its servers are up, so a transient refusal is retried until
`--wait` runs out; what cannot pass by waiting (permissions, more replicas than servers) stops at once, saying what to
do.
"""

from __future__ import annotations

import asyncio
import time

import structlog
from nats.aio.client import Client as NatsClient
from nats.errors import TimeoutError as NatsTimeout
from nats.js.errors import ServiceUnavailableError
from rich.table import Table

from kyodo_shared.bus.connection import BusUnreachable, connect_bus, shown
from kyodo_shared.bus.permissions import BUS_INIT_CONNECTION
from kyodo_shared.bus.provision import Done, Drift, Refused, provision
from kyodo_shared.bus.topology import topology
from kyodo_shared.cli.console import err, out
from kyodo_shared.cli.errors import CliError
from kyodo_shared.settings import BusSettings, ConsumerSettings

log = structlog.get_logger(__name__)


async def init_bus(
    bus: BusSettings, consumer: ConsumerSettings, wait_seconds: float, stream: str | None = None
) -> Done:
    """Connect (within `bus.connect_wait_seconds`) and provision — everything, or only `stream` and the durable
    consumers on it — retrying a cluster not ready yet until `wait_seconds` have passed. Raises CliError naming
    what to do."""
    refused: list[str] = []
    try:
        nc = await connect_bus(bus, BUS_INIT_CONNECTION, on_refused=refused.append)
    except BusUnreachable as exc:
        raise CliError(
            str(exc), hint="check KYODO_BUS__NATS_URL (the user kyodo-bus-init, or the operator's) and that NATS runs"
        ) from None
    try:
        return await _provision_when_ready(nc, bus, consumer, wait_seconds, stream, refused)
    finally:
        await nc.close()


async def _provision_when_ready(
    nc: NatsClient, bus: BusSettings, consumer: ConsumerSettings, wait: float, stream: str | None, refused: list[str]
) -> Done:
    wanted = topology(bus.namespace, bus.stream_replicas, consumer)
    deadline = time.monotonic() + wait
    while True:
        try:
            return await provision(nc.jetstream(timeout=10.0), wanted, stream)
        except (ServiceUnavailableError, NatsTimeout, TimeoutError) as exc:
            # No meta leader yet, or no answer: a forming cluster — unless the server refused the request (it
            # drops a request the user may not make, and says so only on the connection's error callback).
            if refused:
                raise CliError(
                    f"NATS at {shown(bus.nats_url)} refused this user: {refused[-1]}",
                    hint="KYODO_BUS__NATS_URL must name the bus-init user (or the operator): a service's user may "
                    "make no stream or consumer (deploy/nats/auth.conf)",
                ) from None
            if time.monotonic() >= deadline:
                raise CliError(
                    f"JetStream at {shown(bus.nats_url)} did not accept the streams within {wait:g} s "
                    f"({type(exc).__name__})",
                    hint="check that JetStream is enabled and its cluster has a leader (`nats-server` /healthz?"
                    "js-enabled-only=true)",
                ) from None
            log.info("bus_init_waiting", url=shown(bus.nats_url), error=type(exc).__name__)
            await asyncio.sleep(1.0)
        except Drift as drift:
            raise CliError(
                str(drift),
                hint="bus init changes no stream's identity and lowers no replicas: check KYODO_BUS__NAMESPACE and "
                "KYODO_BUS__STREAM_REPLICAS (as the services have them); a real change is a migration "
                "(docs/OPERATIONS.md, 'Provisioning the bus')",
            ) from None
        except Refused as exc:
            code, text = exc.error.err_code, exc.error.description or "no description"
            raise CliError(
                f"JetStream at {shown(bus.nats_url)} refused {exc.what}: {text} (code {code})",
                hint=_hint_for(code, bus),
            ) from None


# nats-server's JetStream error codes (server/errors.json) that a setting explains.
REPLICAS_NOT_CLUSTERED, INSUFFICIENT_RESOURCES = 10074, 10023


def _hint_for(code: int | None, bus: BusSettings) -> str:
    if code in (REPLICAS_NOT_CLUSTERED, INSUFFICIENT_RESOURCES):
        return (
            f"KYODO_BUS__STREAM_REPLICAS is {bus.stream_replicas}: at most the number of JetStream servers "
            "(1 for a single server, 3 for deploy/nats), with room on their JetStream storage"
        )
    return "see the NATS server's log for the request"


def run(bus: BusSettings, consumer: ConsumerSettings, wait_seconds: float) -> int:
    done = asyncio.run(init_bus(bus, consumer, wait_seconds))
    show(done, bus)
    return 0


def show(done: Done, bus: BusSettings) -> None:
    table = Table(title=f"bus {bus.namespace} on {shown(bus.nats_url)} / バス初期化")
    for column in ("kind", "name", "outcome"):
        table.add_column(column)
    for kind, name, outcome in done:
        table.add_row(kind, name, outcome)
    out.print(table)
    counts = {o: sum(1 for *_, x in done if x == o) for o in ("created", "updated", "unchanged")}
    err.print(", ".join(f"{n} {o}" for o, n in counts.items()), highlight=False)
