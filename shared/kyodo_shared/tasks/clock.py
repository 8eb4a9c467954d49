"""The service's notion of now, one object shared by its application, timers and due dates.

A staging platform lives ahead of real time by an offset: `KYODO_CLOCK__OFFSET` at start, plus the shift that
`kyodo clock advance` records in the service's own database (`ClockShifts`). The shift is persisted rather than
sent to an admin endpoint because it must survive a restart (a lapse that fell due while the service was down has
to fire at the shifted time, once), it reaches every replica of the service alike, and it needs no token, URL or
route that production could expose: a service honours it only with `KYODO_CLOCK__ALLOW_SHIFT=true`, and its table
exists only where a shift was allowed — hence a tool's table (store/db.migrate), not part of the kernel's lineage.
Token validity is not the service clock's business: JWTs are checked against real time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from kyodo_shared.settings import MAX_CLOCK_OFFSET
from kyodo_shared.store.db import Database, migrate
from kyodo_shared.tasks.aio import sleep_or_stop

log = structlog.get_logger(__name__)

OFFSET_HEADER = "Kyodo-Clock-Offset"


class ClockShifts:
    """The running shift of one service's clock, in whole seconds, kept in one row of its database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        migrate(
            db,
            [
                "CREATE TABLE IF NOT EXISTS kyodo_clock_shift (id INTEGER PRIMARY KEY, seconds BIGINT NOT NULL, "
                "moved_at DOUBLE PRECISION NOT NULL)"
            ],
        )

    def read(self) -> timedelta:
        with self.db.transaction(read_only=True) as tx:
            row = tx.fetchone("SELECT seconds FROM kyodo_clock_shift WHERE id = 1")
        return timedelta(seconds=int(row[0])) if row else timedelta(0)

    def advance(self, by: timedelta) -> timedelta:
        """Moves the clock forward by `by` (added in one statement, so two operators' advances both count)."""
        seconds = int(by.total_seconds())
        if seconds <= 0:
            raise ValueError("the clock moves forward only")
        if self.read() + by > MAX_CLOCK_OFFSET:
            raise ValueError(f"a staging clock runs at most {MAX_CLOCK_OFFSET.days} days ahead")
        with self.db.transaction() as tx:
            tx.execute(
                "INSERT INTO kyodo_clock_shift (id, seconds, moved_at) VALUES (1, %s, %s) ON CONFLICT (id) "
                "DO UPDATE SET seconds = kyodo_clock_shift.seconds + excluded.seconds, moved_at = excluded.moved_at",
                (seconds, datetime.now(UTC).timestamp()),
            )
        return self.read()


class ServiceClock:
    """Real time plus the service's offset; `move_to` lets a test put the whole service at another time.

    One instance per service, built by the composition root and passed to whatever needs the time, so moving it
    moves the application, its durable timers and its due dates together.
    """

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self._now: Callable[[], datetime] | None = None
        self.start_offset = offset
        self.shift = timedelta(0)
        self.shifts: ClockShifts | None = None

    def __call__(self) -> datetime:
        return self._now() if self._now is not None else datetime.now(UTC) + self.start_offset + self.shift

    def move_to(self, now: Callable[[], datetime] | None) -> None:
        """`now` is called on every read (so it may itself move); None returns to the offset clock."""
        self._now = now

    @property
    def offset(self) -> timedelta:
        """How far ahead of real time the service is (whole seconds; a test's `move_to` included)."""
        if self._now is None:
            return self.start_offset + self.shift
        return timedelta(seconds=round((self._now() - datetime.now(UTC)).total_seconds()))

    def follow(self, shifts: ClockShifts) -> None:
        """Honour `kyodo clock advance`: read the recorded shift now (before any timer runs), then in `run`."""
        self.shifts = shifts
        self.shift = shifts.read()
        if self.offset:
            log.warning("clock_shifted", offset=iso_duration(self.offset), now=self().isoformat())

    async def run(self, stop: asyncio.Event, poll_seconds: float = 0.5) -> None:
        """Picks up an advance made while the service runs (every replica reads the same row)."""
        shifts = self.shifts
        if shifts is None:
            return
        while not stop.is_set():
            shift = await asyncio.to_thread(shifts.read)
            if shift != self.shift:
                self.shift = shift
                log.warning("clock_shifted", offset=iso_duration(self.offset), now=self().isoformat())
            await sleep_or_stop(stop, poll_seconds)

    def describe(self) -> dict[str, Any] | None:
        """For /readyz: None on real time, else the offset and the service's now."""
        offset = self.offset
        if not offset:
            return None
        return {
            "offset": iso_duration(offset),
            "offset_seconds": int(offset.total_seconds()),
            "now": self().isoformat(),
        }


def iso_duration(delta: timedelta) -> str:
    """ISO 8601, e.g. `P400D`, `P1DT2H30M`, `-PT5S` (a test may move a clock back)."""
    seconds = int(delta.total_seconds())
    sign, seconds = ("-", -seconds) if seconds < 0 else ("", seconds)
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    time_part = "".join(f"{n}{u}" for n, u in ((hours, "H"), (minutes, "M"), (secs, "S")) if n)
    text = f"P{days}D" if days else "P"
    if time_part:
        text += "T" + time_part
    return sign + (text if text != "P" else "PT0S")
