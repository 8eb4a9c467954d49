"""The screening service's query tables, projected from its own events: projects (lists and a round's scope),
rounds, and each project's screening in a round (progress). Lists read these; commands never decide from them
except for a round's count of undecided projects when it closes."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from kyodo_screening.domain import Project, Round
from kyodo_screening.screening import Screening
from kyodo_shared.store.db import Database, Tx

NAME = "screening_index"


def project_index(app: Any, events: Sequence[Any]) -> Callable[[Tx], None]:
    """Rows for every aggregate the events touched, read at its current version."""
    statements: list[tuple[str, tuple[Any, ...]]] = []
    for aggregate_id in sorted({e.originator_id for e in events}, key=str):
        aggregate = app.repository.get(aggregate_id)
        if isinstance(aggregate, Project):
            statements.append(_project_row(aggregate))
        elif isinstance(aggregate, Round):
            statements.append(_round_row(aggregate))
        elif isinstance(aggregate, Screening):
            statements.append(_screening_row(aggregate))

    def write(tx: Tx) -> None:
        for sql, values in statements:
            tx.execute(sql, values)

    return write


def _project_row(p: Project) -> tuple[str, tuple[Any, ...]]:
    return (
        "INSERT INTO screening_projects (project_id, department_id, fiscal_year, project_number, title, budget_yen, "
        "awaiting_round, version, record) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (project_id) DO "
        "UPDATE SET title = excluded.title, budget_yen = excluded.budget_yen, "
        "awaiting_round = excluded.awaiting_round, version = excluded.version, record = excluded.record",
        (
            str(p.id),
            str(p.department_id),
            p.fiscal_year,
            p.number,
            str(p.record["title"]),
            int(p.record["budget_yen"]),
            p.awaiting_round,
            p.version,
            json.dumps(p.record, ensure_ascii=False),
        ),
    )


def _round_row(r: Round) -> tuple[str, tuple[Any, ...]]:
    return (
        "INSERT INTO screening_rounds (round_id, fiscal_year, title_ja, status, department_ids, version) "
        "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (round_id) DO UPDATE SET fiscal_year = excluded.fiscal_year, "
        "title_ja = excluded.title_ja, status = excluded.status, department_ids = excluded.department_ids, "
        "version = excluded.version",
        (str(r.id), r.fiscal_year, str(r.spec["title_ja"]), str(r.status), json.dumps(r.departments), r.version),
    )


def _screening_row(s: Screening) -> tuple[str, tuple[Any, ...]]:
    decision = None if s.current is None else str(s.current["decision_id"])
    return (
        "INSERT INTO screening_entries (screening_id, round_id, project_id, department_id, status, cycle, "
        "assessments, self_checked, decision_id, version, carried) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (screening_id) DO UPDATE SET status = excluded.status, cycle = excluded.cycle, "
        "assessments = excluded.assessments, self_checked = excluded.self_checked, "
        "decision_id = excluded.decision_id, version = excluded.version",
        (
            str(s.id),
            str(s.round_id),
            str(s.project_id),
            str(s.department_id),
            s.status,
            s.cycle,
            len(s.assessments),
            s.self_check is not None,
            decision,
            s.version,
            s.carried_from is not None,
        ),
    )


@dataclass(frozen=True)
class ProjectRow:
    project_id: str
    department_id: str
    fiscal_year: int
    project_number: str
    title: str
    budget_yen: int
    awaiting_round: bool
    status: str  # in a round: pending / suitable / not_suitable / needs_study; outside one: ""
    assessments: int
    self_checked: bool


_SCOPE = (
    "FROM screening_projects p LEFT JOIN screening_entries e ON e.project_id = p.project_id AND e.round_id = %s "
    "WHERE p.department_id IN ({marks}) AND (p.fiscal_year = %s OR p.awaiting_round IS NOT NULL OR "
    "e.screening_id IS NOT NULL)"
)


def _in_round(round_: Round, extra: str = "") -> tuple[str, list[Any]]:
    departments = round_.departments or ["-"]
    where = _SCOPE.format(marks=", ".join(["%s"] * len(departments))) + extra
    return where, [str(round_.id), *departments, round_.fiscal_year]


def round_projects(
    db: Database, round_: Round, department_id: str | None, offset: int, limit: int
) -> tuple[list[ProjectRow], int]:
    """The projects a round screens: its departments' projects of its fiscal year, those awaiting a re-screen, and
    any it has screened; by department and project number."""
    extra, values = "", []
    if department_id is not None:
        extra, values = " AND p.department_id = %s", [department_id]
    where, params = _in_round(round_, extra)
    params += values
    columns = (
        "SELECT p.project_id, p.department_id, p.fiscal_year, p.project_number, p.title, p.budget_yen, "
        "p.awaiting_round, COALESCE(e.status, 'pending'), COALESCE(e.assessments, 0), COALESCE(e.self_checked, %s) "
    )
    with db.transaction(read_only=True) as tx:
        total = tx.fetchone("SELECT COUNT(*) " + where, params)
        rows = tx.fetchall(
            columns + where + " ORDER BY p.department_id, p.project_number LIMIT %s OFFSET %s",
            [False, *params, limit, offset],
        )
    items = [
        ProjectRow(
            str(r[0]),
            str(r[1]),
            int(r[2]),
            str(r[3]),
            str(r[4]),
            int(r[5]),
            r[6] is not None,
            str(r[7]),
            int(r[8]),
            bool(r[9]),
        )
        for r in rows
    ]
    return items, int(total[0]) if total else 0


def undecided_in_round(db: Database, round_: Round) -> int:
    where, params = _in_round(round_, " AND (e.status IS NULL OR e.status = 'pending')")
    with db.transaction(read_only=True) as tx:
        row = tx.fetchone("SELECT COUNT(*) " + where, params)
    return int(row[0]) if row else 0


def department_projects(
    db: Database, department_id: str, fiscal_year: int | None, offset: int, limit: int
) -> tuple[list[ProjectRow], int]:
    where, params = "FROM screening_projects WHERE department_id = %s", list[Any]([department_id])
    if fiscal_year is not None:
        where, params = where + " AND fiscal_year = %s", [*params, fiscal_year]
    with db.transaction(read_only=True) as tx:
        total = tx.fetchone("SELECT COUNT(*) " + where, params)
        rows = tx.fetchall(
            "SELECT project_id, department_id, fiscal_year, project_number, title, budget_yen, awaiting_round "
            + where
            + " ORDER BY fiscal_year DESC, project_number LIMIT %s OFFSET %s",
            [*params, limit, offset],
        )
    items = [
        ProjectRow(str(r[0]), str(r[1]), int(r[2]), str(r[3]), str(r[4]), int(r[5]), r[6] is not None, "", 0, False)
        for r in rows
    ]
    return items, int(total[0]) if total else 0


def list_rounds(
    db: Database, coordinator: bool, offset: int, limit: int
) -> tuple[list[tuple[str, int, str, str]], int]:
    """(round_id, fiscal_year, title_ja, status); drafts only for coordinators."""
    where = "" if coordinator else " WHERE status <> 'draft'"
    with db.transaction(read_only=True) as tx:
        total = tx.fetchone("SELECT COUNT(*) FROM screening_rounds" + where)  # noqa: S608
        rows = tx.fetchall(
            "SELECT round_id, fiscal_year, title_ja, status FROM screening_rounds"  # noqa: S608
            + where
            + " ORDER BY fiscal_year DESC, round_id LIMIT %s OFFSET %s",
            (limit, offset),
        )
    return [(str(r[0]), int(r[1]), str(r[2]), str(r[3])) for r in rows], int(total[0]) if total else 0


def department_records(db: Database, department_id: str, fiscal_year: int) -> list[dict[str, Any]]:
    """Every project record of a department's year as the query table holds it, by project number (the export)."""
    with db.transaction(read_only=True) as tx:
        rows = tx.fetchall(
            "SELECT record FROM screening_projects WHERE department_id = %s AND fiscal_year = %s "
            "ORDER BY project_number",
            (department_id, fiscal_year),
        )
    return [dict(json.loads(str(row[0]))) for row in rows]


def carried_pending(db: Database, round_id: str) -> list[str]:
    """Screenings of a round still pending that must not drop out at its close: brought back by a re-screen (a
    later cycle), or carried into this round from an earlier one."""
    with db.transaction(read_only=True) as tx:
        rows = tx.fetchall(
            "SELECT screening_id FROM screening_entries WHERE round_id = %s AND status = 'pending' "
            "AND (cycle > 1 OR carried) ORDER BY screening_id",
            (round_id,),
        )
    return [str(row[0]) for row in rows]


def projected_up_to(db: Database) -> int:
    """The last notification the query tables hold."""
    with db.transaction(read_only=True) as tx:
        row = tx.fetchone("SELECT position FROM kyodo_projection_position WHERE name = %s", (NAME,))
    return int(row[0]) if row else 0
