"""The chaos run's faults: SIGKILL of a random service (started again at once), SIGKILL of NATS (started again on its
port and store), and the run's PostgreSQL stopped for `seconds`, during which the workload records every answer (and
a probe asks info-hub's directory).
"""

from __future__ import annotations

import asyncio
import random
import time

import httpx

from support.chaos import ChaosPlatform
from support.chaos_workload import Record, Workload


async def kill_service(platform: ChaosPlatform, record: Record, rng: random.Random) -> str:
    name = rng.choice(sorted(platform.services))
    service = platform.services[name]
    await asyncio.to_thread(service.kill)
    record.faults[f"SIGKILL {name}"] += 1
    service.start()
    await asyncio.to_thread(service.wait_serving, 120)
    return name


async def kill_nats(platform: ChaosPlatform, record: Record) -> None:
    await asyncio.to_thread(platform.nats.kill)
    record.faults["SIGKILL nats-server"] += 1
    await asyncio.sleep(1.0)
    await asyncio.to_thread(platform.nats.start)


async def stop_postgres(platform: ChaosPlatform, workload: Workload, seconds: float) -> None:
    """The store away for `seconds`: the workload keeps sending; a probe asks info-hub's directory meanwhile."""
    await asyncio.to_thread(platform.postgres.stop)
    workload.record.faults["PostgreSQL stopped"] += 1
    workload.outage.set()
    until = time.monotonic() + seconds
    try:
        async with workload.client("info-hub") as hub:
            while time.monotonic() < until:
                started = time.monotonic()
                try:
                    answer = await hub.get("/groups")
                except httpx.TransportError:
                    continue
                workload.record.outage_answers.append(
                    (
                        "info-hub",
                        answer.status_code,
                        answer.headers.get("content-type", ""),
                        answer.headers.get("Retry-After", ""),
                        time.monotonic() - started,
                    )
                )
                await asyncio.sleep(1.0)
    finally:
        workload.outage.clear()
        await asyncio.to_thread(platform.postgres.start)
