"""The stored history read by SQL for the auditor: the event table beside the chain table, in position order.

Both live in the service's own database (one PostgreSQL schema, or one SQLite file), so one query joins them. A
verification streams the whole range from its own read-only connection in one snapshot (a server-side cursor on
PostgreSQL), holding one batch of rows at a time; the audit API reads short pages through the store's pool.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql as pgsql

from kyodo_shared.store.db import Database, Tx

# One walked row: position; the stored event's originator, version, topic and SHA-256 of its bytes (None when the
# event is missing); the chain row's originator, version, topic, state hash and link (hex; None when unchained).
WalkRow = tuple[int, str | None, int | None, str | None, bytes | None, str | None, int | None, str | None, str | None,
                str | None]  # fmt: skip
# An event with its chain link, for the API: position, originator id, version, topic, stored bytes, link or None.
EventRow = tuple[int, UUID, int, str, bytes, str | None]

_CHAIN = "SELECT notification_id, originator_id, originator_version, topic, state_hash, link FROM kyodo_audit_chain"
BATCH = 5000


class StoredHistory:
    """SQL over one service's event table (`recorder`'s) and its chain table (`db`)."""

    def __init__(self, db: Database, recorder: Any) -> None:
        self.db, self.recorder = db, recorder
        self.table: str = recorder.events_table_name
        self.sqlite = db.backend == "sqlite"
        # SQLite has no notification id column: eventsourcing numbers events by rowid, stores UUIDs as hex.
        self.position = "e.rowid" if self.sqlite else "e.notification_id"

    # ------------------------------------------------------------------------------------------ verification

    def walk(self, after: int, stop: int, *, marker: bytes = b"", marked: list[int] | None = None) -> Iterator[WalkRow]:
        """Every position in (after, stop] held by either table, merged in order, each stored event hashed from its
        bytes as stored. Positions whose bytes contain `marker` are appended to `marked` (a second scan saved)."""
        opened = self._walk_sqlite(after, stop) if self.sqlite else self._walk_postgres(after, stop)
        with opened as (events, chain):
            yield from _merge(events, chain, marker, marked)

    def _walk_postgres(self, after: int, stop: int) -> Any:
        return _PostgresWalk(self.db, self.table, after, stop)

    def _walk_sqlite(self, after: int, stop: int) -> Any:
        return _SqliteWalk(self.db, self.table, after, stop, self._uuid_text)

    def _uuid_text(self, stored: str) -> str:
        return str(self.recorder.convert_originator_id(stored))

    def snapshotted(self, snapshots: Any) -> list[UUID]:
        """The aggregates that have a snapshot in a snapshot recorder's table (same database)."""
        with self.db.transaction(read_only=True) as tx:
            rows = tx.fetchall(f"SELECT DISTINCT originator_id FROM {snapshots.events_table_name}")  # noqa: S608
        convert: Callable[[Any], UUID] = self.recorder.convert_originator_id if self.sqlite else _uuid
        return [convert(r[0]) for r in rows]

    # ----------------------------------------------------------------------------------------------- the API

    def events(self, after: int, limit: int, *, originator: UUID | None = None) -> list[EventRow]:
        """Stored events after a position (of one aggregate: by its primary key), with their links."""
        params: list[Any]
        where, params = f"{self.position} > %s", [after]
        if originator is not None:
            where += " AND e.originator_id = %s"
            params.append(originator.hex if self.sqlite else originator)
        return self._event_rows(
            f"SELECT {self.position}, e.originator_id, e.originator_version, e.topic, e.state, c.link "  # noqa: S608
            f"FROM {self.table} e LEFT JOIN kyodo_audit_chain c ON c.notification_id = {self.position} "
            f"WHERE {where} ORDER BY {self.position} LIMIT %s",
            [*params, limit],
        )

    def correlated(self, correlation_id: str, after: int, limit: int) -> list[EventRow]:
        """Chained events indexed under a correlation id, or chained before the index (NULL: not indexed yet),
        after a position; then, past the chain's head, every event not chained yet. The caller checks each event's
        own trace: the index only narrows the search. One statement: one snapshot, one round trip."""
        greatest = "max" if self.sqlite else "GREATEST"
        rows = self._event_rows(
            "SELECT * FROM (SELECT c.notification_id, e.originator_id, e.originator_version, e.topic, e.state, "  # noqa: S608
            f"c.link FROM kyodo_audit_chain c JOIN {self.table} e ON {self.position} = c.notification_id "
            "WHERE (c.correlation_id = %s OR c.correlation_id IS NULL) AND c.notification_id > %s "
            "ORDER BY c.notification_id LIMIT %s) AS chained UNION ALL "
            f"SELECT * FROM (SELECT {self.position}, e.originator_id, e.originator_version, e.topic, e.state, NULL "
            f"FROM {self.table} e WHERE {self.position} > {greatest}(%s, "
            "(SELECT COALESCE(MAX(notification_id), 0) FROM kyodo_audit_chain)) "
            f"ORDER BY {self.position} LIMIT %s) AS unchained",
            [correlation_id, after, limit, after, limit],
        )
        # Every unchained position follows every chained one; sorted all the same (UNION ALL promises no order).
        rows.sort(key=lambda row: row[0])
        return rows[:limit]

    def records(self, after: int, stop: int, limit: int) -> Iterator[WalkRow]:
        """The first `limit` positions in (after, stop] of either table, for one page of `/audit/records`."""
        with self._reading() as tx:
            events = tx.fetchall(
                f"SELECT {self.position}, e.originator_id, e.originator_version, e.topic, e.state "  # noqa: S608
                f"FROM {self.table} e WHERE {self.position} > %s AND {self.position} <= %s "
                f"ORDER BY {self.position} LIMIT %s",
                (after, stop, limit),
            )
            chain = tx.fetchall(
                f"{_CHAIN} WHERE notification_id > %s AND notification_id <= %s ORDER BY notification_id LIMIT %s",
                (after, stop, limit),
            )
        text = self._uuid_text if self.sqlite else str
        rows = ((p, text(o), v, t, bytes(s)) for p, o, v, t, s in events)
        for count, row in enumerate(_merge(iter(rows), iter(chain), b"", None)):
            if count == limit:
                return
            yield row

    def _reading(self) -> AbstractContextManager[Tx]:
        # PostgreSQL: a plain transaction (BEGIN, SELECT, COMMIT), one round trip fewer than a declared read-only
        # one. SQLite: read-only, which takes no lock (a plain one would take the writers' lock).
        return self.db.transaction(read_only=self.sqlite)

    def _event_rows(self, statement: str, params: Sequence[Any]) -> list[EventRow]:
        with self._reading() as tx:
            found = tx.fetchall(statement, params)
        convert: Callable[[Any], UUID] = self.recorder.convert_originator_id if self.sqlite else _uuid
        return [(int(p), convert(o), int(v), str(t), bytes(s), link) for p, o, v, t, s, link in found]


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


