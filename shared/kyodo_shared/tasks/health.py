"""Whether each background task of a replica makes progress, and if not, why and what an operator should run.

A task is `ok`, `retrying` (transient failures: the bus briefly unreachable) or `blocked` (it cannot make progress
until someone acts: a lost stream, a store restored from a backup). Blocked tasks, and tasks retrying WITHOUT
PROGRESS for longer than `stall_after_seconds` (stalled), fail readiness: a task that reports progress with its
retries (the relay's published sequence, a consumer's tracked sequence or the source stream it waits for) restarts
the clock each time it moves, so a long but moving catch-up stays ready. /metrics shows blocked tasks as
`kyodo_task_blocked{service,task,reason}`; the log gets one `error` event per transition into blocked, and a
reminder at a low rate, never one per retry.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog

from kyodo_shared.observability.metrics import KernelMetrics

log = structlog.get_logger(__name__)

# A blocked task is reminded about in the log at this rate while it stays blocked.
REMINDER_SECONDS = 300.0
DOCS = "docs/OPERATIONS.md"


class TaskBlocked(Exception):
    """Raised by a task that cannot make progress until an operator acts; the supervisor records it."""

    def __init__(self, reason: str, hint: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason, self.hint, self.detail = reason, hint, detail


@dataclass
class _State:
    state: str = "starting"
    reason: str = ""
    hint: str = ""
    detail: str = ""
    error: str = ""
    # When the current streak of failures without progress began (monotonic), and when the log last said so.
    failing_since: float | None = None
    logged_at: float = 0.0
    # The last progress mark reported with a retry (a sequence): an increase restarts `failing_since`.
    progress: int | None = None
    # Blocked only because retrying lasted without progress (progress lifts it), not for a definite reason.
    stalled: bool = False


class TaskHealth:
    """The state of every background task of one replica; read by /readyz and /metrics."""

    def __init__(
        self,
        service: str,
        metrics: KernelMetrics,
        *,
        stall_after_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.service, self.metrics, self.stall_after, self.clock = service, metrics, stall_after_seconds, clock
        self._tasks: dict[str, _State] = {}

    def reporter(self, task: str) -> TaskReport:
        return TaskReport(self, task)

    def _state(self, task: str) -> _State:
        return self._tasks.setdefault(task, _State())

    def ok(self, task: str) -> None:
        state = self._state(task)
        if state.state == "ok":
            return
        if state.state == "blocked" or state.logged_at:
            log.info("task_recovered", service=self.service, task=task, was=state.reason or state.error)
        self._clear_gauge(task, state)
        self._tasks[task] = _State(state="ok")

    def standby(self, task: str) -> None:
        """Not running here (another replica holds its lease, or the replica is stopping): nothing to report."""
        state = self._state(task)
        self._clear_gauge(task, state)
        self._tasks[task] = _State(state="standby")

    def blocked(self, task: str, reason: str, hint: str, detail: str = "") -> None:
        state = self._state(task)
        now = self.clock()
        changed = state.state != "blocked" or state.reason != reason
        if changed:
            self._clear_gauge(task, state)
            state.failing_since = state.failing_since or now
        state.state, state.reason, state.hint, state.detail, state.error = "blocked", reason, hint, detail, ""
        state.stalled = False
        self.metrics.task_blocked.labels(self.service, task, reason).set(1)
        if changed or now - state.logged_at >= REMINDER_SECONDS:
            state.logged_at = now
            log.error("task_blocked", service=self.service, task=task, reason=reason, hint=hint, detail=detail[:300])

    def retrying(
        self, task: str, error: str, *, reason: str = "stalled", hint: str = "", progress: int | None = None
    ) -> None:
        """A failure or wait that may pass by itself; once it lasts past the stall threshold with no progress it
        counts as blocked (`reason`). `progress` (a sequence that grows while the task gets somewhere) restarts the
        clock whenever it increases."""
        state = self._state(task)
        now = self.clock()
        if state.state == "blocked" and (not state.stalled or state.reason != reason):
            # A task blocked for a definite reason stays so until it runs again (`ok`).
            return
        if progress is not None:
            if state.progress is not None and progress > state.progress:
                self._progressed(task, state, now)
            state.progress = progress if state.progress is None else max(progress, state.progress)
        if state.failing_since is None:
            state.failing_since = now
        state.error, state.hint = error, hint or f"see the log for `{task}` errors ({DOCS})"
        if now - state.failing_since < self.stall_after:
            state.state, state.reason = "retrying", reason
            return
        escalated = state.state != "blocked"
        if escalated:
            state.state, state.reason, state.stalled = "blocked", reason, True
            state.detail = f"retrying for {int(now - state.failing_since)} s"
            self.metrics.task_blocked.labels(self.service, task, reason).set(1)
        if escalated or now - state.logged_at >= REMINDER_SECONDS:
            state.logged_at = now
            log.error("task_blocked", service=self.service, task=task, reason=reason, hint=state.hint, error=error)

    def _progressed(self, task: str, state: _State, now: float) -> None:
        """Moving again: the stall clock restarts, and a task blocked only for stalling is retrying again."""
        state.failing_since = now
        if state.state == "blocked":
            log.info("task_progressing", service=self.service, task=task, reason=state.reason)
            self._clear_gauge(task, state)
            state.state, state.detail, state.logged_at, state.stalled = "retrying", "", 0.0, False

    def _clear_gauge(self, task: str, state: _State) -> None:
        if state.state == "blocked" and state.reason:
            with contextlib.suppress(KeyError):
                self.metrics.task_blocked.remove(self.service, task, state.reason)

    def snapshot(self) -> tuple[bool, list[dict[str, Any]]]:
        """Whether every task can make progress, and each task's state (reasons and hints, never event data)."""
        now = self.clock()
        tasks: list[dict[str, Any]] = []
        healthy = True
        for name, state in sorted(self._tasks.items()):
            if state.state == "retrying" and state.failing_since is not None:
                # Stalled without another failure being reported (a task that waits): re-evaluated here.
                self.retrying(name, state.error, reason=state.reason or "stalled", hint=state.hint)
            entry: dict[str, Any] = {"task": name, "status": state.state}
            if state.state in ("retrying", "blocked"):
                entry.update(reason=state.reason, hint=state.hint)
                if state.error:
                    entry["error"] = state.error
                if state.failing_since is not None:
                    entry["for_seconds"] = int(now - state.failing_since)
            if state.state == "blocked":
                healthy = False
                if state.detail:
                    entry["detail"] = state.detail
            tasks.append(entry)
        return healthy, tasks


@dataclass(frozen=True)
class TaskReport:
    """One task's handle on the replica's health (what a relay, consumer or projection is given)."""

    health: TaskHealth
    task: str

    def ok(self) -> None:
        self.health.ok(self.task)

    def retrying(self, error: str, *, reason: str = "stalled", hint: str = "", progress: int | None = None) -> None:
        self.health.retrying(self.task, error, reason=reason, hint=hint, progress=progress)

    def blocked(self, blocked: TaskBlocked) -> None:
        self.health.blocked(self.task, blocked.reason, blocked.hint, blocked.detail)

    @property
    def state(self) -> str:
        return self.health._state(self.task).state


def detached(task: str) -> TaskReport:
    """A report nobody reads: for a relay or consumer built outside a kernel (tests, operator tools)."""
    return TaskReport(TaskHealth("-", KernelMetrics()), task)
