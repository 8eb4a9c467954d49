"""A leased task outlives a store outage: while the store cannot be reached, taking or renewing the lease fails and
the replica stands by; once it answers again the lease is taken again and the task runs, with no restart."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from kyodo_shared.store.db import SqliteDatabase, Tx
from kyodo_shared.tasks.leases import Lease, LeaseStore, run_leased

from support.harness import eventually


class Unplugged(SqliteDatabase):
    """A store that can be made unreachable: every transaction then fails as a lost PostgreSQL connection does."""

    down = False

    @contextmanager
    def transaction(self, *, read_only: bool = False) -> Iterator[Tx]:
        if self.down:
            raise psycopg.OperationalError("connection refused")
        with super().transaction(read_only=read_only) as tx:
            yield tx


async def test_a_leased_task_runs_again_after_the_store_was_unreachable_for_longer_than_its_lease(
    tmp_path: Path,
) -> None:
    db = Unplugged(tmp_path / "leases.sqlite")
    store = LeaseStore(db)
    store.migrate()
    runs: list[int] = []

    async def runner(lost: asyncio.Event, lease: Lease) -> None:
        runs.append(lease.epoch)
        await lost.wait()

    stop = asyncio.Event()
    leased = asyncio.create_task(run_leased(store, "relay:registry", runner, stop, ttl=0.3, holder="a"))
    try:
        await eventually(lambda: runs == [1], timeout=5)
        db.down = True
        await asyncio.sleep(1.0)  # the outage: more than three times the lease's TTL
        assert not leased.done(), leased.exception()
        db.down = False
        await eventually(lambda: len(runs) == 2, timeout=5)
        assert runs[1] > runs[0]
        assert not leased.done()
    finally:
        stop.set()
        await asyncio.wait_for(leased, 5)
        db.close()
