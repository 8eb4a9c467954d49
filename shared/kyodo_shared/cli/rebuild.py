"""`kyodo replay` rebuilds a service's read models from the streams (and, from scratch, its own projections from
its store); `kyodo relay reset` re-publishes a service's stream from its store with the same ids and sequences
(disaster recovery of the bus). Both refuse while the service may run (`bus_target.refuse_while_running`), hold the
leases of the roles they disturb while they work (`cli/held_leases.py`), and reach the bus `cli/bus_target.py`
chooses.

`replay` starts only what it needs: the service's consumers, on a NATS connection of its own — not the kernel,
whose relay, audit checkpoints and timers have no business running inside an operator command.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import nats
from nats.aio.client import Client as NatsClient
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from rich.progress import Progress, TaskID

from kyodo_contracts import stream_name
from kyodo_shared.bus.connection import connect_bus, servers_of, shown, tls_options
from kyodo_shared.bus.consumer import SourceConsumer, describe
from kyodo_shared.bus.permissions import durable_name
from kyodo_shared.bus.replay import Replayer
from kyodo_shared.cli.bus_init import init_bus
from kyodo_shared.cli.bus_target import operator_bus, refuse_while_running
from kyodo_shared.cli.console import err, out, progress
from kyodo_shared.cli.errors import FAILED, REFUSED, USAGE, CliError
from kyodo_shared.cli.held_leases import disturbed_roles, hold_leases
from kyodo_shared.cli.operator import open_kernel, service_settings
from kyodo_shared.cli.projections import rebuild_projections
from kyodo_shared.runtime import Kernel
from kyodo_shared.service import discover
from kyodo_shared.settings import BusSettings
from kyodo_shared.tasks.leases import Lease


def _known(service: str) -> None:
    specs = discover()
    if service not in specs:
        raise CliError(f"unknown service {service!r}", hint=f"known: {', '.join(specs)}", code=USAGE)


async def _delete_stream(bus: BusSettings, stream: str) -> int | None:
    """Delete the stream; its replicas, or None when it was absent. Refused (a user other than the operator's:
    NATS drops the request and says so on the connection alone), a CliError saying so."""
    refused: list[str] = []
    nc = await connect_bus(bus.model_copy(update={"connect_wait_seconds": 10.0}), "kyodo-cli", refused.append)
    try:
        js = nc.jetstream(timeout=10.0)
        replicas = (await js.stream_info(stream)).config.num_replicas or 1
        await js.delete_stream(stream)
        return replicas
    except NotFoundError:
        return None
    except (NatsTimeout, TimeoutError):
        if not refused:
            raise
        raise CliError(
            f"NATS at {shown(bus.nats_url)} refused this user: {refused[-1]}",
            hint="run `kyodo relay reset` with the operator's URL in KYODO_BUS__NATS_URL (user kyodo-operator): a "
            "service's own user may not delete its stream",
        ) from None
    finally:
        await nc.close()


def _require_events(kernel: Kernel) -> None:
    """A reset deletes the stream and re-publishes the store: from a store without events it would only delete."""
    if int(kernel.application.recorder.max_notification_id() or 0) > 0:
        return
    raise CliError(
        f"refusing to reset {kernel.service}'s relay: its store holds no events, so the stream would be deleted "
        "and nothing re-published",
        hint="check that the store settings (or --data-dir) name the service's real store",
        code=REFUSED,
    )


def relay_reset(service: str, data_dir: Path, *, force: bool = False) -> int:
    """Drop the stream and the relay's position: the next start publishes everything again, identically."""
    _known(service)
    what = f"reset {service}'s relay"
    settings = service_settings(service, data_dir, needs_bus=True)
    refuse_while_running(settings, service, data_dir, what, force=force)
    kernel = open_kernel(service, data_dir)
    try:
        _require_events(kernel)
        with hold_leases(kernel, disturbed_roles(kernel, relay=True), what) as held:
            with operator_bus(data_dir, settings) as nats_url:
                stream = stream_name(kernel.settings.bus.namespace, service)
                operator = kernel.settings.bus.model_copy(update={"nats_url": nats_url})
                replicas = asyncio.run(_delete_stream(operator, stream))
                deleted = replicas is not None
                # Deleting a stream deletes the durable consumers on it: that stream and those consumers alone are
                # made again, empty, as `kyodo bus init` makes them (the services may only check they exist), with
                # the replicas the stream had — never this shell's KYODO_BUS__STREAM_REPLICAS, which may be unset.
                update = {"nats_url": nats_url, "stream_replicas": replicas or kernel.settings.bus.stream_replicas}
                bus = kernel.settings.bus.model_copy(update=update)
                asyncio.run(init_bus(bus, kernel.settings.consumer, wait_seconds=30.0, stream=stream))
                with kernel.db.transaction() as tx:
                    held[f"relay:{service}"].check(tx)
                    tx.execute("DELETE FROM kyodo_relay_position WHERE service = %s", (service,))
            out.print(
                f"{service}: stream {stream} on {shown(nats_url)} {'deleted' if deleted else 'was absent'} and "
                "made again empty, with the durable consumers on it; relay position reset to 0."
            )
            out.print(
                f"Next: start {service} (`kyodo up`, or its Deployment): its relay re-publishes every event with "
                "the same ids and sequences, and consumers skip what they already applied."
            )
    finally:
        kernel.close()
    return 0


async def _delete_consumer(nats_url: str, stream: str, durable: str, bus: BusSettings) -> None:
    nc = await nats.connect(servers_of(nats_url), connect_timeout=5, max_reconnect_attempts=1, **tls_options(bus))
    try:
        await nc.jetstream().delete_consumer(stream, durable)
    except NotFoundError:
        pass
    finally:
        await nc.close()


