"""vault_0002 rewrites every retention end the vault stored before it counted whole Tokyo days.

A vault is made at vault_0001, given rows as the code before 65576f9 wrote them (`(now + days).isoformat()`,
un-rounded, in whatever offset `now` had) and as later code wrote them, then upgraded to head. Each expected value
below is derived by hand in its comment: the first Asia/Tokyo midnight (UTC+09:00) at or after the stored instant,
in UTC with microseconds. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kyodo_shared.privacy import vault as vault_module
from kyodo_shared.store.db import Database, SqliteDatabase
from kyodo_shared.store.migrations import VAULT, Lineage, current_revision, upgrade_schema, upgrade_vault

from support.servers import either_database

# The vault lineage stopped at its first revision: a vault as the release before vault_0002 left it.
AT_0001 = Lineage(name=VAULT.name, location=VAULT.location, head="vault_0001")

KIND = "group_representative"

# (person, stored at vault_0001, expected at head)
HAND_WRITTEN = [
    # As store-v1 holds them: 07:47:01.761969 UTC is 16:47:01.761969 on 2031-12-01 in Tokyo; the next midnight
    # begins 12-02 in Tokyo, which is 15:00 on 12-01 in UTC.
    ("utc-micro", "2031-12-01T07:47:01.761969+00:00", "2031-12-01T15:00:00.000000+00:00"),
    # No fraction (`now` on a whole second): 15:30 UTC on 01-02 is 00:30 on 01-03 in Tokyo, already past that
    # day's midnight, so the end is 00:00 on 01-04 in Tokyo = 15:00 UTC on 01-03 (a later UTC date than stored).
    ("utc-whole-second", "2027-01-02T15:30:00+00:00", "2027-01-03T15:00:00.000000+00:00"),
    # A staging clock in Tokyo time: the last microsecond of 01-02 there; the next midnight is 00:00 on 01-03 in
    # Tokyo = 15:00 UTC on 01-02.
    ("tokyo-offset", "2027-01-02T23:59:59.999999+09:00", "2027-01-02T15:00:00.000000+00:00"),
    # Another offset: 10:30 at -05:00 is 15:30 UTC, the instant of "utc-whole-second", so the same end.
    ("minus-five", "2027-01-02T10:30:00-05:00", "2027-01-03T15:00:00.000000+00:00"),
    # Exactly a Tokyo midnight (00:00 on 01-03 there; written so between 65576f9 and 94e6420): "at or after" keeps
    # the instant, only the microseconds are added.
    ("at-midnight", "2027-01-02T15:00:00+00:00", "2027-01-02T15:00:00.000000+00:00"),
    # The same midnight written in Tokyo time: the same instant, now in UTC.
    ("at-midnight-tokyo", "2027-01-03T00:00:00+09:00", "2027-01-02T15:00:00.000000+00:00"),
    # One microsecond after that midnight is within 01-03 in Tokyo: the end is 00:00 on 01-04 = 15:00 UTC on 01-03.
    ("after-midnight", "2027-01-02T15:00:00.000001+00:00", "2027-01-03T15:00:00.000000+00:00"),
    # 16:00 UTC on 2028-02-28 is 01:00 on the leap day 02-29 in Tokyo: the end is 00:00 on 03-01 = 15:00 UTC 02-29.
    ("leap-day", "2028-02-28T16:00:00+00:00", "2028-02-29T15:00:00.000000+00:00"),
    # Already in the new form (00:00 on 2028-03-01 in Tokyo, UTC, microseconds): left exactly as it is.
    ("new-form", "2028-02-29T15:00:00.000000+00:00", "2028-02-29T15:00:00.000000+00:00"),
]


@pytest.fixture(params=["sqlite", "postgres"])
def vault_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A vault database at vault_0001, with no rows."""
    with either_database(request, tmp_path, "registry_vault") as db:
        upgrade_schema(db, AT_0001)
        assert current_revision(db, VAULT) == "vault_0001"
        yield db


def write(db: Database, rows: list[tuple[str, str, str]]) -> None:
    with db.transaction() as tx:
        tx.executemany("INSERT INTO kyodo_retention (person, record_kind, retain_until) VALUES (%s, %s, %s)", rows)


def stored(db: Database) -> dict[tuple[str, str], str]:
    with db.transaction(read_only=True) as tx:
        rows = tx.fetchall("SELECT person, record_kind, retain_until FROM kyodo_retention")
    return {(str(r[0]), str(r[1])): str(r[2]) for r in rows}


