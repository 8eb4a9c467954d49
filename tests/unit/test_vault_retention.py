"""Retention (保存期間) in whole Tokyo days, and the key vault's encryption that only looks when a person's key and
retention are already in place: one SELECT in a read-only transaction, no write."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kyodo_shared.privacy.vault import KeyVault, RetentionNotElapsed, retention_end
from kyodo_shared.store.db import Database, PostgresDatabase, SqliteDatabase, Tx

KIND = "group_representative"
FIELDS = {"name": "保存期間検査子", "email": "retention-5d1e@example.jp"}


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.mark.parametrize(
    ("now", "days", "end"),
    [
        # 14:59:59 UTC is 23:59:59 on the 3rd in Tokyo: the 3rd is not counted, day 1 is 12-04, day 30 is 01-02
        # (28 days of December, then 01-01, 01-02); the period ends at the end of 01-02.
        ("2026-12-03T14:59:59+00:00", 30, "2027-01-03T00:00:00+09:00"),
        # Two seconds later it is 00:00:01 on the 4th in Tokyo (the UTC date is still the 3rd): day 1 is 12-05,
        # day 30 is 01-03 (27 days of December, then three of January).
        ("2026-12-03T15:00:01+00:00", 30, "2027-01-04T00:00:00+09:00"),
        # Exactly midnight in Tokyo: the 4th is a whole day and counts (art. 140), day 30 is 01-02 again, and the
        # end is exactly 30 days after `now`.
        ("2026-12-03T15:00:00+00:00", 30, "2027-01-03T00:00:00+09:00"),
        # 20:00 UTC on 11-25 is 05:00 on 11-26 in Tokyo: day 1 is 11-27, day 365 is 2027-11-26 (2027 is no leap
        # year), ending at the end of that day.
        ("2026-11-25T20:00:00+00:00", 365, "2027-11-27T00:00:00+09:00"),
        # One day from 05:00 on 11-26 in Tokyo is the whole of 11-27.
        ("2026-11-25T20:00:00+00:00", 1, "2026-11-28T00:00:00+09:00"),
        # Noon on 2028-02-28 in Tokyo: day 1 is the leap day 02-29, so the period ends when March begins.
        ("2028-02-28T03:00:00+00:00", 1, "2028-03-01T00:00:00+09:00"),
        # The same instant given in Tokyo time ends the same period as in UTC.
        ("2026-12-03T23:59:59+09:00", 30, "2027-01-03T00:00:00+09:00"),
    ],
)
def test_a_retention_period_ends_at_the_end_of_its_last_whole_day_in_tokyo(now: str, days: int, end: str) -> None:
    assert retention_end(datetime.fromisoformat(now), days) == datetime.fromisoformat(end)
    assert retention_end(datetime.fromisoformat(now), days).tzinfo == UTC


def test_a_retention_period_of_zero_days_ends_at_once() -> None:
    now = datetime(2026, 12, 3, 14, 59, 59, 123456, tzinfo=UTC)
    assert retention_end(now, 0) == now


def test_a_retention_period_needs_an_aware_time_and_no_negative_days() -> None:
    with pytest.raises(ValueError, match="aware"):
        retention_end(datetime(2026, 12, 3, 12, 0), 30)
    with pytest.raises(ValueError, match="negative"):
        retention_end(datetime(2026, 12, 3, 12, 0, tzinfo=UTC), -1)


# --- the vault ---------------------------------------------------------------------------------------------------


class Recorded:
    """A transaction that notes each statement it runs."""

    def __init__(self, tx: Tx, statements: list[str]) -> None:
        self.backend, self._tx, self._statements = tx.backend, tx, statements

    def execute(self, statement: str, params: Sequence[Any] = ()) -> int:
        self._statements.append(statement)
        return self._tx.execute(statement, params)

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        self._statements.append(statement)
        self._tx.executemany(statement, rows)

    def fetchone(self, statement: str, params: Sequence[Any] = ()) -> Any:
        self._statements.append(statement)
        return self._tx.fetchone(statement, params)

    def fetchall(self, statement: str, params: Sequence[Any] = ()) -> Any:
        self._statements.append(statement)
        return self._tx.fetchall(statement, params)


def recording(db: Database, monkeypatch: pytest.MonkeyPatch) -> list[tuple[bool, list[str]]]:
    """From now on, each transaction of `db` as (read_only, its statements)."""
    log: list[tuple[bool, list[str]]] = []
    original = db.transaction

    @contextmanager
    def transaction(*, read_only: bool = False) -> Iterator[Recorded]:
        statements: list[str] = []
        log.append((read_only, statements))
        with original(read_only=read_only) as tx:
            yield Recorded(tx, statements)

    monkeypatch.setattr(db, "transaction", transaction)
    return log


@pytest.fixture(params=["sqlite", "postgres"])
def vault_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    db: Database
    if request.param == "sqlite":
        db = SqliteDatabase(tmp_path / "vault.sqlite")
    else:
        db = PostgresDatabase(request.getfixturevalue("pg_database"), "registry_vault", 2)
    try:
        KeyVault(db, {}).migrate()
        yield db
    finally:
        db.close()


def retained(db: Database, person: str) -> datetime | None:
    """The person's stored retention for KIND, read past the vault."""
    with db.transaction(read_only=True) as tx:
        row = tx.fetchone(
            "SELECT retain_until FROM kyodo_retention WHERE person = %s AND record_kind = %s", (person, KIND)
        )
    return datetime.fromisoformat(str(row[0])) if row else None