def replay(service: str, data_dir: Path, from_scratch: bool, timeout: float = 3600.0, *, force: bool = False) -> int:
    """Rebuild from the bus what the service consumes; from scratch, also its own projections from its store."""
    _known(service)
    what = f"replay {service}"
    settings = service_settings(service, data_dir)
    refuse_while_running(settings, service, data_dir, what, force=force)
    # Replay may create the store: rebuilding a read model whose database was lost is what it is for.
    kernel = open_kernel(service, data_dir, create=True)
    try:
        if kernel.subscriptions:
            settings = service_settings(service, data_dir, needs_bus=True)  # refuses a missing bus setting
        with hold_leases(kernel, disturbed_roles(kernel), what) as held:
            for projector in kernel.projectors:
                projector.lease = held.get(f"projection:{service}:{projector.name}")
            if from_scratch:
                rebuild_projections(kernel)
            if not kernel.subscriptions:
                out.print(f"{service} consumes no stream: nothing to replay from the bus")
                return 0
            with operator_bus(data_dir, settings) as nats_url:
                if from_scratch:
                    _empty_read_models(kernel, held)
                    for subscription in kernel.subscriptions:
                        source_stream = stream_name(kernel.settings.bus.namespace, subscription.source)
                        durable = durable_name(service, subscription.source)
                        asyncio.run(_delete_consumer(nats_url, source_stream, durable, kernel.settings.bus))
                return asyncio.run(catch_up(kernel, timeout, nats_url=nats_url, leases=held))
    finally:
        kernel.close()


def _empty_read_models(kernel: Kernel, held: dict[str, Lease]) -> None:
    with kernel.db.transaction() as tx:
        for lease in held.values():
            lease.check(tx)
        for table in kernel.read_models:
            tx.execute(f"DELETE FROM {table}")  # noqa: S608 - names declared by the service, not input
        tx.execute("DELETE FROM kyodo_consumer_tracking")
        tx.execute("DELETE FROM kyodo_consumer_failures")


async def _last_sequence(js: JetStreamContext, stream: str) -> int:
    try:
        return int((await js.stream_info(stream)).state.last_seq)
    except NotFoundError:
        return 0


async def _bulk(
    consumers: list[SourceConsumer], nc: NatsClient, nats_url: str, bars: Progress, tasks: dict[str, TaskID]
) -> None:
    """Apply each source's stream in bulk (see `Replayer`); whatever it leaves, the live consumers take next."""
    for consumer in consumers:
        last = await _last_sequence(consumer.js, consumer.stream)
        task = tasks[consumer.source]
        bars.update(task, total=last)

        def advance(done: int, task: TaskID = task) -> None:
            bars.update(task, completed=done)

        await Replayer(consumer, nc, nats_url=nats_url).run(last, progress=advance)


async def catch_up(
    kernel: Kernel, limit_seconds: float, *, nats_url: str | None = None, leases: dict[str, Lease] | None = None
) -> int:
    """Run the service's consumers — nothing else of the kernel — until each has applied its stream's last
    message, one progress bar a source. Exit code 1 when a message is parked or the time is up."""
    nats_url = nats_url or kernel.settings.bus.nats_url
    nc = await nats.connect(
        servers_of(nats_url),
        name=f"kyodo-cli-replay-{kernel.service}",
        connect_timeout=5,
        max_reconnect_attempts=5,
        reconnect_time_wait=1,
        **tls_options(kernel.settings.bus),  # deploy/nats speaks TLS only (KYODO_BUS__TLS_CA_FILE)
    )
    try:
        js = nc.jetstream()
        consumers = []
        for subscription in kernel.subscriptions:
            consumer = kernel.consumer_for(subscription, js, nc)
            consumer.lease = (leases or {}).get(f"consumer:{kernel.service}:{subscription.source}")
            consumers.append(consumer)
        with progress() as bars:
            tasks = {c.source: bars.add_task(f"{kernel.service} ← {c.source}", total=None) for c in consumers}
            await _bulk(consumers, nc, nats_url, bars, tasks)
            code = await _follow(kernel, consumers, bars, tasks, limit_seconds)
    finally:
        await nc.close()
    if code == 0:
        err.print(f"{kernel.service}: replayed {', '.join(tasks)} up to each stream's last message")
    return code


async def _follow(
    kernel: Kernel, consumers: list[SourceConsumer], bars: Progress, tasks: dict[str, TaskID], limit: float
) -> int:
    """The live consumers take what the bulk pass left (a failing message is retried, then parked)."""
    stop = asyncio.Event()
    runs = [asyncio.create_task(consumer.run(stop), name=f"consumer:{consumer.source}") for consumer in consumers]
    started = time.monotonic()
    try:
        while True:
            for run in runs:
                if run.done() and run.exception() is not None:
                    error = run.exception()
                    assert error is not None
                    err.print(f"stopped: {run.get_name()} failed: {describe(error)}")
                    return FAILED
            finished = True
            for consumer in consumers:
                last = await _last_sequence(consumer.js, consumer.stream)
                bars.update(tasks[consumer.source], total=last, completed=min(consumer.tracked, last))
                finished = finished and consumer.tracked >= last
            # Exit code 1 either way (callers and tests read the code); the reason goes to stderr.
            parked = await asyncio.to_thread(kernel.ledger.parked)
            if parked:
                err.print(f"stopped: {len(parked)} parked message(s), see `kyodo dlq list`")
                return FAILED
            if finished:
                return 0
            if time.monotonic() - started > limit:
                err.print(f"timed out after {limit:.0f}s")
                return FAILED
            await asyncio.sleep(0.5)
    finally:
        stop.set()
        await asyncio.gather(*runs, return_exceptions=True)
