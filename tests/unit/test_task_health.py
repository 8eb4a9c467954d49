"""Task health: blocked and long-retrying tasks fail readiness with a reason and a hint, show in the gauge, and are
logged once per transition; the supervisor records why a task stopped instead of hiding it in a crash loop."""

from __future__ import annotations

import asyncio

import pytest
from structlog.testing import capture_logs

from kyodo_shared.observability.metrics import KernelMetrics
from kyodo_shared.settings import LeaseSettings
from kyodo_shared.tasks import supervisor as supervisor_module
from kyodo_shared.tasks.health import TaskBlocked, TaskHealth
from kyodo_shared.tasks.supervisor import Supervisor


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def gauge(metrics: KernelMetrics, task: str, reason: str) -> float | None:
    return metrics.registry.get_sample_value(
        "kyodo_task_blocked", {"service": "registry", "task": task, "reason": reason}
    )


def test_a_blocked_task_fails_readiness_with_its_reason_and_hint_and_is_logged_once_until_it_recovers() -> None:
    metrics = KernelMetrics()
    health = TaskHealth("registry", metrics, clock=Clock())
    with capture_logs() as logs:
        for _ in range(5):
            health.blocked("relay", "stream_behind", "run `kyodo relay reset registry`", "ends at 0")
        healthy, tasks = health.snapshot()
        assert not healthy
        assert tasks == [
            {
                "task": "relay",
                "status": "blocked",
                "reason": "stream_behind",
                "hint": "run `kyodo relay reset registry`",
                "for_seconds": 0,
                "detail": "ends at 0",
            }
        ]
        assert gauge(metrics, "relay", "stream_behind") == 1.0
        health.ok("relay")
    assert [entry["event"] for entry in logs] == ["task_blocked", "task_recovered"]
    assert logs[0]["log_level"] == "error"
    assert logs[0]["hint"] == "run `kyodo relay reset registry`"
    assert health.snapshot() == (True, [{"task": "relay", "status": "ok"}])
    assert gauge(metrics, "relay", "stream_behind") is None


def test_retrying_is_reported_but_ready_until_it_lasts_past_the_stall_threshold() -> None:
    clock, metrics = Clock(), KernelMetrics()
    health = TaskHealth("registry", metrics, stall_after_seconds=30, clock=clock)
    health.retrying("consumer:registry", "stream missing", reason="source_stream_missing", hint="start registry")
    healthy, tasks = health.snapshot()
    assert healthy
    assert tasks[0]["status"] == "retrying"
    assert tasks[0]["reason"] == "source_stream_missing"
    clock.now += 31
    with capture_logs() as logs:
        healthy, tasks = health.snapshot()  # no new failure reported: the snapshot itself sees it has lasted
    assert not healthy
    assert tasks[0]["status"] == "blocked"
    assert tasks[0]["hint"] == "start registry"
    assert gauge(metrics, "consumer:registry", "source_stream_missing") == 1.0
    assert [entry["event"] for entry in logs] == ["task_blocked"]


async def test_the_supervisor_records_a_blocked_task_and_logs_a_crash_loop_once() -> None:
    health = TaskHealth("registry", KernelMetrics())
    supervisor = Supervisor("registry", None, LeaseSettings(enabled=False), replica="r", health=health)  # type: ignore[arg-type]
    calls = {"blocked": 0, "crashing": 0}

    async def blocked(stop: asyncio.Event) -> None:
        calls["blocked"] += 1
        raise TaskBlocked("stream_behind", "run `kyodo relay reset registry`")

    async def crashing(stop: asyncio.Event) -> None:
        calls["crashing"] += 1
        raise RuntimeError("boom")

    with pytest.MonkeyPatch.context() as patch, capture_logs() as logs:
        patch.setattr(supervisor_module, "BLOCKED_PAUSE", 0.01)
        patch.setattr(supervisor_module, "CRASH_PAUSE", 0.01)
        supervisor.spawn(blocked, "relay")
        supervisor.spawn(crashing, "timers")
        while calls["blocked"] < 3 or calls["crashing"] < 3:
            await asyncio.sleep(0.01)
        await supervisor.stop()
    events = [entry["event"] for entry in logs]
    assert events.count("task_blocked") == 1
    assert events.count("kernel_task_crashed") == 1
    healthy, tasks = health.snapshot()
    assert not healthy
    assert {t["task"]: t["status"] for t in tasks} == {"relay": "blocked", "timers": "retrying"}


def test_a_task_retrying_while_its_sequence_moves_stays_ready_and_is_stalled_only_once_it_stands_still() -> None:
    clock, metrics = Clock(), KernelMetrics()
    health = TaskHealth("registry", metrics, stall_after_seconds=30, clock=clock)
    # A consumer waiting while its source's stream is re-published (after `relay reset`): long, but moving.
    for last in range(10, 200, 10):
        health.retrying("consumer:registry", "stream ends at ...", reason="source_behind_tracking", progress=last)
        clock.now += 20
        healthy, tasks = health.snapshot()
        assert healthy, tasks
        assert tasks[0]["status"] == "retrying"
    clock.now += 15  # 35 s since the last progress
    healthy, tasks = health.snapshot()
    assert not healthy
    assert (tasks[0]["status"], tasks[0]["reason"]) == ("blocked", "source_behind_tracking")
    assert gauge(metrics, "consumer:registry", "source_behind_tracking") == 1.0
    # Moving again lifts a stall (not a definite block): ready, and the gauge is cleared.
    health.retrying("consumer:registry", "stream ends at ...", reason="source_behind_tracking", progress=500)
    healthy, tasks = health.snapshot()
    assert healthy
    assert tasks[0]["status"] == "retrying"
    assert tasks[0]["for_seconds"] == 0
    assert gauge(metrics, "consumer:registry", "source_behind_tracking") is None


def test_a_definite_block_stays_blocked_whatever_progress_a_retry_reports() -> None:
    clock, metrics = Clock(), KernelMetrics()
    health = TaskHealth("registry", metrics, stall_after_seconds=30, clock=clock)
    health.retrying("relay", "x", reason="relay_failing", progress=1)
    health.blocked("relay", "store_diverged", "run `kyodo relay reset registry`")
    health.retrying("relay", "x", reason="relay_failing", progress=5)
    health.retrying("relay", "x", reason="store_diverged", progress=9)
    healthy, tasks = health.snapshot()
    assert not healthy
    assert (tasks[0]["status"], tasks[0]["reason"]) == ("blocked", "store_diverged")
    assert gauge(metrics, "relay", "store_diverged") == 1.0


def test_retrying_without_progress_reports_is_stalled_after_the_threshold_as_before() -> None:
    clock, metrics = Clock(), KernelMetrics()
    health = TaskHealth("registry", metrics, stall_after_seconds=30, clock=clock)
    for _ in range(4):
        health.retrying("relay", "ConnectionError", reason="relay_failing", progress=7)
        clock.now += 10
    healthy, tasks = health.snapshot()
    assert not healthy
    assert (tasks[0]["status"], tasks[0]["reason"]) == ("blocked", "relay_failing")
    assert gauge(metrics, "relay", "relay_failing") == 1.0
