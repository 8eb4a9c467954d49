"""Durable timers on SQLite and PostgreSQL: due only by the (injected) clock, once across replicas, after downtime."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kyodo_shared.store.db import Database, PostgresDatabase, SqliteDatabase
from kyodo_shared.tasks.timers import CANCELLED, FIRED, Timer, Timers

T0 = datetime(2027, 4, 1, 0, 0, tzinfo=UTC)


class Clock:
    """The service's clock (`now`, which staging may move) and real time (`real`, seconds), each set by the test."""

    def __init__(self) -> None:
        self.now = T0
        self.real = 1_000_000.0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        self.real += seconds


@pytest.fixture(params=["sqlite", "postgres"])
def open_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[object]:
    opened: list[Database] = []

    def factory() -> Database:
        if request.param == "sqlite":
            db: Database = SqliteDatabase(tmp_path / "timers.sqlite")
        else:
            db = PostgresDatabase(request.getfixturevalue("pg_database"), "registry", 4)
        opened.append(db)
        return db

    yield factory
    for db in opened:
        db.close()


def replica(open_db: object, clock: Clock, name: str) -> Timers:
    timers = Timers(
        open_db(),  # type: ignore[operator]
        replica=name,
        clock=clock,
        claim_seconds=60,
        retry_seconds=30,
        real_time=lambda: clock.real,
    )
    timers.migrate()
    return timers


def test_a_timer_fires_only_once_its_time_has_come(open_db: object) -> None:
    clock, fired = Clock(), Counter[str]()
    timers = replica(open_db, clock, "a")
    timer_id = timers.schedule("renewal.lapse", "group-1", T0 + timedelta(days=30))
    actions = {"renewal.lapse": lambda t: fired.update([t.aggregate_id])}
    assert timers.fire_due(actions) == 0
    clock.now = T0 + timedelta(days=30)
    assert timers.fire_due(actions) == 1
    assert timers.fire_due(actions) == 0
    assert fired == Counter({"group-1": 1})
    assert timers.state_of(timer_id) == FIRED


def test_scheduling_the_same_timer_twice_keeps_one(open_db: object) -> None:
    timers = replica(open_db, Clock(), "a")
    assert timers.schedule("k", "g", T0) == timers.schedule("k", "g", T0)


def test_a_timer_due_while_every_replica_was_down_fires_once_on_restart(open_db: object) -> None:
    clock, fired = Clock(), Counter[str]()
    replica(open_db, clock, "before").schedule("call.deadline", "call-1", T0 + timedelta(hours=1))
    clock.now = T0 + timedelta(days=3)  # nobody was running
    restarted = replica(open_db, clock, "after")
    assert restarted.fire_due({"call.deadline": lambda t: fired.update([t.aggregate_id])}) == 1
    assert fired == Counter({"call-1": 1})


