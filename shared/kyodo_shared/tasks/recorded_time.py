"""The time recorded with each stored event — its `timestamp`, the `ce-time` of what it publishes — comes from the
service's clock, not the machine's, so a staging clock moves recorded times with deadlines and timers.

Why it matters: a service compares another's recorded times with its own deadlines (proposals keeps each group's
standing by the registry's `ce-time` and asks for the standing *at a call's deadline*). With deadlines on a clock
moved 400 days ahead and recorded times on real time, a suspension made after the deadline would read as made before
it, and a proposal would be set aside unfairly.

eventsourcing stamps every new event with `create_timestamp()`, a static method of its `CanCreateTimestamp` (pinned
version: eventsourcing 9.5.6, domain.py); it offers no other hook. `record_on_service_clocks()` points that method,
once per process, at `recorded_now()`: the clock of the service whose work is running — set per request by the
service's app (web/app.py), and for its background tasks when the kernel starts them (runtime.py) — else real time.
It is a context variable rather than a process setting because `kyodo up` and the tests run several services, with
their own clocks, in one process. tests/e2e/test_recorded_times.py fails if an eventsourcing upgrade bypasses it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from eventsourcing.domain import CanCreateTimestamp

log = structlog.get_logger(__name__)

_SERVICE_CLOCK: ContextVar[Callable[[], datetime] | None] = ContextVar("kyodo_service_clock", default=None)


def recorded_now() -> datetime:
    """Now, by the clock of the service whose work is running (real time outside any)."""
    clock = _SERVICE_CLOCK.get()
    return clock() if clock is not None else datetime.now(UTC)


@contextmanager
def recording_on(clock: Callable[[], datetime]) -> Iterator[None]:
    """Events created inside (and in tasks and threads started inside) are stamped by `clock`."""
    token = _SERVICE_CLOCK.set(clock)
    try:
        yield
    finally:
        _SERVICE_CLOCK.reset(token)


def record_on_service_clocks() -> None:
    """Make eventsourcing stamp new events with `recorded_now` (idempotent; called by each composition root)."""
    CanCreateTimestamp.create_timestamp = staticmethod(recorded_now)  # type: ignore[method-assign]


# How far behind its store's last recorded event a starting service's clock may be: replicas' clocks differ a little.
BEHIND_TOLERANCE = timedelta(minutes=10)


class ClockBehindStore(RuntimeError):
    """The service's clock reads earlier than what its store already recorded."""


def check_clock_not_behind(application: Any, clock: Callable[[], datetime]) -> None:
    """Refuse to serve on a clock earlier than the store's last recorded event (beyond the tolerance).

    A staging store whose clock was moved ahead (`KYODO_CLOCK__OFFSET`, `kyodo clock advance`) and is then started
    without the offset, or without `KYODO_CLOCK__ALLOW_SHIFT`, would run in its own past: deadlines reopen, timers
    wait months, new events are recorded before old ones. Nothing may move a store's time back.
    """
    last = application.recorder.max_notification_id()
    if not last:
        return
    stored = application.recorder.select_notifications(start=last, limit=1)
    if not stored:
        return
    recorded: datetime = application.mapper.to_domain_event(stored[0]).timestamp
    now = clock()
    if now >= recorded - BEHIND_TOLERANCE:
        return
    hint = (
        "this store's clock was moved ahead before: start the service with the same KYODO_CLOCK__OFFSET and "
        "KYODO_CLOCK__ALLOW_SHIFT=true as before (a staging store never goes back in time; start a new store for "
        "real time)"
    )
    log.error("clock_behind_store", last_recorded=recorded.isoformat(), now=now.isoformat(), hint=hint)
    raise ClockBehindStore(
        f"the service's clock reads {now.isoformat()}, before its store's last event ({recorded.isoformat()}): {hint}"
    )
