"""The example effect: a city grants ledger's view of registered civic groups.

`groups` is the read model (who is registered, where, until when); `group_journal` is its append-only history, one
row per applied event, so an event applied twice or out of order would show. A handler receives the open SQLite
connection of the transaction that also moves tracking: write through it, never commit, never call out to the
network (do that from a table polled by another job: an outbox).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

from kyodo_contracts import Contract
from kyodo_contracts.cloudevents import Envelope
from kyodo_contracts.registry import (
    GroupLapsed,
    GroupProfileUpdated,
    GroupRegistered,
    GroupReinstated,
    GroupRenewed,
    GroupSuspended,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS groups (
    group_id TEXT PRIMARY KEY, name TEXT NOT NULL, area TEXT NOT NULL, status TEXT NOT NULL, renewal_due TEXT);
CREATE TABLE IF NOT EXISTS group_journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL, sequence INTEGER NOT NULL, event_id TEXT NOT NULL,
    event_type TEXT NOT NULL, group_id TEXT NOT NULL, occurred_at TEXT NOT NULL);
"""

C = TypeVar("C", bound=Contract)
Handler = Callable[[sqlite3.Connection, Envelope, Any], None]

# ce-type → (contract, handler). Types not in here are skipped (tracking still moves past them).
HANDLERS: dict[str, tuple[type[Contract], Handler]] = {}


def follows(contract: type[C]) -> Callable[[Callable[[sqlite3.Connection, Envelope, C], None]], Handler]:
    """Register the handler of one contract, in exactly its version (`decode_as` refuses any other)."""

    def register(handler: Callable[[sqlite3.Connection, Envelope, C], None]) -> Handler:
        HANDLERS[contract.ce_type()] = (contract, handler)
        return handler

    return register


def migrate(conn: sqlite3.Connection) -> None:
    conn.executescript(SCHEMA)


def _journal(conn: sqlite3.Connection, envelope: Envelope, group_id: object) -> None:
    conn.execute(
        "INSERT INTO group_journal (source, sequence, event_id, event_type, group_id, occurred_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (envelope.source, envelope.sequence, envelope.id, envelope.type, str(group_id), envelope.time.isoformat()),
    )


def _status(conn: sqlite3.Connection, group_id: object, status: str) -> None:
    conn.execute("UPDATE groups SET status = ? WHERE group_id = ?", (status, str(group_id)))


@follows(GroupRegistered)
def registered(conn: sqlite3.Connection, envelope: Envelope, event: GroupRegistered) -> None:
    conn.execute(
        "INSERT INTO groups (group_id, name, area, status, renewal_due) VALUES (?, ?, ?, 'registered', ?) "
        "ON CONFLICT (group_id) DO UPDATE SET name = excluded.name, area = excluded.area, status = 'registered', "
        "renewal_due = excluded.renewal_due",
        (
            str(event.group_id),
            event.profile.name,
            event.profile.area,
            event.renewal_due.isoformat() if event.renewal_due else None,
        ),
    )
    _journal(conn, envelope, event.group_id)


@follows(GroupProfileUpdated)
def profile_updated(conn: sqlite3.Connection, envelope: Envelope, event: GroupProfileUpdated) -> None:
    conn.execute(
        "UPDATE groups SET name = ?, area = ? WHERE group_id = ?",
        (event.profile.name, event.profile.area, str(event.group_id)),
    )
    _journal(conn, envelope, event.group_id)


@follows(GroupRenewed)
def renewed(conn: sqlite3.Connection, envelope: Envelope, event: GroupRenewed) -> None:
    conn.execute(
        "UPDATE groups SET status = 'registered', renewal_due = ? WHERE group_id = ?",
        (event.renewal_due.isoformat(), str(event.group_id)),
    )
    _journal(conn, envelope, event.group_id)


@follows(GroupLapsed)
def lapsed(conn: sqlite3.Connection, envelope: Envelope, event: GroupLapsed) -> None:
    _status(conn, event.group_id, "lapsed")
    _journal(conn, envelope, event.group_id)


@follows(GroupSuspended)
def suspended(conn: sqlite3.Connection, envelope: Envelope, event: GroupSuspended) -> None:
    _status(conn, event.group_id, "suspended")
    _journal(conn, envelope, event.group_id)


@follows(GroupReinstated)
def reinstated(conn: sqlite3.Connection, envelope: Envelope, event: GroupReinstated) -> None:
    _status(conn, event.group_id, "registered")
    _journal(conn, envelope, event.group_id)
