"""The citizens' rate limit and keyed hashes over a real info-hub database (SQLite; the same SQL runs on
PostgreSQL in the e2e tests): per client address and per e-mail address, the window's end as Retry-After, a new
window admitting again, and nothing of an address stored in clear."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from kyodo_info_hub.migrations import upgrade
from kyodo_info_hub.trainings_privacy import CitizenGuard
from kyodo_shared.store.db import SqliteDatabase

NOW = datetime(2027, 1, 5, 10, 0, 20, tzinfo=UTC)


def guard(tmp_path: Path) -> tuple[CitizenGuard, SqliteDatabase]:
    db = SqliteDatabase(tmp_path / "info-hub.sqlite")
    upgrade(db)
    return CitizenGuard(db), db


def test_one_e_mail_address_is_limited_from_any_client_address_until_the_window_ends(tmp_path: Path) -> None:
    g, _ = guard(tmp_path)
    admitted = [g.admit(f"192.0.2.{i}", "Someone@Example.jp", NOW, 3, 3600) for i in range(3)]
    assert admitted == [None, None, None]
    # The same address however typed (NFKC, case): the fourth attempt in the window.
    limited = g.admit("192.0.2.9", "ｓｏｍｅｏｎｅ@example.jp", NOW, 3, 3600)
    assert limited is not None
    # The window started at 10:00:00 UTC (3600-second windows from the epoch): 3580 seconds are left.
    assert limited.retry_after == 3600 - 20
    assert g.admit("192.0.2.9", "someone@example.jp", NOW + timedelta(seconds=3580), 3, 3600) is None


def test_one_client_address_is_limited_whatever_e_mail_it_gives_and_only_hashes_are_stored(tmp_path: Path) -> None:
    g, db = guard(tmp_path)
    for i in range(3):
        assert g.admit("198.51.100.7", f"person-{i}@example.jp", NOW, 3, 3600) is None
    assert g.admit("198.51.100.7", "person-9@example.jp", NOW, 3, 3600) is not None
    assert g.admit("198.51.100.8", "person-9@example.jp", NOW, 3, 3600) is None
    with db.transaction(read_only=True) as tx:
        stored = repr(tx.fetchall("SELECT key_hash, window_no, attempts FROM hub_training_rate"))
    assert "198.51.100" not in stored
    assert "example.jp" not in stored
    # The registration's key is keyed too, and the same for one address however typed.
    assert g.email_key("A@example.jp") == g.email_key(" a@example.jp ")
    assert "example" not in g.email_key("a@example.jp")


def test_the_secret_is_made_once_per_store_and_kept(tmp_path: Path) -> None:
    first, db = guard(tmp_path)
    key = first.email_key("a@example.jp")
    assert CitizenGuard(db).email_key("a@example.jp") == key
