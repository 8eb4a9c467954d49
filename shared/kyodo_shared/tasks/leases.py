"""Leases: one active holder per role (the relay of a service, the consumer of a source, the auditor of a
service), the same mechanism on PostgreSQL and SQLite. Each takeover raises the epoch; writes made under a
lease check, in their own transaction, that the epoch is still current, so a holder that lost its lease
(paused, partitioned) can write nothing.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import structlog

from kyodo_shared.store.db import Database, Tx
from kyodo_shared.store.migrations import upgrade_kernel
from kyodo_shared.tasks.aio import sleep_or_stop

log = structlog.get_logger(__name__)

Clock = Callable[[], float]


class LeaseLost(Exception):
    """This replica no longer holds the lease: the write was refused."""


@dataclass
class Lease:
    role: str
    holder: str
    epoch: int
    ttl: float
    # Local deadline (monotonic): a paused process sees it has passed the moment it resumes.
    deadline: float = field(default=0.0)

    def valid(self) -> bool:
        return time.monotonic() < self.deadline

    def check(self, tx: Tx, now: float | None = None) -> None:
        """Inside a write transaction: refuse unless this lease is still the current one."""
        now = time.time() if now is None else now
        if not self.valid():
            raise LeaseLost(self.role)
        row = tx.fetchone(
            "SELECT 1 FROM kyodo_leases WHERE role = %s AND holder = %s AND epoch = %s AND expires_at > %s",
            (self.role, self.holder, self.epoch, now),
        )
        if row is None:
            raise LeaseLost(self.role)


class LeaseStore:
    def __init__(self, db: Database, clock: Clock = time.time) -> None:
        self.db, self.clock = db, clock

    def migrate(self) -> None:
        # The lease table is a kernel table: the kernel lineage creates it with the others (store/migrations).
        upgrade_kernel(self.db)

    def acquire(self, role: str, holder: str, ttl: float) -> Lease | None:
        started = time.monotonic()
        now = self.clock()
        with self.db.transaction() as tx:
            row = tx.fetchone("SELECT holder, epoch, expires_at FROM kyodo_leases WHERE role = %s", (role,))
            if row is None:
                tx.execute(
                    "INSERT INTO kyodo_leases (role, holder, epoch, expires_at) VALUES (%s, %s, 1, %s) "
                    "ON CONFLICT (role) DO NOTHING",
                    (role, holder, now + ttl),
                )
                row = tx.fetchone("SELECT holder, epoch, expires_at FROM kyodo_leases WHERE role = %s", (role,))
                assert row is not None
                if str(row[0]) != holder:
                    return None
                epoch = int(row[1])
            elif str(row[0]) == holder and float(row[2]) > now:
                epoch = int(row[1])
                tx.execute("UPDATE kyodo_leases SET expires_at = %s WHERE role = %s", (now + ttl, role))
            elif float(row[2]) <= now:
                epoch = int(row[1]) + 1
                taken = tx.execute(
                    "UPDATE kyodo_leases SET holder = %s, epoch = %s, expires_at = %s "
                    "WHERE role = %s AND epoch = %s AND expires_at <= %s",
                    (holder, epoch, now + ttl, role, int(row[1]), now),
                )
                if taken != 1:
                    return None
            else:
                return None
        return Lease(role, holder, epoch, ttl, deadline=started + ttl)

    def renew(self, lease: Lease) -> bool:
        started = time.monotonic()
        now = self.clock()
        if not lease.valid():
            return False
        with self.db.transaction() as tx:
            renewed = tx.execute(
                "UPDATE kyodo_leases SET expires_at = %s WHERE role = %s AND holder = %s AND epoch = %s "
                "AND expires_at > %s",
                (now + lease.ttl, lease.role, lease.holder, lease.epoch, now),
            )
        if renewed == 1:
            lease.deadline = started + lease.ttl
        return renewed == 1

    def release(self, lease: Lease) -> None:
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE kyodo_leases SET expires_at = 0 WHERE role = %s AND holder = %s AND epoch = %s",
                (lease.role, lease.holder, lease.epoch),
            )
        lease.deadline = 0.0


Runner = Callable[[asyncio.Event, Lease], Coroutine[Any, Any, None]]


async def run_leased(
    store: LeaseStore, role: str, runner: Runner, stop: asyncio.Event, *, ttl: float, holder: str | None = None
) -> None:
    """Run `runner` only while this replica holds the role's lease; stand by otherwise; release on stop."""
    holder = holder or str(uuid.uuid4())
    while not stop.is_set():
        try:
            lease = await asyncio.to_thread(store.acquire, role, holder, ttl)
        except Exception as exc:  # noqa: BLE001 - an unreachable store must not end the role for good
            # Taking the lease failed (the store is down or restarting): stand by and try again, as when it is held.
            log.warning("lease_store_unreachable", role=role, error=type(exc).__name__)
            lease = None
        if lease is None:
            await sleep_or_stop(stop, ttl / 3)
            continue
        log.info("lease_acquired", role=role, epoch=lease.epoch, holder=holder)
        lost = asyncio.Event()
        task = asyncio.create_task(runner(lost, lease))
        try:
            while not stop.is_set() and not task.done():
                await sleep_or_stop(stop, ttl / 3)
                if stop.is_set() or task.done():
                    break
                if not await _renewed(store, lease):
                    log.warning("lease_lost", role=role, epoch=lease.epoch)
                    break
        finally:
            lost.set()
            (outcome,) = await asyncio.gather(task, return_exceptions=True)
            if stop.is_set() and lease.valid():
                try:
                    await asyncio.to_thread(store.release, lease)
                    log.info("lease_released", role=role, epoch=lease.epoch)
                except Exception as exc:  # noqa: BLE001 - unreleased, it expires after its TTL
                    log.warning("lease_release_failed", role=role, error=type(exc).__name__)
        if isinstance(outcome, Exception) and not isinstance(outcome, LeaseLost):
            # The work stopped on its own: say why, pause, and run it again while the lease is still ours.
            log.error(
                "leased_task_crashed",
                role=role,
                error=type(outcome).__name__,
                detail=(str(outcome).splitlines() or [""])[0][:300],
            )
            await sleep_or_stop(stop, 1.0)


async def _renewed(store: LeaseStore, lease: Lease) -> bool:
    """Renew the lease; when the store cannot be reached, it stays ours until its local deadline (every write under
    it checks its epoch in the store anyway), and is lost after."""
    try:
        return await asyncio.to_thread(store.renew, lease)
    except Exception as exc:  # noqa: BLE001 - an unreachable store must not end the role for good
        log.warning("lease_renewal_failed", role=lease.role, error=type(exc).__name__)
        return lease.valid()
