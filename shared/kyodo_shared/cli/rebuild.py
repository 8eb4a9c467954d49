"""`kyodo replay` rebuilds a service's read models from the streams (and, from scratch, its own projections from
its store); `kyodo relay reset` re-publishes a service's stream from its store with the same ids and sequences
(disaster recovery of the bus). Both refuse while the service runs, and reach the bus `cli/bus_target.py` chooses.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import nats
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from rich.progress import Progress, TaskID

from kyodo_shared.bus.replay import Replayer
from kyodo_shared.cli.bus_target import operator_bus, refuse_while_running
from kyodo_shared.cli.console import err, out, progress
from kyodo_shared.cli.errors import FAILED, USAGE, CliError
from kyodo_shared.cli.operator import open_kernel, require_store, service_settings
from kyodo_shared.cli.projections import rebuild_projections
from kyodo_shared.contracts import stream_name
from kyodo_shared.runtime import Kernel
from kyodo_shared.service import discover
from kyodo_shared.store.db import open_database


def _refuse_while_running(service: str, data_dir: Path, prefixes: list[str], what: str) -> None:
    """Checked on the store alone, before any bus is chosen or started."""
    settings = service_settings(service, data_dir)
    require_store(service, settings, data_dir)
    db = open_database(settings.store)
    try:
        refuse_while_running(db, settings, service, prefixes, data_dir, what)
    finally:
        db.close()


def _known(service: str) -> None:
    specs = discover()
    if service not in specs:
        raise CliError(f"unknown service {service!r}", hint=f"known: {', '.join(specs)}", code=USAGE)


async def _delete_stream(kernel: Kernel, service: str) -> bool:
    nc = await nats.connect(kernel.settings.bus.nats_url, connect_timeout=5, max_reconnect_attempts=1)
    try:
        await nc.jetstream().delete_stream(stream_name(kernel.settings.bus.namespace, service))
        return True
    except NotFoundError:
        return False
    finally:
        await nc.close()


def relay_reset(service: str, data_dir: Path) -> int:
    """Drop the stream and the relay's position: the next start publishes everything again, identically."""
    _known(service)
    _refuse_while_running(service, data_dir, [f"relay:{service}"], f"reset {service}'s relay")
    with operator_bus(data_dir, service_settings(service, data_dir)) as nats_url:
        kernel = open_kernel(service, data_dir, nats_url=nats_url)
        try:
            stream = stream_name(kernel.settings.bus.namespace, service)
            deleted = asyncio.run(_delete_stream(kernel, service))
            with kernel.db.transaction() as tx:
                tx.execute("DELETE FROM kyodo_relay_position WHERE service = %s", (service,))
            out.print(
                f"{service}: stream {stream} on {nats_url} {'deleted' if deleted else 'was absent'}; "
                "relay position reset to 0."
            )
            out.print(
                f"Next: start {service} (`kyodo up`, or its Deployment): its relay re-publishes every event with "
                "the same ids and sequences, and consumers skip what they already applied."
            )
        finally:
            kernel.close()
    return 0


async def _delete_consumer(kernel: Kernel, source: str, durable: str) -> None:
    nc = await nats.connect(kernel.settings.bus.nats_url, connect_timeout=5, max_reconnect_attempts=1)
    try:
        await nc.jetstream().delete_consumer(stream_name(kernel.settings.bus.namespace, source), durable)
    except NotFoundError:
        pass
    finally:
        await nc.close()


def replay(service: str, data_dir: Path, from_scratch: bool, timeout: float = 3600.0) -> int:
    """Rebuild from the bus what the service consumes; from scratch, also its own projections from its store."""
    _known(service)
    roles = [f"consumer:{service}:", f"projection:{service}:"]
    _refuse_while_running(service, data_dir, roles, f"replay {service}")
    # Opened without a bus first: a service that consumes nothing needs none, and none is started for it.
    kernel = open_kernel(service, data_dir)
    try:
        if from_scratch:
            rebuild_projections(kernel)
        if not kernel.subscriptions:
            out.print(f"{service} consumes no stream: nothing to replay from the bus")
            return 0
    finally:
        kernel.close()
    with operator_bus(data_dir, service_settings(service, data_dir)) as nats_url:
        kernel = open_kernel(service, data_dir, nats_url=nats_url)
        try:
            if from_scratch:
                with kernel.db.transaction() as tx:
                    for table in kernel.read_models:
                        tx.execute(f"DELETE FROM {table}")  # noqa: S608 - names declared by the service, not input
                    tx.execute("DELETE FROM kyodo_consumer_tracking")
                    tx.execute("DELETE FROM kyodo_consumer_failures")
                for subscription in kernel.subscriptions:
                    durable = f"{service}--{subscription.source}".replace("-", "_")
                    asyncio.run(_delete_consumer(kernel, subscription.source, durable))
            return asyncio.run(catch_up(kernel, timeout))
        finally:
            kernel.close()


async def _last_sequence(js: JetStreamContext, stream: str) -> int:
    try:
        return int((await js.stream_info(stream)).state.last_seq)
    except NotFoundError:
        return 0


async def _bulk(kernel: Kernel, bars: Progress, tasks: dict[str, TaskID]) -> None:
    """Apply each source's stream in bulk (see `Replayer`); whatever it leaves, the live consumers take next."""
    nc = await nats.connect(kernel.settings.bus.nats_url, connect_timeout=5, max_reconnect_attempts=1)
    try:
        js = nc.jetstream()
        for subscription in kernel.subscriptions:
            consumer = kernel.consumer_for(subscription, js, nc)
            last = await _last_sequence(js, consumer.stream)
            task = tasks[subscription.source]
            bars.update(task, total=last)

            def advance(done: int, task: TaskID = task) -> None:
                bars.update(task, completed=done)

            await Replayer(consumer, nc).run(last, progress=advance)
    finally:
        await nc.close()


async def catch_up(kernel: Kernel, limit_seconds: float) -> int:
    """Run the service's consumers until each has applied its stream's last message, one progress bar a source."""
    with progress() as bars:
        tasks = {s.source: bars.add_task(f"{kernel.service} ← {s.source}", total=None) for s in kernel.subscriptions}
        await _bulk(kernel, bars, tasks)
        await kernel.start()
        assert kernel.js is not None
        started = time.monotonic()
        try:
            while True:
                finished = True
                for consumer in kernel.consumers:
                    last = await _last_sequence(kernel.js, consumer.stream)
                    bars.update(tasks[consumer.source], total=last, completed=min(consumer.tracked, last))
                    finished = finished and consumer.tracked >= last
                parked = kernel.ledger.parked()
                # Exit code 1 either way (callers and tests read the code); the reason goes to stderr.
                if parked:
                    err.print(f"stopped: {len(parked)} parked message(s), see `kyodo dlq list`")
                    return FAILED
                if finished and kernel.consumers:
                    break
                if time.monotonic() - started > limit_seconds:
                    err.print(f"timed out after {limit_seconds:.0f}s")
                    return FAILED
                await asyncio.sleep(0.5)
        finally:
            await kernel.stop()
    err.print(f"{kernel.service}: replayed {', '.join(tasks)} up to each stream's last message")
    return 0
