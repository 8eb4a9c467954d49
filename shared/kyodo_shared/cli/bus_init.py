"""`kyodo bus init`: make every stream and durable consumer of a namespace (bus/topology.py), idempotently.

Run as the operator's NATS user: the Kubernetes Job `kyodo-bus-init` before the services roll out, `kyodo up` at its
start, an operator by hand after `kyodo relay reset`. A cluster that is still electing its JetStream meta leader
answers 503 (or not at all) for a while after its servers are up, so a transient refusal is retried until `--wait`
runs out; what cannot pass by waiting (permissions, more replicas than servers) stops at once, saying what to do.
"""

from __future__ import annotations

import asyncio
import time

import structlog
from nats.aio.client import Client as NatsClient
from nats.errors import TimeoutError as NatsTimeout
from nats.js.errors import APIError, ServiceUnavailableError
from rich.table import Table

from kyodo_shared.bus.connection import BusUnreachable, connect_bus, shown
from kyodo_shared.bus.topology import Outcome, provision, topology
from kyodo_shared.cli.console import err, out
from kyodo_shared.cli.errors import FAILED, CliError
from kyodo_shared.settings import BusSettings, ConsumerSettings

log = structlog.get_logger(__name__)
OPERATOR_CONNECTION = "bus-init"  # the connection's name and inbox prefix (_INBOX_bus_init); the operator's user


async def init_bus(bus: BusSettings, consumer: ConsumerSettings, wait_seconds: float) -> list[tuple[str, str, Outcome]]:
    """Connect (within `bus.connect_wait_seconds`) and provision, retrying a cluster not ready yet until
    `wait_seconds` have passed. Raises CliError naming what to do."""
    try:
        nc = await connect_bus(bus, OPERATOR_CONNECTION)
    except BusUnreachable as exc:
        raise CliError(str(exc), hint="check KYODO_BUS__NATS_URL (the operator's user) and that NATS runs") from None
    try:
        return await _provision_when_ready(nc, bus, consumer, wait_seconds)
    finally:
        await nc.close()


async def _provision_when_ready(
    nc: NatsClient, bus: BusSettings, consumer: ConsumerSettings, wait_seconds: float
) -> list[tuple[str, str, Outcome]]:
    wanted = topology(bus.namespace, bus.stream_replicas, consumer)
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return await provision(nc.jetstream(timeout=10.0), wanted)
        except (ServiceUnavailableError, NatsTimeout, TimeoutError) as exc:
            # No meta leader yet, or no answer: a forming cluster — or a user whose requests the server drops
            # (a permissions violation gets no reply), which the message names if waiting does not help.
            if time.monotonic() >= deadline:
                raise CliError(
                    f"JetStream at {shown(bus.nats_url)} did not accept the streams within {wait_seconds:g} s "
                    f"({type(exc).__name__})",
                    hint="check that JetStream is enabled and its cluster has a leader (`nats-server` /healthz?"
                    "js-enabled-only=true), and that KYODO_BUS__NATS_URL names the operator's user "
                    "(kyodo-operator in deploy/nats/auth.conf: a service's user may not create streams)",
                    code=FAILED,
                ) from None
            log.info("bus_init_waiting", url=shown(bus.nats_url), error=type(exc).__name__)
            await asyncio.sleep(1.0)
        except APIError as exc:
            raise CliError(
                f"JetStream at {shown(bus.nats_url)} refused: {exc.description} (code {exc.err_code})",
                hint=_hint_for(exc, bus),
                code=FAILED,
            ) from None


def _hint_for(exc: APIError, bus: BusSettings) -> str:
    text = (exc.description or "").lower()
    if "replica" in text:
        return (
            f"KYODO_BUS__STREAM_REPLICAS is {bus.stream_replicas}: at most the number of JetStream servers "
            "(1 for a single server, 3 for deploy/nats)"
        )
    if "exist" in text or "subjects overlap" in text:
        return "a stream or consumer of that name exists with other settings: compare it with bus/topology.py"
    return "see the NATS server's log for the request"


def run(bus: BusSettings, consumer: ConsumerSettings, wait_seconds: float) -> int:
    done = asyncio.run(init_bus(bus, consumer, wait_seconds))
    show(done, bus)
    return 0


def show(done: list[tuple[str, str, Outcome]], bus: BusSettings) -> None:
    table = Table(title=f"bus {bus.namespace} on {shown(bus.nats_url)} / バス初期化")
    for column in ("kind", "name", "outcome"):
        table.add_column(column)
    for kind, name, outcome in done:
        table.add_row(kind, name, outcome)
    out.print(table)
    counts = {o: sum(1 for *_, x in done if x == o) for o in ("created", "updated", "unchanged")}
    err.print(", ".join(f"{n} {o}" for o, n in counts.items()), highlight=False)