def shape(log: list[tuple[bool, list[str]]]) -> list[tuple[bool, list[str]]]:
    """Each transaction as (read_only, the first word of each statement)."""
    return [(read_only, [s.split()[0] for s in statements]) for read_only, statements in log]


def test_a_second_encryption_on_the_same_tokyo_day_is_one_read_only_select_and_writes_nothing(
    vault_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = KeyVault(vault_db, {KIND: 30})
    # 10:00 and then 23:59:59 on 12-03 in Tokyo: both periods end at the end of 01-02 (see the cases above).
    first = vault.encrypt("rep-1", KIND, FIELDS, utc("2026-12-03T01:00:00+00:00"))
    assert retained(vault_db, "rep-1") == utc("2027-01-03T00:00:00+09:00")
    log = recording(vault_db, monkeypatch)
    second = vault.encrypt("rep-1", KIND, FIELDS, utc("2026-12-03T14:59:59+00:00"))
    assert shape(log) == [(True, ["SELECT"])]
    assert retained(vault_db, "rep-1") == utc("2027-01-03T00:00:00+09:00")
    assert second["key_id"] == first["key_id"]
    assert vault.decrypt(second) == FIELDS


def test_an_encryption_on_a_later_tokyo_day_extends_the_retention_by_that_day(
    vault_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = KeyVault(vault_db, {KIND: 30})
    first = vault.encrypt("rep-1", KIND, FIELDS, utc("2026-12-03T14:59:59+00:00"))
    log = recording(vault_db, monkeypatch)
    # Two seconds later, the same UTC date but 12-04 in Tokyo: the period now ends at the end of 01-03.
    later = vault.encrypt("rep-1", KIND, FIELDS, utc("2026-12-03T15:00:01+00:00"))
    # The look, then the write transaction: key and retention read again, only the retention upserted.
    assert shape(log) == [(True, ["SELECT"]), (False, ["SELECT", "SELECT", "INSERT"])]
    assert retained(vault_db, "rep-1") == utc("2027-01-04T00:00:00+09:00")
    assert later["key_id"] == first["key_id"]


def test_erasure_is_refused_until_the_end_of_the_last_day_and_allowed_from_its_first_moment(tmp_path: Path) -> None:
    vault = KeyVault(SqliteDatabase(tmp_path / "vault.sqlite"), {KIND: 30})
    vault.migrate()
    envelope = vault.encrypt("rep-1", KIND, FIELDS, utc("2026-12-03T14:59:59+00:00"))
    end = utc("2027-01-03T00:00:00+09:00")
    with pytest.raises(RetentionNotElapsed) as refused:
        vault.erase("rep-1", end - timedelta(microseconds=1))
    assert "2027-01-03 以降に消去できます" in refused.value.message()
    assert vault.decrypt(envelope) == FIELDS
    assert vault.erase("rep-1", end)
    assert vault.decrypt(envelope) is None


def test_with_no_retention_a_person_may_be_erased_at_once_and_acting_again_gets_a_new_key(tmp_path: Path) -> None:
    vault = KeyVault(SqliteDatabase(tmp_path / "vault.sqlite"), {KIND: 0})
    vault.migrate()
    now = utc("2026-12-03T14:59:59+00:00")
    erased = vault.encrypt("rep-1", KIND, FIELDS, now)
    assert vault.erase("rep-1", now)
    # The retention row still reaches `now`, but the key is gone: the vault makes a new one rather than use none.
    again = vault.encrypt("rep-1", KIND, FIELDS, now)
    assert again["key_id"] != erased["key_id"]
    assert vault.decrypt(again) == FIELDS
    assert vault.decrypt(erased) is None
