"""Bylaws filed with the registry read back byte for byte on both backends; on PostgreSQL the insert commits
relaxed (synchronous_commit off, for that transaction only), which does not outlive it on the pooled connection."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kyodo_registry.documents import Document, DocumentStore
from kyodo_registry.migrations import upgrade
from kyodo_shared.store.db import Database, PostgresDatabase

from support.recorded import recording
from support.servers import either_database

BYLAWS = Document("会則.txt", "text/plain", "国分寺みどりの会 会則\n第1条 この会は…".encode())
NOW = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgres"])
def registry_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    # One connection, so the transaction after the put runs on the very connection the put used.
    with either_database(request, tmp_path, "registry", pool_size=1) as db:
        upgrade(db)
        yield db


def test_a_filed_document_reads_back_byte_for_byte_and_filing_it_again_changes_nothing(registry_db: Database) -> None:
    store = DocumentStore(registry_db)
    assert store.get(BYLAWS.sha256) is None
    store.put(BYLAWS, NOW)
    assert store.get(BYLAWS.sha256) == BYLAWS.content
    store.put(BYLAWS, NOW)
    assert store.get(BYLAWS.sha256) == BYLAWS.content
    with registry_db.transaction(read_only=True) as tx:
        assert tx.fetchall("SELECT sha256 FROM registry_documents") == [(BYLAWS.sha256,)]


def test_on_postgresql_the_next_transaction_after_a_put_commits_synchronously_again(pg_database: str) -> None:
    db = PostgresDatabase(pg_database, "registry", 1)
    try:
        upgrade(db)
        with db.transaction(read_only=True) as tx:
            before = tx.fetchone("SHOW synchronous_commit")
        if before == ("off",):
            pytest.skip("the server commits asynchronously anyway: nothing to tell apart")
        DocumentStore(db).put(BYLAWS, NOW)
        with db.transaction(read_only=True) as tx:
            assert tx.fetchone("SHOW synchronous_commit") == before
    finally:
        db.close()


def test_a_put_relaxes_its_commit_on_postgresql_as_its_first_statement_and_not_on_sqlite(
    registry_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = recording(registry_db, monkeypatch)
    DocumentStore(registry_db).put(BYLAWS, NOW)
    relaxing = [statement for _, statements in log for statement in statements if "synchronous_commit" in statement]
    if registry_db.backend == "postgres":
        # One write transaction, the setting its first statement: SET LOCAL covers the insert and its commit.
        assert [(read_only, statements[0]) for read_only, statements in log] == [
            (False, "SET LOCAL synchronous_commit = off")
        ]
        assert relaxing == ["SET LOCAL synchronous_commit = off"]
    else:
        # SQLite has no such setting: its commits stay as the database is configured (synchronous=FULL).
        assert relaxing == []
