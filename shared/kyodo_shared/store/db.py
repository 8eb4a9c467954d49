"""A small transactional SQL layer over SQLite or PostgreSQL for the kernel's own tables and read models.

SQL is written once with `%s` placeholders; the SQLite backend rewrites them to `?`.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import psycopg
from psycopg import sql as pgsql
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool

from kyodo_shared.settings import StoreSettings
from kyodo_shared.store.breaker import StoreBreaker, connect_probe

Row = tuple[Any, ...]

# Seconds a statement waits for a pooled connection: past it the store counts as unreachable (503 store_unavailable,
# web/handlers.py) rather than the request hanging while the server is down; a request touching the store a few
# times in a row still ends within seconds.
POOL_TIMEOUT_SECONDS = 2.0


class Tx(Protocol):
    """One open transaction."""

    # "sqlite" or "postgres", for the rare statement that must differ (bulk loads).
    backend: str

    def execute(self, statement: str, params: Sequence[Any] = ()) -> int:
        """Run a statement; returns the affected row count."""

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for many parameter rows (a batch of read-model upserts)."""

    def fetchone(self, statement: str, params: Sequence[Any] = ()) -> Row | None: ...

    def fetchall(self, statement: str, params: Sequence[Any] = ()) -> list[Row]: ...


class _SqliteTx:
    backend = "sqlite"

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    def execute(self, statement: str, params: Sequence[Any] = ()) -> int:
        self._cursor.execute(statement.replace("%s", "?"), tuple(params))
        return self._cursor.rowcount

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        self._cursor.executemany(statement.replace("%s", "?"), rows)

    def fetchone(self, statement: str, params: Sequence[Any] = ()) -> Row | None:
        self._cursor.execute(statement.replace("%s", "?"), tuple(params))
        row = self._cursor.fetchone()
        return tuple(row) if row is not None else None

    def fetchall(self, statement: str, params: Sequence[Any] = ()) -> list[Row]:
        self._cursor.execute(statement.replace("%s", "?"), tuple(params))
        return [tuple(r) for r in self._cursor.fetchall()]


class SqliteDatabase:
    """One serialized connection: SQLite allows a single writer anyway, and WAL lets eventsourcing read beside us."""

    backend = "sqlite"

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Schema migrations open the file on a connection of their own (store/migrations/run.py).
        self.path = path
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
        self._conn.execute("PRAGMA busy_timeout=30000")
        self._use_wal()
        self._conn.execute("PRAGMA synchronous=FULL")
        # Deleted content is overwritten with zeros, so a destroyed key cannot be read back from free pages.
        self._conn.execute("PRAGMA secure_delete=ON")
        self._lock = threading.RLock()

    def _use_wal(self) -> None:
        # Switching to WAL needs a moment alone with the file; replicas opening it together retry briefly.
        for attempt in range(100):
            try:
                if self._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                    return
                self._conn.execute("PRAGMA journal_mode=WAL")
            except sqlite3.OperationalError:
                if attempt == 99:
                    raise
                time.sleep(0.1)

    @contextmanager
    def transaction(self, *, read_only: bool = False) -> Iterator[Tx]:
        with self._lock:
            cursor = self._conn.cursor()
            # IMMEDIATE takes the write lock up front, so a read-then-write cannot deadlock with another writer.
            # A read-only transaction takes no lock at all (WAL): frequent polls must not hold the writers' lock,
            # or a replica paused in the middle of one would stop every other replica's writes.
            cursor.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")
            try:
                yield _SqliteTx(cursor)
                cursor.execute("COMMIT")
            except BaseException:
                # Also after a failed COMMIT: the connection must not stay inside a transaction.
                if self._conn.in_transaction:
                    cursor.execute("ROLLBACK")
                raise
            finally:
                cursor.close()

    def ping(self) -> None:
        with self._lock:
            self._conn.execute("SELECT 1").fetchone()

    def purge(self, table: str) -> None:
        """Leave no copy of deleted or overwritten rows: checkpoint and truncate the write-ahead log."""
        with self._lock:
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class _PgTx:
    backend = "postgres"

    def __init__(self, cursor: psycopg.Cursor[Any]) -> None:
        self._cursor = cursor

    def execute(self, statement: str, params: Sequence[Any] = ()) -> int:
        self._cursor.execute(statement.encode(), tuple(params))
        return self._cursor.rowcount

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        self._cursor.executemany(statement.encode(), rows)

    def fetchone(self, statement: str, params: Sequence[Any] = ()) -> Row | None:
        self._cursor.execute(statement.encode(), tuple(params))
        row = self._cursor.fetchone()
        return tuple(row) if row is not None else None

    def fetchall(self, statement: str, params: Sequence[Any] = ()) -> list[Row]:
        self._cursor.execute(statement.encode(), tuple(params))
        return [tuple(r) for r in self._cursor.fetchall()]


