"""The kernel's PostgreSQL transactions: a read-only one refuses writes, and the pooled connection it used writes
again in the next ordinary transaction."""

from __future__ import annotations

import psycopg
import pytest

from kyodo_shared.store.db import PostgresDatabase


def test_a_read_only_transaction_refuses_writes_and_its_connection_writes_again_afterwards(pg_database: str) -> None:
    db = PostgresDatabase(pg_database, "read_only_check", pool_size=1)
    try:
        with db.transaction() as tx:
            tx.execute("CREATE TABLE IF NOT EXISTS notes (n integer)")
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction), db.transaction(read_only=True) as tx:
            tx.execute("INSERT INTO notes VALUES (1)")
        with db.transaction() as tx:
            tx.execute("INSERT INTO notes VALUES (2)")
        with db.transaction(read_only=True) as tx:
            assert tx.fetchall("SELECT n FROM notes") == [(2,)]
    finally:
        db.close()
