"""info-hub's read models fed as its consumer feeds them (the registry's, or any source's with `apply_from`): real
contract envelopes through info-hub's own handlers, one message per transaction, into a database migrated by
info-hub's lineage."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from kyodo_contracts import Contract
from kyodo_info_hub import migrations
from kyodo_info_hub.bus import SUBSCRIPTIONS
from kyodo_shared.bus.cloudevents import Envelope, message_id
from kyodo_shared.store.db import Database, PostgresDatabase, SqliteDatabase
from kyodo_shared.store.migrations import upgrade_kernel
from kyodo_shared.store.migrations.lineage import upgrade_schema

AT = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo
(REGISTRY,) = [s for s in SUBSCRIPTIONS if s.source == "registry"]


def migrated_database(request: pytest.FixtureRequest, head: str | None = None) -> Iterator[Database]:
    """For a fixture parametrized over "sqlite" and "postgres": info-hub's database at its head (or at `head`, a
    store one release behind)."""
    database: Database
    if request.param == "sqlite":
        database = SqliteDatabase(request.getfixturevalue("sqlite_path"))
    else:
        database = PostgresDatabase(request.getfixturevalue("pg_database"), "info_hub", 2)
    try:
        upgrade_kernel(database)
        if head is None:
            migrations.upgrade(database)
        else:
            upgrade_schema(database, dataclasses.replace(migrations.LINEAGE, head=head))
        yield database
    finally:
        database.close()


def envelope(event: Contract, sequence: int, source: str = "registry") -> Envelope:
    return Envelope(
        id=message_id(source, sequence, 0),
        source=f"/kyodo/{source}",
        type=event.ce_type(),
        time=AT,
        subject=source,
        sequence=sequence,
        correlation_id="c",
        causation_id="c",
        data=event,
        notification_id=sequence,
    )


def apply(db: Database, events: list[Contract], first: int = 1) -> None:
    """The registry's messages from sequence `first` on, each in its own transaction."""
    for sequence, event in enumerate(events, start=first):
        with db.transaction() as tx:
            REGISTRY.handlers[type(event)](envelope(event, sequence), tx)


def apply_from(db: Database, source: str, events: list[Contract]) -> None:
    """`source`'s messages from sequence 1 on, each in its own transaction, through info-hub's handlers of it."""
    (subscription,) = [s for s in SUBSCRIPTIONS if s.source == source]
    for sequence, event in enumerate(events, start=1):
        with db.transaction() as tx:
            subscription.handlers[type(event)](envelope(event, sequence, source), tx)
