"""Retention (保存期間) in whole Tokyo days, and the key vault's encryption that only looks when a person's key and
retention are already in place: one SELECT in a read-only transaction, no write."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kyodo_shared.privacy import vault as vault_module
from kyodo_shared.privacy.vault import KeyVault, RetentionNotElapsed, retention_end
from kyodo_shared.store.db import Database, SqliteDatabase

from support.recorded import recording, shape
from support.servers import either_database

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


@pytest.fixture(params=["sqlite", "postgres"])
def vault_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with either_database(request, tmp_path, "registry_vault") as db:
        KeyVault(db, {}).migrate()
        yield db


def stored_retention(db: Database, person: str) -> str | None:
    """The person's retention for KIND as stored, read past the vault."""
    with db.transaction(read_only=True) as tx:
        row = tx.fetchone(
            "SELECT retain_until FROM kyodo_retention WHERE person = %s AND record_kind = %s", (person, KIND)
        )
    return str(row[0]) if row else None


def retained(db: Database, person: str) -> datetime | None:
    """The person's stored retention for KIND, as a time."""
    stored = stored_retention(db, person)
    return datetime.fromisoformat(stored) if stored is not None else None


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
    # The look, then the write transaction: key (locked on PostgreSQL) and retention read again, only the retention
    # upserted.
    assert shape(log) == [(True, ["SELECT"]), (False, ["SELECT", "SELECT", "INSERT"])]
    assert retained(vault_db, "rep-1") == utc("2027-01-04T00:00:00+09:00")
    assert later["key_id"] == first["key_id"]


def test_a_retention_end_is_stored_in_utc_with_microseconds_so_that_text_order_is_time_order(
    vault_db: Database,
) -> None:
    vault = KeyVault(vault_db, {KIND: 30})
    # Given in Tokyo time, ending on a whole second: still stored in UTC, fraction and all.
    vault.encrypt("rep-1", KIND, FIELDS, datetime.fromisoformat("2026-12-03T10:00:00+09:00"))
    assert stored_retention(vault_db, "rep-1") == "2027-01-02T15:00:00.000000+00:00"


def test_a_retention_never_moves_back_even_when_a_request_read_it_before_another_extended_it(
    vault_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = KeyVault(vault_db, {KIND: 30})
    vault.encrypt("rep-1", KIND, FIELDS, utc("2026-12-10T01:00:00+00:00"))
    extended = retained(vault_db, "rep-1")
    # A request that acts on an earlier day, as if it had read the retention before the extension above committed:
    # every read of the stored retention says it falls short, so the request writes its own, earlier, end.
    monkeypatch.setattr(vault_module, "_reaches", lambda stored, until: False)
    envelope = vault.encrypt("rep-1", KIND, FIELDS, utc("2026-12-03T01:00:00+00:00"))
    assert retained(vault_db, "rep-1") == extended
    assert vault.decrypt(envelope) == FIELDS


def test_reading_a_key_and_the_retention_only_looks(vault_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    vault = KeyVault(vault_db, {KIND: 30})
    envelope = vault.encrypt("rep-1", KIND, FIELDS, utc("2026-12-03T01:00:00+00:00"))
    log = recording(vault_db, monkeypatch)
    assert vault.decrypt(envelope) == FIELDS
    assert vault.erasable_from("rep-1") == utc("2027-01-03T00:00:00+09:00")
    assert shape(log) == [(True, ["SELECT"]), (True, ["SELECT"])]


def test_erasure_checks_the_retention_and_destroys_the_key_in_one_transaction(
    vault_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = KeyVault(vault_db, {KIND: 30})
    envelope = vault.encrypt("rep-1", KIND, FIELDS, utc("2026-12-03T01:00:00+00:00"))
    log = recording(vault_db, monkeypatch)
    with pytest.raises(RetentionNotElapsed):
        vault.erase("rep-1", utc("2027-01-02T23:59:59+09:00"))
    assert vault.erase("rep-1", utc("2027-01-03T00:00:00+09:00"))
    # The key row (locked on PostgreSQL), the retention, and for the second the destruction: one transaction each.
    assert shape(log) == [(False, ["SELECT", "SELECT"]), (False, ["SELECT", "SELECT", "UPDATE"])]
    assert vault.decrypt(envelope) is None


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
