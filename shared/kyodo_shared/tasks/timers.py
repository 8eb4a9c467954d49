"""Durable timers: "at time T do X for aggregate A", kept in the service's own database.

A timer survives restarts, catches up after downtime and runs once across replicas: a replica claims a due timer
for a short lease (one UPDATE that only one replica can win), runs its action, then marks it fired. If the replica
dies between the action and the mark, the claim lapses and another replica runs the action again, so actions must
be idempotent — which a command that checks its aggregate's state ("lapse if still overdue") already is.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog

from kyodo_shared.store.db import Database, Tx
from kyodo_shared.store.migrations import upgrade_kernel
from kyodo_shared.tasks.aio import sleep_or_stop

log = structlog.get_logger(__name__)

PENDING, FIRED, CANCELLED = "pending", "fired", "cancelled"

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Timer:
    timer_id: str
    kind: str
    aggregate_id: str
    due_at: datetime
    payload: dict[str, Any]
    attempts: int


Action = Callable[[Timer], None]


def timer_id_for(kind: str, aggregate_id: str, due_at: datetime) -> str:
    """Scheduling the same thing twice gives the same timer, so a retried command schedules it once."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"kyodo:timer:{kind}:{aggregate_id}:{due_at.isoformat()}"))


def schedule_in(
    tx: Tx, kind: str, aggregate_id: str, due_at: datetime, payload: Mapping[str, Any] | None = None
) -> str:
    """Schedule a timer inside the caller's transaction: a consumer's handler schedules the command a message
    asks for together with its tracked sequence, so the command runs once even if the consumer crashes between
    them (the timer is the durable "to do"; its action must be idempotent, as every timer action is).

    Scheduling again what is pending or has fired changes nothing. Scheduling again what was cancelled brings it
    back (an item unscheduled and then scheduled for the same moment must fire): pending, with the new payload and
    its attempts cleared."""
    if due_at.tzinfo is None:
        raise ValueError("due_at must carry a time zone")
    timer_id = timer_id_for(kind, aggregate_id, due_at)
    tx.execute(
        "INSERT INTO kyodo_timers (timer_id, kind, aggregate_id, due_at, payload, state) "
        "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (timer_id) DO UPDATE SET state = excluded.state, "
        "payload = excluded.payload, claimed_by = NULL, claimed_until = NULL, attempts = 0, last_error = NULL "
        "WHERE kyodo_timers.state = %s",
        (timer_id, kind, aggregate_id, due_at.timestamp(), json.dumps(dict(payload or {})), PENDING, CANCELLED),
    )
    return timer_id