def _merge(events: Iterator[Any], chain: Iterator[Any], marker: bytes, marked: list[int] | None) -> Iterator[WalkRow]:
    sha256 = hashlib.sha256
    event, entry = next(events, None), next(chain, None)
    while event is not None or entry is not None:
        if entry is None or (event is not None and event[0] < entry[0]):
            assert event is not None
            state = event[4]
            if marked is not None and marker in state:
                marked.append(event[0])
            yield (event[0], event[1], event[2], event[3], sha256(state).digest(), None, None, None, None, None)
            event = next(events, None)
        elif event is None or entry[0] < event[0]:
            yield (entry[0], None, None, None, None, entry[1], entry[2], entry[3], entry[4], entry[5])
            entry = next(chain, None)
        else:
            state = event[4]
            if marked is not None and marker in state:
                marked.append(event[0])
            yield (event[0], event[1], event[2], event[3], sha256(state).digest(), *entry[1:])
            event, entry = next(events, None), next(chain, None)


class _PostgresWalk:
    """Each table streamed by COPY (binary) on a connection of its own, the two in one snapshot: the first exports
    it (REPEATABLE READ, read-only) and the second adopts it. COPY streams while this process hashes, where a
    server-side cursor would wait for each FETCH; ~1.5x the rows per second (bench/RESULTS.md, P5)."""

    def __init__(self, db: Any, table: str, after: int, stop: int) -> None:
        self.db, self.table, self.after, self.stop = db, table, after, stop
        self.stack = ExitStack()

    def _connect(self) -> psycopg.Connection[Any]:
        conn = psycopg.connect(self.db.dsn, options=f"-c search_path={self.db.schema}", autocommit=False)
        self.stack.callback(conn.close)
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        return conn

    def _copy(self, conn: psycopg.Connection[Any], query: str, types: list[str]) -> Iterator[Any]:
        statement = pgsql.SQL("COPY ({}) TO STDOUT (FORMAT BINARY)").format(
            pgsql.SQL(query).format(after=pgsql.Literal(self.after), stop=pgsql.Literal(self.stop))
        )
        copy = self.stack.enter_context(self.stack.enter_context(conn.cursor()).copy(statement))
        copy.set_types(types)
        return copy.rows()

    def __enter__(self) -> tuple[Iterator[Any], Iterator[Any]]:
        try:
            first, second = self._connect(), self._connect()
            row = first.execute("SELECT pg_export_snapshot()").fetchone()
            assert row is not None
            second.execute(pgsql.SQL("SET TRANSACTION SNAPSHOT {}").format(pgsql.Literal(row[0])))
            events = self._copy(
                first,
                "SELECT notification_id, originator_id::text, originator_version, topic, state "  # noqa: S608
                f"FROM {self.table} WHERE notification_id > {{after}} AND notification_id <= {{stop}} "
                "ORDER BY notification_id",
                ["int8", "text", "int8", "text", "bytea"],
            )
            chain = self._copy(
                second,
                f"{_CHAIN} WHERE notification_id > {{after}} AND notification_id <= {{stop}} ORDER BY notification_id",
                ["int8", "text", "int8", "text", "text", "text"],
            )
        except BaseException:
            self.stack.close()
            raise
        return events, chain

    def __exit__(self, *exc: object) -> None:
        self.stack.close()


