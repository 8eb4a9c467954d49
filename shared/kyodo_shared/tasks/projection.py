"""Query tables a service keeps of its own events (lists, search), following its notification log.

Each batch of notifications is applied with the projection's position in one transaction, under a lease, so the
table is exactly what the store says up to that position, and a former lease holder can write nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

import structlog

from kyodo_shared.store.db import Database, Tx
from kyodo_shared.store.migrations import upgrade_kernel
from kyodo_shared.tasks.aio import sleep_or_stop
from kyodo_shared.tasks.health import DOCS, TaskReport, detached
from kyodo_shared.tasks.leases import Lease, LeaseLost

log = structlog.get_logger(__name__)

# Given the application and a batch of its domain events (in store order), prepares the rows (reading the store
# as needed) and returns what writes them; the write runs in a short transaction with the position.
ProjectionHandler = Callable[[Any, Sequence[Any]], Callable[[Tx], None]]


class Projector:
    def __init__(
        self,
        name: str,
        application: Any,
        db: Database,
        handle: ProjectionHandler,
        *,
        batch: int = 500,
        health: TaskReport | None = None,
    ) -> None:
        self.name, self.app, self.db, self.handle, self.batch = name, application, db, handle, batch
        self.health = health or detached(name)
        self.lease: Lease | None = None
        self._nudge = asyncio.Event()
        # The position as this projector last read or wrote it; None: read it from the table.
        self._position: int | None = None

    def migrate(self) -> None:
        # The position is a kernel table: the kernel lineage creates it with the others (store/migrations).
        upgrade_kernel(self.db)

    def position(self) -> int:
        with self.db.transaction(read_only=True) as tx:
            row = tx.fetchone("SELECT position FROM kyodo_projection_position WHERE name = %s", (self.name,))
        return int(row[0]) if row else 0

    def catch_up(self) -> int:
        """Apply every stored event not applied yet (as of the read); returns how many.

        A batch shorter than `batch` ends the round: what commits after the read nudges the next one (`run` clears
        the nudge before each round), so no second, empty read per round. The position is read once and then kept:
        each write moves it only from the value kept (`moved under us` otherwise, and the next round reads it
        again)."""
        applied = 0
        while True:
            start = self._position if self._position is not None else self.position()
            notifications = self.app.recorder.select_notifications(
                start=start, limit=self.batch, inclusive_of_start=False
            )
            if not notifications:
                self._position = start
                return applied
            events = [self.app.mapper.to_domain_event(n) for n in notifications]
            write = self.handle(self.app, events)
            self._position = None
            with self.db.transaction() as tx:
                if self.lease is not None:
                    self.lease.check(tx)
                write(tx)
                if start == 0:
                    tx.execute(
                        "INSERT INTO kyodo_projection_position (name, position) VALUES (%s, 0) "
                        "ON CONFLICT (name) DO NOTHING",
                        (self.name,),
                    )
                moved = tx.execute(
                    "UPDATE kyodo_projection_position SET position = %s WHERE name = %s AND position = %s",
                    (notifications[-1].id, self.name, start),
                )
                if moved != 1:
                    raise RuntimeError(f"projection {self.name} moved under us")
            self._position = notifications[-1].id
            applied += len(notifications)
            if len(notifications) < self.batch:
                return applied

    def forget_position(self) -> None:
        """The next round reads the position from the table (after something else moved or removed it)."""
        self._position = None

    def nudge(self) -> None:
        self._nudge.set()

    async def run(self, stop: asyncio.Event, poll_seconds: float = 0.5) -> None:
        # Each run (a lease newly held, perhaps after another holder or a rebuild moved the position) reads the
        # position from the table first.
        self.forget_position()
        while not stop.is_set():
            # Cleared before the round, not after it: a nudge for a commit the round's read missed is kept.
            self._nudge.clear()
            try:
                await asyncio.to_thread(self.catch_up)
            except LeaseLost:
                raise
            except Exception as exc:  # noqa: BLE001 - retried after a pause
                log.warning("projection_error", projection=self.name, error=type(exc).__name__)
                # A handler that keeps failing leaves the query table behind: readiness says so past the threshold.
                self.health.retrying(
                    type(exc).__name__,
                    reason="projection_failing",
                    hint=f"projection {self.name} keeps failing: see `projection_error` in the log; it resumes by "
                    f"itself once the cause is fixed ({DOCS})",
                )
                await sleep_or_stop(stop, 1.0)
                continue
            self.health.ok()
            waiters = [asyncio.ensure_future(self._nudge.wait()), asyncio.ensure_future(stop.wait())]
            await asyncio.wait(waiters, timeout=poll_seconds, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
