"""The coordination window's query tables, projected from info-hub's own events: a row per case (for lists), the
case's parties (who may list it: the raising group or department, routed departments, invited groups), the case's
history, and the published monthly figures. Lists read these; commands never decide from them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from kyodo_info_hub.cases import Case, MonthlyFigures
from kyodo_shared.store.db import Database, Tx
from kyodo_shared.tasks.projection import ProjectionHandler

NAME = "info_hub_cases"
TABLES = ("hub_cases", "hub_case_parties", "hub_case_history", "hub_case_figures")

Statement = tuple[str, tuple[Any, ...]]

# Each history entry: its time (the event's own, from the service's clock) and what it shows.
_AT = {
    "Raised": "raised_at",
    "Routed": "routed_at",
    "Acknowledged": "acknowledged_at",
    "AcknowledgementOverdue": "recorded_at",
    "GroupsSuggested": "suggested_at",
    "GroupsInvited": "invited_at",
    "Linked": "linked_at",
    "Closed": "closed_at",
}
_SHOWN = {
    "Raised": ("raiser_kind", "raiser_id", "urgency", "on_behalf"),
    "Routed": ("department_ids", "acknowledge_by"),
    "Acknowledged": ("department_id", "late"),
    "AcknowledgementOverdue": ("department_id", "acknowledge_by"),
    "GroupsSuggested": ("suggestions", "criteria"),
    "GroupsInvited": ("group_ids",),
    "Linked": ("kind", "target_id"),
    "Closed": ("outcome", "reason_ja", "reason_en"),
}


def case_index(app: Any, events: Sequence[Any]) -> Callable[[Tx], None]:
    """Rows for every case the events touched, read once at its current version; a history row per case event;
    a row per published month."""
    statements: list[Statement] = []
    touched: dict[Any, Any] = {}
    for e in events:
        if isinstance(e, Case.Event | MonthlyFigures.Event) and e.originator_id not in touched:
            touched[e.originator_id] = app.repository.get(e.originator_id)
    for e in events:
        name = type(e).__name__
        if isinstance(touched.get(e.originator_id), Case) and name in _AT:
            statements.append(_history_row(e, name))
    for aggregate in touched.values():
        if isinstance(aggregate, Case):
            statements.extend(_case_rows(aggregate))
        elif isinstance(aggregate, MonthlyFigures):
            statements.append(_figures_row(aggregate))

    def write(tx: Tx) -> None:
        for sql, values in statements:
            tx.execute(sql, values)

    return write


PROJECTIONS: dict[str, ProjectionHandler] = {NAME: case_index}


def _history_row(e: Any, name: str) -> Statement:
    # A link's kind (call, proposal) is shown as `link_kind`: `kind` names the entry.
    shown = {("link_kind" if k == "kind" else k): getattr(e, k) for k in _SHOWN[name]}
    return (
        "INSERT INTO hub_case_history (case_id, position, at, kind, detail) VALUES (%s, %s, %s, %s, %s) "
        "ON CONFLICT (case_id, position) DO NOTHING",
        (
            str(e.originator_id),
            e.originator_version,
            getattr(e, _AT[name]),
            name,
            json.dumps(shown, ensure_ascii=False),
        ),
    )


def _case_rows(case: Case) -> list[Statement]:
    parties = [(f"raiser_{case.raiser_kind}", case.raiser_id)] if case.raiser_id else []
    parties += [("routed", d) for d in case.routings] + [("invited", g) for g in case.invited]
    overdue = sum(1 for r in case.routings.values() if r["overdue_at"])
    waiting = sum(1 for r in case.routings.values() if r["acknowledged_at"] is None)
    status = "closed" if case.closed else "open"
    rows: list[Statement] = [
        (
            "INSERT INTO hub_cases (case_id, raiser_kind, raiser_id, urgency, status, outcome, area, "
            "fields_of_activity, problem_ja, raised_at, departments, awaiting_acknowledgement, overdue, version) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (case_id) DO UPDATE SET "
            "status = excluded.status, outcome = excluded.outcome, departments = excluded.departments, "
            "awaiting_acknowledgement = excluded.awaiting_acknowledgement, overdue = excluded.overdue, "
            "version = excluded.version",
            (
                str(case.id),
                case.raiser_kind,
                case.raiser_id,
                case.urgency,
                status,
                case.outcome,
                case.area,
                json.dumps(case.fields_of_activity, ensure_ascii=False),
                case.problem_ja,
                case.raised_at,
                json.dumps(sorted(case.routings)),
                waiting,
                overdue,
                case.version,
            ),
        )
    ]
    for kind, party in parties:
        rows.append(
            (
                "INSERT INTO hub_case_parties (case_id, kind, party_id) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                (str(case.id), kind, str(party)),
            )
        )
    return rows


def _figures_row(figures: MonthlyFigures) -> Statement:
    return (
        "INSERT INTO hub_case_figures (month, published_at, body) VALUES (%s, %s, %s) ON CONFLICT (month) DO NOTHING",
        (figures.month, figures.published_at, json.dumps(figures.figures, ensure_ascii=False)),
    )


_COLUMNS = (
    "case_id, raiser_kind, raiser_id, urgency, status, outcome, area, fields_of_activity, problem_ja, raised_at, "
    "departments, awaiting_acknowledgement, overdue, version"
)


def list_cases(
    db: Database, filters: dict[str, str], parties: list[tuple[str, str]] | None, offset: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """Cases newest first, filtered by status, urgency, a department routed to and an overdue acknowledgement;
    `parties` (kind, id) limits them to the caller's own (None: every case, for the center and auditors)."""
    where: list[str] = []
    params: list[Any] = []
    for column in ("status", "urgency"):
        if filters.get(column):
            where.append(f"{column} = %s")
            params.append(filters[column])
    if filters.get("overdue"):
        where.append("overdue > 0")
    if filters.get("department_id"):
        where.append("case_id IN (SELECT case_id FROM hub_case_parties WHERE kind = 'routed' AND party_id = %s)")
        params.append(filters["department_id"])
    if parties is not None:
        if not parties:
            return [], 0
        pairs = " OR ".join(["(kind = %s AND party_id = %s)"] * len(parties))
        where.append(f"case_id IN (SELECT case_id FROM hub_case_parties WHERE {pairs})")  # noqa: S608
        params.extend(v for pair in parties for v in pair)
    # Only fixed column names and placeholders are joined in; every value is a parameter.
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    with db.transaction(read_only=True) as tx:
        total = tx.fetchone("SELECT COUNT(*) FROM hub_cases" + clause, params)  # noqa: S608
        rows = tx.fetchall(
            f"SELECT {_COLUMNS} FROM hub_cases{clause} ORDER BY raised_at DESC, case_id LIMIT %s OFFSET %s",  # noqa: S608
            [*params, limit, offset],
        )
    keys = [k.strip() for k in _COLUMNS.split(",")]
    items = []
    for row in rows:
        item = dict(zip(keys, row, strict=True))
        item["fields_of_activity"] = json.loads(str(item["fields_of_activity"]))
        item["departments"] = json.loads(str(item["departments"]))
        items.append(item)
    return items, int(total[0]) if total else 0


def history(db: Database, case_id: str, since: int = 0) -> list[dict[str, Any]]:
    """The case's history in order; `since` leaves out what came before that position (but the raising)."""
    with db.transaction(read_only=True) as tx:
        rows = tx.fetchall(
            "SELECT position, at, kind, detail FROM hub_case_history WHERE case_id = %s AND (position >= %s OR "
            "position = 1) ORDER BY position",
            (case_id, since),
        )
    return [{"position": int(r[0]), "at": str(r[1]), "kind": str(r[2]), **json.loads(str(r[3]))} for r in rows]


def figures_list(db: Database, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Published months, newest first."""
    with db.transaction(read_only=True) as tx:
        total = tx.fetchone("SELECT COUNT(*) FROM hub_case_figures")
        rows = tx.fetchall(
            "SELECT month, published_at, body FROM hub_case_figures ORDER BY month DESC LIMIT %s OFFSET %s",
            (limit, offset),
        )
    items = [{**json.loads(str(r[2])), "published_at": str(r[1])} for r in rows]
    return items, int(total[0]) if total else 0
