"""The background tasks of one replica: each runs supervised (a crash restarts it after a pause), optionally only
while this replica holds the task's lease, and all stop together. What stops a task is recorded in the replica's
`TaskHealth`, so /readyz, /metrics and the log say why, instead of a crash loop hiding it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import structlog

from kyodo_shared.settings import LeaseSettings
from kyodo_shared.tasks.aio import sleep_or_stop
from kyodo_shared.tasks.health import REMINDER_SECONDS, TaskBlocked, TaskHealth
from kyodo_shared.tasks.leases import Lease, LeaseLost, LeaseStore, run_leased

log = structlog.get_logger(__name__)

LeasedRunner = Callable[[asyncio.Event, Lease | None], Coroutine[Any, Any, None]]

# A crashed task is run again after CRASH_PAUSE; a blocked one is checked again (cheaply) after BLOCKED_PAUSE.
CRASH_PAUSE = 2.0
BLOCKED_PAUSE = 5.0


class Supervisor:
    def __init__(
        self,
        service: str,
        leases: LeaseStore,
        settings: LeaseSettings,
        *,
        replica: str,
        health: TaskHealth | None = None,
    ) -> None:
        self.service, self.leases, self.settings, self.replica = service, leases, settings, replica
        self.health = health
        self.stopping = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []
        self._crash_logged: dict[str, tuple[str, float]] = {}

    def reset(self) -> None:
        """Before a (re)start: a fresh stop signal bound to the running loop."""
        self.stopping = asyncio.Event()

    def spawn_leased(self, role: str, runner: LeasedRunner, name: str) -> None:
        """Run only while this replica holds the role's lease (or always, with leases disabled)."""
        if not self.settings.enabled:
            self.spawn(lambda stop: runner(stop, None), name)
            return
        ttl = self.settings.ttl_seconds

        async def guarded(stop: asyncio.Event, lease: Lease) -> None:
            # Failures are handled here, under the lease (which run_leased keeps renewing during the pause),
            # so a blocked task keeps its reason instead of turning into `leased_task_crashed` lines.
            await self._guard(name, stop, lambda s: runner(s, lease))
            if stop.is_set() and self.health is not None:
                self.health.standby(name)  # the lease went elsewhere or the replica stops: not ours to report

        async def leased(stop: asyncio.Event) -> None:
            await run_leased(self.leases, role, guarded, stop, ttl=ttl, holder=self.replica)

        self._start(leased, name)

    def spawn(self, runner: Callable[[asyncio.Event], Any], name: str) -> None:
        async def supervised(stop: asyncio.Event) -> None:
            # A crashed loop restarts after a pause: one bad moment must not silently stop publishing or consuming.
            while not stop.is_set():
                await self._guard(name, stop, runner)

        self._start(supervised, name)

    def _start(self, runner: Callable[[asyncio.Event], Coroutine[Any, Any, None]], name: str) -> None:
        self.tasks.append(asyncio.create_task(runner(self.stopping), name=f"{self.service}:{name}"))

    async def _guard(self, name: str, stop: asyncio.Event, runner: Callable[[asyncio.Event], Any]) -> None:
        """Run once; on failure record why and pause. Returns when the runner ends or after the pause."""
        try:
            await runner(stop)
        except (asyncio.CancelledError, LeaseLost):
            raise
        except TaskBlocked as blocked:
            if self.health is not None:
                self.health.blocked(name, blocked.reason, blocked.hint, blocked.detail)
            else:
                log.error("task_blocked", service=self.service, task=name, reason=blocked.reason, hint=blocked.hint)
            await sleep_or_stop(stop, BLOCKED_PAUSE)
        except Exception as exc:  # noqa: BLE001
            error = type(exc).__name__
            if self.health is not None:
                self.health.retrying(name, error)
            self._log_crash(name, error, (str(exc).splitlines() or [""])[0][:300])
            await sleep_or_stop(stop, CRASH_PAUSE)

    def _log_crash(self, name: str, error: str, detail: str) -> None:
        # The first crash of a kind is logged, then a reminder at a low rate: a crash loop must stay readable.
        last = self._crash_logged.get(name)
        now = asyncio.get_running_loop().time()
        if last is not None and last[0] == error and now - last[1] < REMINDER_SECONDS:
            return
        self._crash_logged[name] = (error, now)
        log.error("kernel_task_crashed", service=self.service, task=name, error=error, detail=detail)

    async def stop(self) -> None:
        self.stopping.set()
        if self.tasks:
            _, pending = await asyncio.wait(self.tasks, timeout=10)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        self.tasks.clear()
