"""One registration per e-mail address and training, kept outside the events over a real info-hub database (SQLite;
the same SQL runs on PostgreSQL in the e2e tests): a claim held by a live registration refuses the address, a
cancelled or never-saved one frees it, erasure deletes it; and IPv6 clients are rate-limited by their /64."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from kyodo_info_hub import trainings_privacy
from kyodo_info_hub.migrations import upgrade
from kyodo_info_hub.trainings_privacy import CitizenGuard, client_bucket
from kyodo_shared.store.db import SqliteDatabase

NOW = datetime(2027, 1, 5, 10, 0, 20, tzinfo=UTC)


def guard(tmp_path: Path) -> tuple[CitizenGuard, SqliteDatabase]:
    db = SqliteDatabase(tmp_path / "info-hub.sqlite")
    upgrade(db)
    return CitizenGuard(db), db


def training(**seats: str) -> Any:
    """What a claim reads of the loaded training: its registrations' seats."""
    return SimpleNamespace(registrations={rid: {"seat": seat} for rid, seat in seats.items()})


def rows(db: SqliteDatabase) -> list[tuple[Any, ...]]:
    with db.transaction(read_only=True) as tx:
        return [
            tuple(r)
            for r in tx.fetchall("SELECT training_id, email_hash, registration_id, subject FROM hub_training_emails")
        ]


def test_an_address_held_by_a_live_registration_is_refused_and_freed_by_its_cancellation(tmp_path: Path) -> None:
    g, db = guard(tmp_path)
    assert g.claim_email("t1", "Hanako@example.jp", "r1", "s1", training())
    # Another request with the address, while r1 is being saved (not yet in the training), and once it is.
    assert not g.claim_email("t1", "hanako@example.jp", "r2", "s2", training())
    assert not g.claim_email("t1", " HANAKO@example.jp", "r2", "s2", training(r1="registered"))
    assert not g.claim_email("t1", "hanako@example.jp", "r2", "s2", training(r1="waitlisted"))
    # Another training is another claim.
    assert g.claim_email("t2", "hanako@example.jp", "r9", "s9", training())
    assert g.claim_email("t1", "hanako@example.jp", "r3", "s3", training(r1="cancelled"))
    stored = rows(db)
    assert [(t, rid, s) for t, _, rid, s in stored] == [("t1", "r3", "s3"), ("t2", "r9", "s9")]
    assert "example" not in repr(stored)


def test_a_claim_whose_registration_was_refused_or_never_saved_frees_the_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    g, db = guard(tmp_path)
    assert g.claim_email("t1", "taro@example.jp", "r1", "s1", training())
    g.release_email("t1", "r1")
    assert rows(db) == []
    assert g.claim_email("t1", "taro@example.jp", "r2", "s2", training())
    monkeypatch.setattr(trainings_privacy, "CLAIM_PENDING_SECONDS", 0)
    assert g.claim_email("t1", "taro@example.jp", "r3", "s3", training()), "r2 was never saved"


def test_erasure_deletes_every_claim_of_the_registrant_so_nothing_links_the_address(tmp_path: Path) -> None:
    g, db = guard(tmp_path)
    assert g.claim_email("t1", "jiro@example.jp", "r1", "s1", training())
    assert g.claim_email("t1", "saburo@example.jp", "r2", "s2", training())
    g.forget_subject("s1")
    assert [rid for _, _, rid, _ in rows(db)] == ["r2"]
    assert g.email_key("jiro@example.jp") not in repr(rows(db))


def test_ipv6_clients_count_by_their_64_and_ipv4_ones_by_their_address(tmp_path: Path) -> None:
    assert client_bucket("2001:db8:1:2::1") == client_bucket("2001:db8:1:2:ffff:ffff:ffff:ffff") == "2001:db8:1:2::/64"
    assert client_bucket("2001:db8:1:3::1") != client_bucket("2001:db8:1:2::1")
    assert client_bucket("::ffff:192.0.2.7") == client_bucket("192.0.2.7") == "192.0.2.7"
    assert client_bucket("testclient") == "testclient"
    g, _ = guard(tmp_path)
    for i in range(3):
        assert g.admit(f"2001:db8:1:2::{i + 1:x}", f"p{i}@example.jp", NOW, 3, 3600) is None
    assert g.admit("2001:db8:1:2:abcd::9", "p9@example.jp", NOW, 3, 3600) is not None, "the same /64"
    assert g.admit("2001:db8:1:3::1", "p9@example.jp", NOW, 3, 3600) is None
