"""`kyodo replay` rebuilds a service's read models from the streams; `kyodo relay reset` re-publishes a
service's stream from its store with the same ids and sequences (disaster recovery of the bus).
Run both with the service stopped.
"""

from __future__ import annotations

import asyncio
import functools
import sys
import time
from pathlib import Path

import nats
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from kyodo_shared.bus.replay import Replayer
from kyodo_shared.cli.operator import open_kernel
from kyodo_shared.contracts import stream_name
from kyodo_shared.runtime import Kernel


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
    kernel = open_kernel(service, data_dir)
    try:
        deleted = asyncio.run(_delete_stream(kernel, service))
        with kernel.db.transaction() as tx:
            tx.execute("DELETE FROM kyodo_relay_position WHERE service = %s", (service,))
        sys.stdout.write(
            f"{service}: stream {'deleted' if deleted else 'absent'}, relay position reset; "
            "start the service to re-publish\n"
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
    kernel = open_kernel(service, data_dir)
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


def _draw(done: int, total: int) -> None:
    width = 40
    filled = width * done // total if total else width
    sys.stdout.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    sys.stdout.flush()


def _draw_from(base: int, total: int, done: int) -> None:
    _draw(base + done, total)


async def _last_sequence(js: JetStreamContext, stream: str) -> int:
    try:
        return int((await js.stream_info(stream)).state.last_seq)
    except NotFoundError:
        return 0


async def _bulk(kernel: Kernel) -> None:
    """Apply each source's stream in bulk (see `Replayer`); whatever it leaves, the live consumers take next."""
    nc = await nats.connect(kernel.settings.bus.nats_url, connect_timeout=5, max_reconnect_attempts=1)
    try:
        js = nc.jetstream()
        consumers = [kernel.consumer_for(subscription, js, nc) for subscription in kernel.subscriptions]
        lasts = [await _last_sequence(js, consumer.stream) for consumer in consumers]
        total, before = sum(lasts), 0
        for consumer, last in zip(consumers, lasts, strict=True):
            reached = await Replayer(consumer, nc).run(last, progress=functools.partial(_draw_from, before, total))
            before += reached
    finally:
        await nc.close()


async def catch_up(kernel: Kernel, limit_seconds: float) -> int:
    """Run the service's consumers until each has applied its stream's last message, showing progress."""
    await _bulk(kernel)
    await kernel.start()
    assert kernel.js is not None
    started = time.monotonic()
    try:
        while True:
            done, total = 0, 0
            for consumer in kernel.consumers:
                last = await _last_sequence(kernel.js, consumer.stream)
                total += last
                done += min(consumer.tracked, last)
            _draw(done, total)
            parked = kernel.ledger.parked()
            if (done == total and kernel.consumers) or parked:
                sys.stdout.write("\n")
                if parked:
                    sys.stdout.write(f"stopped: {len(parked)} parked message(s), see `kyodo dlq list`\n")
                    return 1
                return 0
            if time.monotonic() - started > limit_seconds:
                sys.stdout.write("\ntimed out\n")
                return 1
            await asyncio.sleep(0.5)
    finally:
        await kernel.stop()