class PostgresDatabase:
    """A connection pool whose connections live in the service's own schema."""

    backend = "postgres"

    def __init__(self, dsn: str, schema: str, pool_size: int = 4) -> None:
        ensure_pg_schema(dsn, schema)
        # Schema migrations connect on their own, to the same schema (store/migrations/run.py).
        self.dsn, self.schema = dsn, schema
        self._pool = ConnectionPool(
            dsn,
            min_size=1,
            max_size=pool_size,
            kwargs={"options": f"-c search_path={schema}", "autocommit": False, "connect_timeout": 5},
            timeout=POOL_TIMEOUT_SECONDS,
            open=True,
        )
        parts = conninfo_to_dict(dsn)
        target = f"{parts.get('host', '')}:{parts.get('port', 5432)}/{parts.get('dbname', '')} ({schema})"
        self.breaker = StoreBreaker(target, connect_probe(conninfo=dsn))

    @contextmanager
    def _connection(self, timeout: float | None = None) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection, behind the store's circuit breaker (store/breaker.py)."""
        self.breaker.guard()
        try:
            with self._pool.connection(timeout=timeout) as conn:
                yield conn
        except psycopg.Error as exc:
            self.breaker.failed(exc)
            raise

    @contextmanager
    def transaction(self, *, read_only: bool = False) -> Iterator[Tx]:
        with self._connection() as conn:
            # BEGIN READ ONLY in the transaction's first round trip rather than a SET TRANSACTION of its own (set on
            # every checkout: pooled connections keep the attribute).
            conn.read_only = True if read_only else None
            with conn.transaction(), conn.cursor() as cursor:
                yield _PgTx(cursor)

    def ping(self) -> None:
        with self._connection(timeout=2) as conn:
            conn.execute("SELECT 1")

    def purge(self, table: str) -> None:
        """Rewrite the table so no dead tuple keeps an old row (WAL archives and backups are out of reach here)."""
        with self._connection() as conn:
            conn.commit()
            conn.autocommit = True
            try:
                conn.execute(pgsql.SQL("VACUUM FULL {}").format(pgsql.Identifier(table)))
            finally:
                conn.autocommit = False

    def close(self) -> None:
        self._pool.close()


def ensure_pg_schema(dsn: str, schema: str) -> None:
    """Create the service's schema if it is missing (eventsourcing does not create schemas)."""
    # Another replica may create it at the same moment: IF NOT EXISTS is not atomic in PostgreSQL.
    with (
        psycopg.connect(dsn, autocommit=True) as conn,
        contextlib.suppress(psycopg.errors.UniqueViolation, psycopg.errors.DuplicateSchema),
    ):
        conn.execute(pgsql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(pgsql.Identifier(schema)))


Database = SqliteDatabase | PostgresDatabase


def open_database(store: StoreSettings) -> Database:
    """Open the database a service's settings point to."""
    if store.backend == "sqlite":
        return SqliteDatabase(store.sqlite_path)
    return PostgresDatabase(store.pg_dsn, store.pg_schema, store.pg_pool_size)


def migrate(db: Database, statements: Sequence[str]) -> None:
    """Run idempotent DDL (IF NOT EXISTS) at once, for scratch tables of tests and tools.

    The product's tables are created and changed by versioned migrations instead (store/migrations, one lineage
    for the kernel, one for the vault, one per service; docs/MIGRATIONS.md).
    """
    for attempt in range(5):
        try:
            with db.transaction() as tx:
                for statement in statements:
                    tx.execute(statement)
            return
        except (psycopg.errors.UniqueViolation, psycopg.errors.DuplicateTable, psycopg.errors.DuplicateObject):
            # Replicas starting together race on CREATE ... IF NOT EXISTS; the loser finds it made next time.
            if attempt == 4:
                raise
            time.sleep(0.2)
