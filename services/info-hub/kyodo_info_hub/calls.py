"""Open calls for proposals on the public portal: a read model built from the proposals service's events."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from kyodo_shared.bus.cloudevents import Envelope
from kyodo_shared.bus.consumer import Handler
from kyodo_shared.contracts import Contract
from kyodo_shared.contracts import proposals as p
from kyodo_shared.store.db import Database, Tx, migrate

TOKYO = ZoneInfo("Asia/Tokyo")

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS portal_calls (
        call_id TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        status_reason TEXT NOT NULL,
        deadline TEXT NOT NULL,
        rules TEXT NOT NULL,
        amendments TEXT NOT NULL,
        results TEXT,
        source_sequence BIGINT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS portal_calls_status ON portal_calls (status, deadline)",
)
READ_MODELS = ["portal_calls"]


def migrate_calls(db: Database) -> None:
    migrate(db, SCHEMA)


def _rules(rules: p.CallRules) -> tuple[str, str]:
    deadline = rules.deadline.astimezone(TOKYO).isoformat()
    body = rules.model_dump(mode="json")
    body["deadline"] = deadline
    return deadline, json.dumps(body, ensure_ascii=False)


def on_call_event(envelope: Envelope, tx: Tx) -> None:
    event = envelope.data
    if isinstance(event, p.CallPublished):
        deadline, rules = _rules(event.rules)
        tx.execute(
            "INSERT INTO portal_calls (call_id, status, status_reason, deadline, rules, amendments, source_sequence) "
            "VALUES (%s, 'open', '', %s, %s, '[]', %s) ON CONFLICT (call_id) DO NOTHING",
            (str(event.call_id), deadline, rules, envelope.sequence),
        )
    elif isinstance(event, p.CallAmended):
        deadline, rules = _rules(event.rules)
        row = tx.fetchone("SELECT amendments FROM portal_calls WHERE call_id = %s", (str(event.call_id),))
        amendments = [*json.loads(str(row[0])), {"changed": event.changed, "reason": event.reason}] if row else []
        tx.execute(
            "UPDATE portal_calls SET deadline = %s, rules = %s, amendments = %s, source_sequence = %s "
            "WHERE call_id = %s",
            (deadline, rules, json.dumps(amendments, ensure_ascii=False), envelope.sequence, str(event.call_id)),
        )
    elif isinstance(event, p.CallClosed):
        tx.execute(
            "UPDATE portal_calls SET status = 'closed', source_sequence = %s WHERE call_id = %s",
            (envelope.sequence, str(event.call_id)),
        )
    elif isinstance(event, p.CallResultsPublished):
        results = event.model_dump(mode="json", exclude={"call_id"})
        tx.execute(
            "UPDATE portal_calls SET status = 'results_published', results = %s, source_sequence = %s "
            "WHERE call_id = %s",
            (json.dumps(results, ensure_ascii=False), envelope.sequence, str(event.call_id)),
        )
    elif isinstance(event, p.CallCancelled):
        tx.execute(
            "UPDATE portal_calls SET status = 'cancelled', status_reason = %s, source_sequence = %s WHERE call_id = %s",
            (event.reason, envelope.sequence, str(event.call_id)),
        )


# Adoptions reach evaluation (later); the portal shows them through the results.
HANDLERS: dict[type[Contract], Handler] = dict.fromkeys(
    [c for c in p.PUBLISHED if c is not p.ProposalAdopted], on_call_event
)


@dataclass(frozen=True)
class PortalCall:
    call_id: str
    status: str
    status_reason: str
    deadline: str
    rules: dict[str, Any]
    amendments: list[dict[str, Any]]
    results: dict[str, Any] | None


def _call(row: tuple[object, ...]) -> PortalCall:
    results = json.loads(str(row[6])) if row[6] is not None else None
    return PortalCall(
        str(row[0]), str(row[1]), str(row[2]), str(row[3]), json.loads(str(row[4])), json.loads(str(row[5])), results
    )


_COLUMNS = "call_id, status, status_reason, deadline, rules, amendments, results"


def list_calls(db: Database, status: str, offset: int, limit: int) -> tuple[list[PortalCall], int]:
    with db.transaction(read_only=True) as tx:
        total = tx.fetchone("SELECT COUNT(*) FROM portal_calls WHERE status = %s", (status,))
        rows = tx.fetchall(
            f"SELECT {_COLUMNS} FROM portal_calls WHERE status = %s ORDER BY deadline, call_id "  # noqa: S608
            "LIMIT %s OFFSET %s",
            (status, limit, offset),
        )
    return [_call(row) for row in rows], int(total[0]) if total else 0


def get_call(db: Database, call_id: str) -> PortalCall | None:
    with db.transaction(read_only=True) as tx:
        row = tx.fetchone(f"SELECT {_COLUMNS} FROM portal_calls WHERE call_id = %s", (call_id,))  # noqa: S608
    return _call(row) if row else None
