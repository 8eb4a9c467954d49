"""The key vault under concurrent requests on PostgreSQL (SQLite's write transactions take one lock and never
overlap): two first requests for one person share one key, and an erasure waits for an extension of retention made
meanwhile, then refuses."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from kyodo_shared.privacy.vault import KeyVault, RetentionNotElapsed
from kyodo_shared.store.db import PostgresDatabase

from support.recorded import recording

KIND = "group_representative"
FIELDS = {"name": "同時実行検査子", "email": "concurrent-8b2e@example.jp"}
# 10:00 on 12-03 in Tokyo: 30 days end at the end of 2027-01-02, that is at midnight starting 01-03.
STORED = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)
END = datetime.fromisoformat("2027-01-03T00:00:00+09:00").astimezone(UTC)
PATIENCE = 15.0


@pytest.fixture
def pg_vault(pg_database: str) -> Iterator[tuple[KeyVault, PostgresDatabase, str]]:
    db = PostgresDatabase(pg_database, "registry_vault", 4)
    try:
        vault = KeyVault(db, {KIND: 30})
        vault.migrate()
        yield vault, db, pg_database
    finally:
        db.close()


def reads_key_row(read_only: bool, statement: str) -> bool:
    """Whether a statement of a write transaction reads the person's key row (where the vault takes its lock)."""
    return not read_only and statement.startswith("SELECT") and "kyodo_person_keys" in statement


def in_thread(work: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    """Run `work` in a started thread; the list gets its result or the exception it raised."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def test_two_first_requests_for_one_person_both_seal_under_the_one_key_the_vault_keeps(
    pg_vault: tuple[KeyVault, PostgresDatabase, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    vault, db, _ = pg_vault
    # Both requests find no key before either makes one: each waits, after its first read of the key row, until
    # the other has read it too.
    both_read = threading.Barrier(2, timeout=PATIENCE)
    reads, counting = [0], threading.Lock()

    def after(read_only: bool, statement: str) -> None:
        if reads_key_row(read_only, statement):
            with counting:
                reads[0] += 1
                first_two = reads[0] <= 2
            if first_two:
                both_read.wait()

    recording(db, monkeypatch, after)
    runs = [in_thread(lambda: vault.encrypt("rep-new", KIND, FIELDS, STORED)) for _ in range(2)]
    for thread, _ in runs:
        thread.join(PATIENCE)
    envelopes = [outcome[0] for _, outcome in runs]
    assert all(isinstance(envelope, dict) for envelope in envelopes), envelopes
    assert reads[0] >= 2
    # The loser of the race did not replace the winner's key: what each sealed can be read.
    assert [vault.decrypt(envelope) for envelope in envelopes] == [FIELDS, FIELDS]
    with db.transaction(read_only=True) as tx:
        kept = tx.fetchall("SELECT key_id FROM kyodo_person_keys WHERE person = %s", ("rep-new",))
    assert kept == [(envelopes[0]["key_id"],)] == [(envelopes[1]["key_id"],)]


def backends_waiting_on_a_lock(dsn: str) -> int:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()
    return int(row[0]) if row else 0


def key_is_live(dsn: str, person: str) -> bool:
    """Whether the person's key is there, as committed (read past the vault and its pool)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            "SELECT key_material IS NOT NULL FROM registry_vault.kyodo_person_keys WHERE person = %s", (person,)
        ).fetchone()
    return bool(row and row[0])


def test_an_erasure_waits_for_an_extension_of_retention_made_meanwhile_and_then_refuses(
    pg_vault: tuple[KeyVault, PostgresDatabase, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    vault, db, dsn = pg_vault
    vault.encrypt("rep-1", KIND, FIELDS, STORED)
    # The person acts again at the very moment their retention ends, which extends it by 30 days; that request is
    # held inside its write transaction, right after it read the key row, while an erasure for that moment starts.
    holding, release = threading.Event(), threading.Event()

    def after(read_only: bool, statement: str) -> None:
        if reads_key_row(read_only, statement) and not holding.is_set():
            holding.set()
            release.wait(PATIENCE)

    recording(db, monkeypatch, after)
    acting, acted = in_thread(lambda: vault.encrypt("rep-1", KIND, FIELDS, END))
    assert holding.wait(PATIENCE)
    try:
        erasing, erased = in_thread(lambda: vault.erase("rep-1", END))
        deadline = time.monotonic() + PATIENCE
        while erasing.is_alive() and backends_waiting_on_a_lock(dsn) == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        # The erasure has not gone ahead of the extension: it is waiting (for the key row), and destroyed nothing.
        assert erasing.is_alive()
        assert key_is_live(dsn, "rep-1")
    finally:
        release.set()
    acting.join(PATIENCE)
    erasing.join(PATIENCE)
    assert isinstance(erased[0], RetentionNotElapsed), erased
    assert erased[0].allowed_from == datetime.fromisoformat("2027-02-02T00:00:00+09:00")
    assert vault.decrypt(acted[0]) == FIELDS