def test_two_replicas_racing_fire_each_timer_once(open_db: object) -> None:
    clock, fired, lock = Clock(), Counter[str](), threading.Lock()
    first, second = replica(open_db, clock, "r1"), replica(open_db, clock, "r2")
    for n in range(30):
        first.schedule("k", f"agg-{n}", T0)

    def action(timer: Timer) -> None:
        with lock:
            fired.update([timer.aggregate_id])

    threads = [threading.Thread(target=r.fire_due, args=({"k": action},)) for r in (first, second, first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert fired == Counter({f"agg-{n}": 1 for n in range(30)})


def test_a_failing_action_is_retried_later_and_a_cancelled_timer_never_fires(open_db: object) -> None:
    clock, attempts = Clock(), Counter[str]()
    timers = replica(open_db, clock, "a")
    timers.schedule("k", "flaky", T0)
    cancelled = timers.schedule("k", "cancelled", T0)
    assert timers.cancel(cancelled)

    def flaky(timer: Timer) -> None:
        attempts.update([timer.aggregate_id])
        if attempts[timer.aggregate_id] == 1:
            raise RuntimeError("store unavailable")

    assert timers.fire_due({"k": flaky}) == 0
    assert timers.fire_due({"k": flaky}) == 0  # not before the retry pause
    clock.advance(31)
    assert timers.fire_due({"k": flaky}) == 1
    assert attempts == Counter({"flaky": 2})
    assert timers.state_of(cancelled) == CANCELLED


def test_a_cancelled_timer_scheduled_again_for_the_same_moment_fires_once_and_a_fired_one_stays_fired(
    open_db: object,
) -> None:
    # An item unscheduled and scheduled again for the same time (the same timer id): it must not stay cancelled.
    clock, fired = Clock(), Counter[str]()
    timers = replica(open_db, clock, "a")
    timer_id = timers.schedule("k", "news-1", T0 + timedelta(hours=1), {"publish_at": "first"})
    assert timers.cancel(timer_id)
    assert timers.schedule("k", "news-1", T0 + timedelta(hours=1), {"publish_at": "again"}) == timer_id
    clock.advance(3600)

    def action(timer: Timer) -> None:
        fired.update([timer.payload["publish_at"]])

    assert timers.fire_due({"k": action}) == 1
    assert fired == Counter({"again": 1})
    # Scheduling what has fired changes nothing: it does not fire twice.
    timers.schedule("k", "news-1", T0 + timedelta(hours=1), {"publish_at": "third"})
    assert timers.state_of(timer_id) == FIRED
    assert timers.fire_due({"k": action}) == 0
    assert fired == Counter({"again": 1})


def test_due_timers_whose_action_keeps_failing_are_counted_with_the_oldest_error_until_they_succeed(
    open_db: object,
) -> None:
    clock = Clock()
    timers = replica(open_db, clock, "a")
    timers.schedule("evaluation.project.create", "p-1", T0)
    timers.schedule("evaluation.project.create", "p-2", T0 + timedelta(hours=1))  # not due yet: never counted
    arrived = [False]

    def create(timer: Timer) -> None:
        if not arrived[0]:
            raise LookupError("screening decision d-1 has not arrived yet")

    assert timers.failing() is None
    timers.fire_due({"evaluation.project.create": create})
    assert timers.failing() == (
        1,
        "evaluation.project.create",
        "LookupError: screening decision d-1 has not arrived yet",
    )
    arrived[0] = True
    clock.advance(31)
    assert timers.fire_due({"evaluation.project.create": create}) == 1
    assert timers.failing() is None


def test_a_replica_that_died_after_claiming_leaves_the_timer_to_another_once_the_claim_lapses(
    open_db: object,
) -> None:
    clock, fired = Clock(), Counter[str]()
    dead, alive = replica(open_db, clock, "dead"), replica(open_db, clock, "alive")
    dead.schedule("k", "g", T0)
    assert dead._claim() is not None  # claimed, then the process died
    assert alive.fire_due({"k": lambda t: fired.update([t.aggregate_id])}) == 0
    clock.advance(61)
    assert alive.fire_due({"k": lambda t: fired.update([t.aggregate_id])}) == 1
    assert fired == Counter({"g": 1})


def test_a_claim_lasts_real_seconds_whichever_way_the_services_clock_moves(open_db: object) -> None:
    clock, fired = Clock(), Counter[str]()
    dead, alive = replica(open_db, clock, "dead"), replica(open_db, clock, "alive")
    dead.schedule("k", "g", T0)
    # Claimed while staging had the clock five days ahead; the replica died; the clock is moved back.
    clock.now = T0 + timedelta(days=5)
    assert dead._claim() is not None
    clock.now = T0
    assert alive.fire_due({"k": lambda t: fired.update([t.aggregate_id])}) == 0
    # The claim lapses after its 60 real seconds, not after the five days the clock had moved.
    clock.real += 61
    assert alive.fire_due({"k": lambda t: fired.update([t.aggregate_id])}) == 1
    # Moving the clock ahead does not expire a live claim either.
    alive.schedule("k", "h", T0)
    assert alive._claim() is not None
    clock.now = T0 + timedelta(days=400)
    assert dead.fire_due({"k": lambda t: fired.update([t.aggregate_id])}) == 0
    assert fired == Counter({"g": 1})


async def test_a_running_kernel_fires_its_services_timers(tmp_path: Path, nats_url: str, bus_namespace: str) -> None:

    from support.bus import bare_kernel, probe_settings
    from support.harness import eventually

    fired: list[str] = []
    kernel = bare_kernel(
        "probe",
        probe_settings(tmp_path / "probe.sqlite", nats_url, bus_namespace),
        timer_actions={"probe.ping": lambda t: fired.append(t.aggregate_id)},
    )
    kernel.timers.schedule("probe.ping", "a-1", datetime.now(UTC) - timedelta(seconds=1))
    await kernel.start()
    try:
        await eventually(lambda: fired == ["a-1"], timeout=10)
    finally:
        await kernel.stop()
        kernel.close()


async def test_a_timer_that_keeps_failing_shows_in_readiness_and_metrics_without_making_the_service_unready(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    from support.bus import bare_kernel, probe_settings
    from support.harness import eventually

    def waits(timer: Timer) -> None:
        raise LookupError(f"the fact {timer.aggregate_id} needs has not arrived")

    kernel = bare_kernel(
        "probe", probe_settings(tmp_path / "probe.sqlite", nats_url, bus_namespace), timer_actions={"probe.wait": waits}
    )
    kernel.timers.schedule("probe.wait", "a-1", datetime.now(UTC) - timedelta(seconds=1))
    await kernel.start()
    try:
        gauge = kernel.metrics.timers_failing.labels("probe")
        await eventually(lambda: gauge._value.get() == 1, timeout=10)
        ready, body = kernel.readiness()
        assert ready, body
        assert body["timers"] == {"failing": 1, "oldest": {"kind": "probe.wait", "error": "LookupError"}}
    finally:
        await kernel.stop()
        kernel.close()


def test_two_replica_processes_fire_each_timer_once(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys
    from collections import Counter as Tally

    path, out = tmp_path / "timers.sqlite", tmp_path / "fired.txt"
    timers = Timers(SqliteDatabase(path), replica="scheduler")
    timers.migrate()
    for n in range(50):
        timers.schedule("k", f"agg-{n}", datetime.now(UTC) - timedelta(seconds=1))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    procs = [
        subprocess.Popen([sys.executable, "-m", "support.run_timers", str(path), str(out), "3"], env=env)
        for _ in range(2)
    ]
    for proc in procs:
        assert proc.wait(timeout=60) == 0
    fired = Tally(out.read_text().split())
    assert fired == Tally({f"agg-{n}": 1 for n in range(50)})