def test_each_retention_end_stored_before_becomes_the_first_tokyo_midnight_at_or_after_it(vault_db: Database) -> None:
    write(vault_db, [(person, KIND, value) for person, value, _ in HAND_WRITTEN])
    upgrade_vault(vault_db)
    assert current_revision(vault_db, VAULT) == "vault_0002"
    assert stored(vault_db) == {(person, KIND): expected for person, _, expected in HAND_WRITTEN}
    # One offset and one width: text order is time order again, as the retention upsert compares.
    values = list(stored(vault_db).values())
    assert sorted(values) == sorted(values, key=datetime.fromisoformat)


@pytest.mark.parametrize(
    ("now", "days"),
    [
        ("2026-12-03T14:59:59.123456+00:00", 30),
        ("2026-12-03T15:00:00+00:00", 30),
        ("2026-12-03T15:00:01+00:00", 30),
        ("2026-11-25T20:00:00+00:00", 365),
        ("2028-02-28T03:00:00+00:00", 1),
        ("2026-12-03T23:59:59+09:00", 5 * 365),
        ("2026-12-03T10:00:00.5-05:00", 10 * 365),
    ],
)
def test_a_rewritten_end_is_what_the_vault_now_stores_for_the_same_encryption(
    now: str, days: int, tmp_path: Path
) -> None:
    # The revision keeps a frozen copy of the rule; today it must agree with the vault's own (rounding commutes with
    # adding whole days, see the revision's docstring). Written as the code before 65576f9 wrote it.
    moment = datetime.fromisoformat(now)
    db = SqliteDatabase(tmp_path / "vault.sqlite")
    try:
        upgrade_schema(db, AT_0001)
        write(db, [("rep-1", KIND, (moment + timedelta(days=days)).isoformat())])
        upgrade_vault(db)
        assert stored(db) == {("rep-1", KIND): vault_module._stored(vault_module.retention_end(moment, days))}
    finally:
        db.close()


def test_running_the_revision_again_changes_nothing(vault_db: Database) -> None:
    write(vault_db, [(person, KIND, value) for person, value, _ in HAND_WRITTEN])
    upgrade_vault(vault_db)
    once = stored(vault_db)
    # As if the version table had been set back: the revision runs again over its own output.
    with vault_db.transaction() as tx:
        tx.execute(f"UPDATE {VAULT.version_table} SET version_num = 'vault_0001'")
    upgrade_vault(vault_db)
    assert current_revision(vault_db, VAULT) == "vault_0002"
    assert stored(vault_db) == once


def test_every_row_of_a_vault_larger_than_one_batch_is_rewritten_once(vault_db: Database) -> None:
    # 801 people with three kinds each, 2,403 rows: batches of 1,000 end inside a person's kinds (1,000 = 333 * 3 +
    # 1), so the next batch must resume on the second key column. Names in both cases and in Japanese, so the
    # database's collation orders them, not Python's.
    kinds = ("committee_member", "group_contact", KIND)
    people = [f"{prefix}{i:04d}" for i, prefix in zip(range(801), ["rep-", "Rep-", "代表者-"] * 267, strict=True)]
    write(vault_db, [(person, kind, "2031-12-01T07:47:01.761969+00:00") for person in people for kind in kinds])
    upgrade_vault(vault_db)
    # Every value as the first row of HAND_WRITTEN: 16:47 on 2031-12-01 in Tokyo ends at 15:00 UTC that day.
    assert stored(vault_db) == {(p, k): "2031-12-01T15:00:00.000000+00:00" for p in people for k in kinds}


def test_a_value_without_an_offset_stops_the_upgrade_and_nothing_is_rewritten(vault_db: Database) -> None:
    # A first batch of 1,000 rows to rewrite (and rewritten when the second batch reaches the value it cannot place),
    # then one without an offset: zone unknown, the upgrade must not guess.
    old = "2031-12-01T07:47:01.761969+00:00"
    write(vault_db, [(f"rep-{i:04d}", KIND, old) for i in range(1000)] + [("zz-naive", KIND, "2031-12-01T07:47:01")])
    with pytest.raises(ValueError, match=r"'zz-naive'.*has no UTC offset"):
        upgrade_vault(vault_db)
    # One transaction: the first batch's rewrite is rolled back and the vault stays at vault_0001.
    assert current_revision(vault_db, VAULT) == "vault_0001"
    assert {value for (person, _), value in stored(vault_db).items() if person != "zz-naive"} == {old}
