"""A service's read models of another's stream, fed as its consumer feeds them: real contract envelopes through the
service's own handlers, one message per transaction, into a database migrated by the service's lineage — and the
rows they hold, to compare a stream read once with the same stream read again."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

import pytest

from kyodo_contracts import Contract
from kyodo_shared.bus.cloudevents import Envelope
from kyodo_shared.bus.consumer import Handler
from kyodo_shared.store.db import Database, PostgresDatabase, SqliteDatabase
from kyodo_shared.store.migrations import upgrade_kernel

from support.contract_builders import envelope


def migrated_database(
    request: pytest.FixtureRequest, schema: str, upgrade: Callable[[Database], object]
) -> Iterator[Database]:
    """For a fixture parametrized over "sqlite" and "postgres": the service's database (`schema` on PostgreSQL)
    brought to its head by `upgrade`, its lineage's."""
    database: Database
    if request.param == "sqlite":
        database = SqliteDatabase(request.getfixturevalue("sqlite_path"))
    else:
        database = PostgresDatabase(request.getfixturevalue("pg_database"), schema, 2)
    try:
        upgrade_kernel(database)
        upgrade(database)
        yield database
    finally:
        database.close()


def envelopes(at: datetime, *events: Contract) -> list[Envelope]:
    """The producer's notifications from sequence 1 on."""
    return [envelope(event, n, at) for n, event in enumerate(events, start=1)]


def apply(db: Database, handlers: Mapping[type[Contract], Handler], messages: list[Envelope]) -> None:
    """Each message through its handler in its own transaction."""
    for message in messages:
        with db.transaction() as tx:
            handlers[type(message.data)](message, tx)


def rows(db: Database, tables: list[str]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of each table, in a fixed order."""
    with db.transaction(read_only=True) as tx:
        return {table: sorted(tx.fetchall(f"SELECT * FROM {table}"), key=repr) for table in tables}
