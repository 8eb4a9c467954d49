"""A registry store with some history, its chain and checkpoints, on SQLite or PostgreSQL: the auditor's subject.

Tampering is done as someone with database access would do it, by SQL on the store's own tables. The two backends
name the event table and its position differently (SQLite: `stored_events`, `rowid`, originator ids as hex text;
PostgreSQL: `registry_events` in schema `registry`, `notification_id` from a sequence, `uuid`); the statements that
differ are the helpers below, so that a tamper test reads the same on both.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest

from kyodo_contracts.registry import CRITERIA_ORDER
from kyodo_registry.app import RegistryApplication
from kyodo_shared.audit.chain import Chainer, ChainStore
from kyodo_shared.audit.checkpointer import Checkpointer
from kyodo_shared.audit.keys import SigningKeys
from kyodo_shared.audit.local import verify_local
from kyodo_shared.audit.verify import PinFile, VerifyReport
from kyodo_shared.settings import StoreSettings
from kyodo_shared.store.db import Database, open_database

from support.registry import BYLAWS_DOC, actor, registry_app

TRACE = {"correlation_id": "c", "causation_id": "c", "actor": "a"}
BACKENDS = ("sqlite", "postgres")
PG_SCHEMA = "registry"
# A test that takes `history` (or a fixture built on it) runs once on each backend.
on_both_backends = pytest.mark.parametrize("history", BACKENDS, indirect=True)

# A stored event as the helpers give and take it: position, originator, version, topic, stored bytes.
Event = tuple[int, uuid.UUID, int, str, bytes]


@dataclass
class History:
    path: Path  # the SQLite store's file; the keys, pins and vault are beside it on either backend
    app: RegistryApplication
    db: Database
    chain: ChainStore
    keys: SigningKeys
    checkpointer: Checkpointer
    pins: PinFile
    pg_dsn: str = ""  # on PostgreSQL: the database whose schema `registry` holds the store

    @property
    def backend(self) -> str:
        return "postgres" if self.pg_dsn else "sqlite"

    @property
    def events(self) -> str:
        """The event table, as SQL on this backend names it."""
        recorder: Any = self.app.recorder
        return str(recorder.events_table_name)

    @property
    def position(self) -> str:
        """The event table's position column (SQLite numbers events by rowid)."""
        return "notification_id" if self.pg_dsn else "rowid"

    # ---------------------------------------------------------------------------------------- the service

    def add_group(self, name: str) -> None:
        profile = {"name": name, "purpose": "目的", "fields_of_activity": ["福祉"], "area": "本町"}
        personal = {"name": "x", "email": "x@example.jp", "phone": "042-300-0000"}
        self.app.apply_for_registration(
            actor(f"rep-{name}", "group", trace=TRACE),
            profile,
            personal,
            dict.fromkeys(CRITERIA_ORDER, "根拠"),
            BYLAWS_DOC,
            [],
        )

    def chain_and_sign(self) -> None:
        Chainer(self.app, self.chain).extend()
        assert self.checkpointer.sign_if_due(force=True) is not None
        Chainer(self.app, self.chain).extend()

    def verify(self) -> VerifyReport:
        return verify_local("registry", self.app, self.chain, dict(self.keys.public), self.pins)

    # ------------------------------------------------------------------------------ SQL, as an intruder runs it

    def sql(self, statement: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """One statement on the store's own database, committed. `%s` placeholders on either backend (SQLite also
        takes `?`); returns the rows, if any."""
        if self.pg_dsn:
            with self._pg() as pg:
                cursor = pg.execute(statement, tuple(params) or None)
                return cursor.fetchall() if cursor.description is not None else []
        with closing(sqlite3.connect(self.path)) as lite, lite:
            return lite.execute(statement.replace("%s", "?"), tuple(params)).fetchall()

    @contextmanager
    def _pg(self) -> Iterator[psycopg.Connection[Any]]:
        with psycopg.connect(self.pg_dsn, options=f"-c search_path={PG_SCHEMA}") as conn:  # commits on exit
            yield conn

    def stored_events(self) -> list[Event]:
        rows = self.sql(
            f"SELECT {self.position}, originator_id, originator_version, topic, state FROM {self.events} "
            f"ORDER BY {self.position}"
        )
        return [(int(p), uuid.UUID(str(o)), int(v), str(t), bytes(s)) for p, o, v, t, s in rows]

    def alter_state(self, position: int, old: str, new: str) -> None:
        """Replace text in the stored bytes of the event at `position` (exactly one event must hold `old`)."""
        if self.pg_dsn:
            text = "convert_from(state, 'UTF8')"
            replaced, found = f"convert_to(replace({text}, %s, %s), 'UTF8')", f"strpos({text}, %s) > 0"
        else:
            text = "CAST(state AS TEXT)"
            replaced, found = f"CAST(REPLACE({text}, %s, %s) AS BLOB)", f"instr({text}, %s) > 0"
        changed = self.sql(
            f"UPDATE {self.events} SET state = {replaced} WHERE {self.position} = %s AND {found} "
            f"RETURNING {self.position}",
            (old, new, position, old),
        )
        assert changed == [(position,)], f"no event at {position} holds {old!r}"

    def delete_event(self, position: int) -> None:
        assert self.sql(f"DELETE FROM {self.events} WHERE {self.position} = %s RETURNING 1", (position,)) == [(1,)]

    def swap(self, first: int, second: int) -> None:
        """The events at two positions exchange places (by way of an unused negative position: each position is
        unique on PostgreSQL, checked row by row)."""
        with self._writing() as run:
            for at, to in ((first, -first), (second, first), (-first, second)):
                run(f"UPDATE {self.events} SET {self.position} = %s WHERE {self.position} = %s", (to, at))

    def leave_gap(self, position: int, to: int) -> None:
        """Move the event at `position` to `to`: the positions between were never used (as after lost races), and
        the service numbers its next events after it."""
        with self._writing() as run:
            run(f"UPDATE {self.events} SET {self.position} = %s WHERE {self.position} = %s", (to, position))
        self._resume_numbering()

    def insert_event(self, position: int, originator: uuid.UUID, version: int, topic: str, state: bytes) -> None:
        """Store an event at `position` directly, past the application (so never chained)."""
        self.seed([(position, originator, version, topic, state)])

    def seed(self, events: Sequence[Event]) -> None:
        """Store events directly at their positions, in bulk (COPY on PostgreSQL); the service numbers its next
        events after the last."""
        columns = f"{self.position}, originator_id, originator_version, topic, state"
        if self.pg_dsn:
            with self._pg() as conn, conn.cursor().copy(f"COPY {self.events} ({columns}) FROM STDIN") as copy:
                for event in events:
                    copy.write_row(event)
        else:
            with closing(sqlite3.connect(self.path)) as lite, lite:
                lite.executemany(
                    f"INSERT INTO {self.events} ({columns}) VALUES (?, ?, ?, ?, ?)",
                    [(p, o.hex, v, t, s) for p, o, v, t, s in events],
                )
        self._resume_numbering()

    def cut_tail(self, after: int) -> None:
        """Remove every event and every chain row past `after`, as someone hiding the latest history would."""
        with self._writing() as run:
            run(f"DELETE FROM {self.events} WHERE {self.position} > %s", (after,))
            run("DELETE FROM kyodo_audit_chain WHERE notification_id > %s", (after,))

    @contextmanager
    def _writing(self) -> Iterator[Any]:
        """One transaction; yields run(statement, params) with `%s` placeholders."""
        if self.pg_dsn:
            with self._pg() as pg:
                yield pg.execute
        else:
            with closing(sqlite3.connect(self.path)) as lite, lite:
                yield lambda statement, params: lite.execute(statement.replace("%s", "?"), params)

    def _resume_numbering(self) -> None:
        # SQLite numbers a new row after the largest rowid; PostgreSQL draws from the column's sequence, which
        # events written past the application did not advance.
        if self.pg_dsn:
            self.sql(
                f"SELECT setval(pg_get_serial_sequence('{self.events}', 'notification_id'), "
                f"(SELECT MAX(notification_id) FROM {self.events}))"
            )


@contextmanager
def opened_history(folder: Path, pg_dsn: str = "") -> Iterator[History]:
    """A registry store (SQLite in `folder`, or schema `registry` in the database `pg_dsn`) with its chain table and
    a checkpointer signing with keys in `folder`; closed on exit."""
    path = folder / "registry.sqlite"
    store = (
        StoreSettings(backend="postgres", pg_dsn=pg_dsn, pg_schema=PG_SCHEMA, pg_pool_size=2)
        if pg_dsn
        else StoreSettings(backend="sqlite", sqlite_path=path)
    )
    app: RegistryApplication = registry_app(store, folder / "vault.sqlite")
    db = open_database(store)
    try:
        chain = ChainStore(db)
        chain.migrate()
        keys = SigningKeys.load_or_create(folder / "keys")
        checkpointer = Checkpointer(
            service="registry",
            application=app,
            chain=chain,
            keys=keys,
            every_events=1000,
            every_seconds=3600,
            clock=lambda: datetime(2026, 11, 26, tzinfo=UTC),
        )
        yield History(path, app, db, chain, keys, checkpointer, PinFile(folder / "pins.json"), pg_dsn)
    finally:
        app.close()
        db.close()
