"""The evaluation service's query tables, projected from its own events: projects (for lists, by partner and
status) and each project's timeline of public events. Lists read these; commands never decide from them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from kyodo_evaluation.committee import CommitteeEvaluation
from kyodo_evaluation.domain import Project
from kyodo_shared.store.db import Database, Tx

NAME = "evaluation_index"

# Project events the timeline shows (the others are the partners' negotiation or sealed work).
TIMELINE = frozenset({"Created", "Concluded", "ReportFiled", "Overdue", "Ended", "Unsealed", "Reported", "ReminderDue"})


def project_index(app: Any, events: Sequence[Any]) -> Callable[[Tx], None]:
    """Rows for every project the events touched (a committee's events touch its project's row), read at its
    current version, and a timeline row per public project event."""
    statements: list[tuple[str, tuple[Any, ...]]] = []
    projects: dict[str, Project] = {}
    # Each aggregate the events touched, read once (a committee's events stand for its project's row).
    touched = {e.originator_id: app.repository.get(e.originator_id) for e in events}
    for aggregate in touched.values():
        if isinstance(aggregate, CommitteeEvaluation):
            aggregate = app.repository.get(aggregate.project_id)
        if isinstance(aggregate, Project):
            projects[str(aggregate.id)] = aggregate
    for e in events:
        name = type(e).__name__
        if isinstance(touched[e.originator_id], Project) and name in TIMELINE:
            statements.append(_timeline_row(e, name))
    for project in projects.values():
        statements.append(_project_row(project))

    def write(tx: Tx) -> None:
        for sql, values in statements:
            tx.execute(sql, values)

    return write


def _timeline_row(e: Any, name: str) -> tuple[str, tuple[Any, ...]]:
    summary = {
        k: getattr(e, k) for k in ("partner", "index", "due_on", "late", "cause", "recommendation") if hasattr(e, k)
    }
    if name == "Concluded":
        summary = {"version": e.version, "reason": e.reason}
    return (
        "INSERT INTO ev_timeline (project_id, position, at, kind, summary) VALUES (%s, %s, %s, %s, %s) "
        "ON CONFLICT (project_id, position) DO NOTHING",
        (str(e.originator_id), e.originator_version, e.timestamp.isoformat(), name, json.dumps(summary, default=str)),
    )


def _project_row(p: Project) -> tuple[str, tuple[Any, ...]]:
    agreement = p.agreement
    record = {
        "source": p.source,
        "links": p.links,
        "agreement_version": p.concluded[-1]["version"] if p.concluded else None,
        "period_end": agreement["period_end"] if agreement else None,
        "recommendation": p.recommendation,
    }
    return (
        "INSERT INTO ev_projects (project_id, group_id, department_id, title_ja, source, status, fiscal_year, "
        "created_at, record) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (project_id) DO UPDATE SET "
        "title_ja = excluded.title_ja, status = excluded.status, record = excluded.record",
        (
            str(p.id),
            str(p.group_id),
            str(p.department_id),
            p.title_ja,
            p.source,
            p.status.value,
            None,
            p.created_at,
            json.dumps(record, ensure_ascii=False, default=str),
        ),
    )


def list_projects(db: Database, filters: dict[str, str], offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Projects by creation, newest first, filtered by group, department and status."""
    where, params = [], []
    for column in ("group_id", "department_id", "status"):
        if filters.get(column):
            where.append(f"{column} = %s")
            params.append(filters[column])
    # Only fixed column names are joined in; every value is a parameter.
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    with db.transaction(read_only=True) as tx:
        total = tx.fetchone("SELECT COUNT(*) FROM ev_projects" + clause, params)  # noqa: S608
        columns = "SELECT project_id, group_id, department_id, title_ja, source, status, created_at, record "
        rows = tx.fetchall(
            columns + "FROM ev_projects" + clause + " ORDER BY created_at DESC, project_id LIMIT %s OFFSET %s",
            [*params, limit, offset],
        )
    items = [
        {
            "project_id": str(r[0]),
            "group_id": str(r[1]),
            "department_id": str(r[2]),
            "title_ja": str(r[3]),
            "source": str(r[4]),
            "status": str(r[5]),
            "created_at": str(r[6]),
            **json.loads(str(r[7])),
        }
        for r in rows
    ]
    return items, int(total[0]) if total else 0


def timeline(db: Database, project_id: str) -> list[dict[str, Any]]:
    with db.transaction(read_only=True) as tx:
        rows = tx.fetchall(
            "SELECT position, at, kind, summary FROM ev_timeline WHERE project_id = %s ORDER BY position",
            (project_id,),
        )
    return [{"position": int(r[0]), "at": str(r[1]), "kind": str(r[2]), **json.loads(str(r[3]))} for r in rows]
