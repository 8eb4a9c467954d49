"""The public group directory: a read model built from registry's contract events, in info-hub's own database."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from kyodo_shared.cloudevents import Envelope
from kyodo_shared.consumer import BatchHandler, Handler
from kyodo_shared.contracts import Contract
from kyodo_shared.contracts.registry import GroupRegistered
from kyodo_shared.db import Database, Tx, migrate
from kyodo_shared.text import normalize

# Public dates are shown in the city's time zone.
TOKYO = ZoneInfo("Asia/Tokyo")

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS directory_groups (
        group_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        purpose TEXT NOT NULL,
        fields_of_activity TEXT NOT NULL,
        area TEXT NOT NULL,
        status TEXT NOT NULL,
        registered_at TEXT NOT NULL,
        search_text TEXT NOT NULL,
        source_sequence BIGINT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS directory_groups_name ON directory_groups (name)",
)


def migrate_directory(db: Database) -> None:
    migrate(db, SCHEMA)


_UPSERT = (
    "INSERT INTO directory_groups (group_id, name, purpose, fields_of_activity, area, status, registered_at, "
    "search_text, source_sequence) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (group_id) DO UPDATE SET name = excluded.name, purpose = excluded.purpose, "
    "fields_of_activity = excluded.fields_of_activity, area = excluded.area, status = excluded.status, "
    "search_text = excluded.search_text, source_sequence = excluded.source_sequence"
)


def _registered_row(envelope: Envelope) -> tuple[object, ...]:
    event = envelope.data
    assert isinstance(event, GroupRegistered)
    profile = event.profile
    search = normalize(" ".join([profile.name, profile.purpose, profile.area, *profile.fields_of_activity]))
    return (
        str(event.group_id),
        profile.name,
        profile.purpose,
        json.dumps(profile.fields_of_activity, ensure_ascii=False),
        profile.area,
        "registered",
        envelope.time.astimezone(TOKYO).isoformat(timespec="seconds"),
        search,
        envelope.sequence,
    )


def on_group_registered(envelope: Envelope, tx: Tx) -> None:
    tx.execute(_UPSERT, _registered_row(envelope))


def on_groups_registered(envelopes: Sequence[Envelope], tx: Tx) -> None:
    # Rows are upserted in source order, so a later event for the same group still wins.
    tx.executemany(_UPSERT, [_registered_row(envelope) for envelope in envelopes])


HANDLERS: dict[type[Contract], Handler] = {GroupRegistered: on_group_registered}
BATCH_HANDLERS: dict[type[Contract], BatchHandler] = {GroupRegistered: on_groups_registered}


@dataclass(frozen=True)
class DirectoryEntry:
    group_id: str
    name: str
    purpose: str
    fields_of_activity: list[str]
    area: str
    status: str
    registered_at: str


_COLUMNS = "group_id, name, purpose, fields_of_activity, area, status, registered_at"


def _entry(row: tuple[object, ...]) -> DirectoryEntry:
    return DirectoryEntry(
        group_id=str(row[0]),
        name=str(row[1]),
        purpose=str(row[2]),
        fields_of_activity=list(json.loads(str(row[3]))),
        area=str(row[4]),
        status=str(row[5]),
        registered_at=str(row[6]),
    )


def list_groups(db: Database, *, offset: int, limit: int, query: str = "") -> tuple[list[DirectoryEntry], int]:
    where, params = "", []
    if query:
        needle = normalize(query).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where, params = " WHERE search_text LIKE %s ESCAPE '\\'", [f"%{needle}%"]
    with db.transaction() as tx:
        total_row = tx.fetchone("SELECT COUNT(*) FROM directory_groups" + where, params)  # noqa: S608
        rows = tx.fetchall(
            f"SELECT {_COLUMNS} FROM directory_groups{where} ORDER BY name, group_id LIMIT %s OFFSET %s",  # noqa: S608
            [*params, limit, offset],
        )
    return [_entry(r) for r in rows], int(total_row[0]) if total_row else 0


def get_group(db: Database, group_id: str) -> DirectoryEntry | None:
    with db.transaction() as tx:
        row = tx.fetchone(f"SELECT {_COLUMNS} FROM directory_groups WHERE group_id = %s", (group_id,))  # noqa: S608
    return _entry(row) if row else None
