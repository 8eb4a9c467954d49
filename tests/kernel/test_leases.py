"""Leases on SQLite and PostgreSQL: one holder, takeover after expiry with a new epoch, fenced writes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kyodo_shared.store.db import Database, PostgresDatabase, SqliteDatabase
from kyodo_shared.tasks.leases import LeaseLost, LeaseStore


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LeaseStore]:
    if request.param == "sqlite":
        db: Database = SqliteDatabase(tmp_path / "leases.sqlite")
    else:
        db = PostgresDatabase(request.getfixturevalue("pg_database"), "registry", 2)
    leases = LeaseStore(db)
    leases.migrate()
    yield leases
    db.close()


def test_only_one_replica_holds_a_role_until_its_lease_expires(store: LeaseStore) -> None:
    first = store.acquire("relay:registry", "a", ttl=0.5)
    assert first is not None
    assert store.acquire("relay:registry", "b", ttl=0.5) is None
    assert store.renew(first)
    time.sleep(0.6)
    second = store.acquire("relay:registry", "b", ttl=5)
    assert second is not None
    assert second.epoch == first.epoch + 1


def test_a_holder_that_lost_its_lease_can_write_nothing(store: LeaseStore) -> None:
    old = store.acquire("consumer:info-hub:registry", "a", ttl=0.3)
    assert old is not None
    time.sleep(0.4)
    new = store.acquire("consumer:info-hub:registry", "b", ttl=5)
    assert new is not None
    with pytest.raises(LeaseLost), store.db.transaction() as tx:
        old.check(tx)
    assert not store.renew(old)
    with store.db.transaction() as tx:
        new.check(tx)


def test_a_released_lease_is_taken_over_at_once(store: LeaseStore) -> None:
    first = store.acquire("audit:registry", "a", ttl=30)
    assert first is not None
    store.release(first)
    assert store.acquire("audit:registry", "b", ttl=30) is not None