class _SqliteWalk:
    """Its own read-only connection, one read transaction (WAL: a snapshot while the service keeps writing)."""

    def __init__(self, db: Any, table: str, after: int, stop: int, uuid_text: Callable[[str], str]) -> None:
        self.db, self.table, self.after, self.stop, self.uuid_text = db, table, after, stop, uuid_text

    def __enter__(self) -> tuple[Iterator[Any], Iterator[Any]]:
        # The path percent-quoted (file:///…): '?', '#' or '%' in a folder's name would otherwise end or change it.
        uri = Path(self.db.path).absolute().as_uri() + "?mode=ro"
        self.conn = sqlite3.connect(uri, uri=True, isolation_level=None)
        self.conn.execute("BEGIN")
        events = self.conn.execute(
            f"SELECT rowid, originator_id, originator_version, topic, state FROM {self.table} "  # noqa: S608
            "WHERE rowid > ? AND rowid <= ? ORDER BY rowid",
            (self.after, self.stop),
        )
        chain = self.conn.cursor().execute(
            f"{_CHAIN} WHERE notification_id > ? AND notification_id <= ? ORDER BY notification_id",
            (self.after, self.stop),
        )
        uuid_text = self.uuid_text
        return ((p, uuid_text(o), v, t, s) for p, o, v, t, s in events), chain

    def __exit__(self, *exc: object) -> None:
        self.conn.execute("ROLLBACK")
        self.conn.close()