class Timers:
    """The timers of one service, and the loop that fires them."""

    def __init__(
        self,
        db: Database,
        *,
        replica: str | None = None,
        clock: Clock = lambda: datetime.now(UTC),
        claim_seconds: float = 60.0,
        retry_seconds: float = 30.0,
        real_time: Callable[[], float] = time.time,
    ) -> None:
        self.db, self.clock = db, clock
        self.replica = replica or str(uuid.uuid4())
        self.claim_seconds, self.retry_seconds = claim_seconds, retry_seconds
        # Beyond this, a claim was set on a moved clock (before claims were on real time); the hour keeps a replica
        # whose clock runs a little behind from taking a live claim.
        self._longest_hold = max(claim_seconds, retry_seconds) + 3600
        # Claims and retry pauses run on real time (tests inject their own), due dates on the service's clock.
        self.real_time = real_time

    def migrate(self) -> None:
        # The timer table is a kernel table: the kernel lineage creates it with the others (store/migrations).
        upgrade_kernel(self.db)

    def schedule(self, kind: str, aggregate_id: str, due_at: datetime, payload: Mapping[str, Any] | None = None) -> str:
        if due_at.tzinfo is None:
            raise ValueError("due_at must carry a time zone")
        with self.db.transaction() as tx:
            return schedule_in(tx, kind, aggregate_id, due_at, payload)

    def cancel(self, timer_id: str) -> bool:
        with self.db.transaction() as tx:
            return (
                tx.execute(
                    "UPDATE kyodo_timers SET state = %s WHERE timer_id = %s AND state = %s",
                    (CANCELLED, timer_id, PENDING),
                )
                == 1
            )

    def state_of(self, timer_id: str) -> str | None:
        with self.db.transaction() as tx:
            row = tx.fetchone("SELECT state FROM kyodo_timers WHERE timer_id = %s", (timer_id,))
        return str(row[0]) if row else None

    def _claim(self) -> Timer | None:
        # Due by the service's clock (which staging may move); a claim lasts real seconds, whatever the clock does:
        # on the service's clock, moving it ahead would expire a claim still being worked on, and moving it back
        # would leave a claim held for as long as it had moved. A claim ending further ahead than any this code sets
        # was set on a moved clock (before claims were on real time): it is stale.
        now, real = self.clock().timestamp(), self.real_time()
        # The poll itself reads without the write lock; only a due timer is claimed in a write transaction.
        with self.db.transaction(read_only=True) as tx:
            row = tx.fetchone(
                "SELECT timer_id, kind, aggregate_id, due_at, payload, attempts FROM kyodo_timers "
                "WHERE state = %s AND due_at <= %s AND (claimed_until IS NULL OR claimed_until < %s "
                "OR claimed_until > %s) ORDER BY due_at, timer_id LIMIT 1",
                (PENDING, now, real, real + self._longest_hold),
            )
        if row is None:
            return None
        with self.db.transaction() as tx:
            # Only one replica's UPDATE matches: the condition it read is re-checked inside the statement.
            won = tx.execute(
                "UPDATE kyodo_timers SET claimed_by = %s, claimed_until = %s, attempts = attempts + 1 "
                "WHERE timer_id = %s AND state = %s AND (claimed_until IS NULL OR claimed_until < %s "
                "OR claimed_until > %s)",
                (self.replica, real + self.claim_seconds, row[0], PENDING, real, real + self._longest_hold),
            )
        if won != 1:
            return None
        return Timer(
            str(row[0]),
            str(row[1]),
            str(row[2]),
            datetime.fromtimestamp(float(row[3]), UTC),
            json.loads(str(row[4])),
            int(row[5]) + 1,
        )

    def _finish(self, timer: Timer, error: str | None) -> None:
        now = self.clock().timestamp()
        with self.db.transaction() as tx:
            if error is None:
                tx.execute(
                    "UPDATE kyodo_timers SET state = %s, fired_at = %s WHERE timer_id = %s AND claimed_by = %s",
                    (FIRED, now, timer.timer_id, self.replica),
                )
            else:
                # Released with a pause, so a failing action is retried later rather than in a tight loop.
                tx.execute(
                    "UPDATE kyodo_timers SET claimed_until = %s, last_error = %s "
                    "WHERE timer_id = %s AND claimed_by = %s",
                    (self.real_time() + self.retry_seconds, error[:500], timer.timer_id, self.replica),
                )

    def fire_due(self, actions: Mapping[str, Action], limit: int = 100) -> int:
        """Run every due timer this replica can claim; returns how many fired."""
        fired = 0
        for _ in range(limit):
            timer = self._claim()
            if timer is None:
                break
            action = actions.get(timer.kind)
            try:
                if action is None:
                    raise LookupError(f"no action for timer kind {timer.kind}")
                action(timer)
            except Exception as exc:  # noqa: BLE001 - retried after retry_seconds
                log.warning("timer_failed", kind=timer.kind, timer_id=timer.timer_id, error=type(exc).__name__)
                self._finish(timer, f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0]}")
                continue
            self._finish(timer, None)
            fired += 1
        return fired

    def failing(self) -> tuple[int, str, str] | None:
        """Due timers whose last attempt failed: (how many, the oldest one's kind, its error), or None."""
        now = self.clock().timestamp()
        with self.db.transaction(read_only=True) as tx:
            count = tx.fetchone(
                "SELECT COUNT(*) FROM kyodo_timers WHERE state = %s AND due_at <= %s AND last_error IS NOT NULL",
                (PENDING, now),
            )
            if not count or not int(count[0]):
                return None
            oldest = tx.fetchone(
                "SELECT kind, last_error FROM kyodo_timers WHERE state = %s AND due_at <= %s "
                "AND last_error IS NOT NULL ORDER BY due_at, timer_id LIMIT 1",
                (PENDING, now),
            )
        kind, error = (str(oldest[0]), str(oldest[1])) if oldest else ("", "")
        return int(count[0]), kind, error

    async def run(
        self,
        stop: asyncio.Event,
        actions: Mapping[str, Action],
        poll_seconds: float = 1.0,
        failing_gauge: Callable[[int], None] | None = None,
    ) -> None:
        """Fire due timers until stopped. A timer whose action keeps failing is retried; `failing_gauge` hears how
        many due timers failed their last attempt after every pass (the kernel's /metrics), and /readyz lists them
        (`failing()`): a durable "to do" that cannot be done must not wait in silence. They do not fail readiness
        (like parked messages): one project waiting on a fact from another service must not take the API down."""
        while not stop.is_set():
            try:
                await asyncio.to_thread(self.fire_due, actions)
                if failing_gauge is not None:
                    found = await asyncio.to_thread(self.failing)
                    failing_gauge(found[0] if found else 0)
            except Exception as exc:  # noqa: BLE001
                log.warning("timers_error", error=type(exc).__name__)
            await sleep_or_stop(stop, poll_seconds)
