"""The background tasks of one replica: each runs supervised (a crash restarts it after a pause), optionally only
while this replica holds the task's lease, and all stop together."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import structlog

from kyodo_shared.settings import LeaseSettings
from kyodo_shared.tasks.aio import sleep_or_stop
from kyodo_shared.tasks.leases import Lease, LeaseStore, run_leased

log = structlog.get_logger(__name__)

LeasedRunner = Callable[[asyncio.Event, Lease | None], Coroutine[Any, Any, None]]


class Supervisor:
    def __init__(self, service: str, leases: LeaseStore, settings: LeaseSettings, *, replica: str) -> None:
        self.service, self.leases, self.settings, self.replica = service, leases, settings, replica
        self.stopping = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []

    def reset(self) -> None:
        """Before a (re)start: a fresh stop signal bound to the running loop."""
        self.stopping = asyncio.Event()

    def spawn_leased(self, role: str, runner: LeasedRunner, name: str) -> None:
        """Run only while this replica holds the role's lease (or always, with leases disabled)."""
        if not self.settings.enabled:
            self.spawn(lambda stop: runner(stop, None), name)
            return
        ttl = self.settings.ttl_seconds

        async def leased(stop: asyncio.Event) -> None:
            await run_leased(self.leases, role, runner, stop, ttl=ttl, holder=self.replica)

        self.spawn(leased, name)

    def spawn(self, runner: Callable[[asyncio.Event], Any], name: str) -> None:
        async def supervised() -> None:
            # A crashed loop restarts after a pause: one bad moment must not silently stop publishing or consuming.
            while not self.stopping.is_set():
                try:
                    await runner(self.stopping)
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
                    await sleep_or_stop(self.stopping, 2.0)

        self.tasks.append(asyncio.create_task(supervised(), name=f"{self.service}:{name}"))

    async def stop(self) -> None:
        self.stopping.set()
        if self.tasks:
            _, pending = await asyncio.wait(self.tasks, timeout=10)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        self.tasks.clear()
