"""The screening register's reads (事業の選別の結果): the register with its filters, one entry in full, the rounds
and each round's progress per department, over the read models `bus.screening` and `bus.departments` keep.

A round's progress is derived, never stored: its projects are those of each department in scope whose fiscal year
is the round's; a project is screened when its latest current decision in the round (not superseded) was not
reopened there by its re-screen date, suitable when that decision is; every other project is pending. So
`projects = screened + pending` for every department.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kyodo_contracts.screening import Outcome as ScreeningOutcome
from kyodo_info_hub.domain import REOPENED_IN_ROUND
from kyodo_shared.store.db import Database, Row, Tx


@dataclass(frozen=True)
class RegisterFilter:
    fiscal_year: int | None = None
    department_id: str | None = None
    outcome: str | None = None
    form: str | None = None
    include_superseded: bool = False


@dataclass(frozen=True)
class RegisterEntry:
    decision_id: str
    round_id: str
    fiscal_year: int
    department_id: str
    department_name_ja: str | None
    department_name_en: str | None
    project_id: str
    project_number: str
    project_title: str
    outcome: str
    forms: list[str]
    reasons_ja: str
    reasons_en: str | None
    rescreen_on: str | None
    rescreen: str | None
    replaces: str | None
    superseded_by: str | None
    decided_at: str


@dataclass(frozen=True)
class RegisterDetail:
    """An entry with what its decision published beside it, and its round's checklist (what the answers' keys are)."""

    entry: RegisterEntry
    project: dict[str, Any]
    self_check: list[dict[str, Any]]
    assessments: list[dict[str, Any]]
    recusals: int
    round_title_ja: str | None
    round_title_en: str | None
    checklist: list[dict[str, Any]]


@dataclass(frozen=True)
class Round:
    round_id: str
    fiscal_year: int
    title_ja: str
    title_en: str | None
    department_ids: list[str]
    checklist: list[dict[str, Any]]
    self_check_deadline: str
    opened_on: str
    status: str
    self_check_closed_at: str | None
    closed_at: str | None
    undecided: int | None


@dataclass(frozen=True)
class DepartmentProgress:
    department_id: str
    name_ja: str | None
    name_en: str | None
    projects: int
    screened: int
    suitable: int
    pending: int


@dataclass(frozen=True)
class Decided:
    """A current decision in a round, as progress reads it."""

    project_id: str
    outcome: str
    rescreen: str | None
    decided_at: str
    sequence: int


_ENTRY_COLUMNS = (
    "d.decision_id, d.round_id, d.fiscal_year, d.department_id, h.name_ja, h.name_en, d.project_id, "
    "d.project_number, d.project_title, d.outcome, d.forms, d.reasons_ja, d.reasons_en, d.rescreen_on, d.rescreen, "
    "d.replaces, d.superseded_by, d.decided_at"
)
_FROM = "FROM screening_decisions d LEFT JOIN hub_departments h ON h.department_id = d.department_id"
_DETAIL_COLUMNS = f"{_ENTRY_COLUMNS}, d.body, r.title_ja, r.title_en, r.checklist"
_FROM_DETAIL = f"{_FROM} LEFT JOIN screening_rounds r ON r.round_id = d.round_id"
_ROUND_COLUMNS = (
    "round_id, fiscal_year, title_ja, title_en, department_ids, checklist, self_check_deadline, opened_on, status, "
    "self_check_closed_at, closed_at, undecided"
)


def _where(chosen: RegisterFilter) -> tuple[str, list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    if not chosen.include_superseded:
        clauses.append("d.superseded_by IS NULL")
    for column, value in (
        ("d.fiscal_year", chosen.fiscal_year),
        ("d.department_id", chosen.department_id),
        ("d.outcome", chosen.outcome),
    ):
        if value is not None:
            clauses.append(f"{column} = %s")
            params.append(value)
    if chosen.form is not None:
        clauses.append(
            "EXISTS (SELECT 1 FROM screening_decision_forms f WHERE f.decision_id = d.decision_id AND f.form = %s)"
        )
        params.append(chosen.form)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


class Register:
    """The screening register's public reads."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def entries(self, chosen: RegisterFilter, *, offset: int, limit: int) -> tuple[list[RegisterEntry], int]:
        """Entries matching the filter, the newest decision first, and how many match."""
        where, params = _where(chosen)
        with self.db.transaction(read_only=True) as tx:
            total = tx.fetchone(f"SELECT COUNT(*) {_FROM}{where}", params)
            rows = tx.fetchall(
                f"SELECT {_ENTRY_COLUMNS} {_FROM}{where} "
                "ORDER BY d.decided_at DESC, d.source_sequence DESC LIMIT %s OFFSET %s",
                [*params, limit, offset],
            )
        return [_entry(row) for row in rows], int(str(total[0])) if total else 0

    def entry(self, decision_id: str) -> RegisterDetail | None:
        with self.db.transaction(read_only=True) as tx:
            row = tx.fetchone(f"SELECT {_DETAIL_COLUMNS} {_FROM_DETAIL} WHERE d.decision_id = %s", (decision_id,))
        return _detail(row) if row else None

    def current(self) -> tuple[list[RegisterDetail], list[Round]]:
        """Every current decision in full, oldest first (a stable order: new decisions come at the end), and the
        rounds they belong to; read in one transaction, so the open data is one consistent state."""
        with self.db.transaction(read_only=True) as tx:
            rows = tx.fetchall(
                f"SELECT {_DETAIL_COLUMNS} {_FROM_DETAIL} WHERE d.superseded_by IS NULL "
                "ORDER BY d.decided_at, d.decision_id"
            )
            rounds = tx.fetchall(
                f"SELECT {_ROUND_COLUMNS} FROM screening_rounds WHERE round_id IN "  # noqa: S608
                "(SELECT round_id FROM screening_decisions WHERE superseded_by IS NULL) "
                "ORDER BY fiscal_year, opened_on, round_id"
            )
        return [_detail(row) for row in rows], [_round(row) for row in rounds]

    def rounds(self, *, offset: int, limit: int) -> tuple[list[Round], int]:
        """Rounds, the latest fiscal year first."""
        with self.db.transaction(read_only=True) as tx:
            total = tx.fetchone("SELECT COUNT(*) FROM screening_rounds")
            rows = tx.fetchall(
                f"SELECT {_ROUND_COLUMNS} FROM screening_rounds "  # noqa: S608
                "ORDER BY fiscal_year DESC, opened_on DESC, round_id LIMIT %s OFFSET %s",
                (limit, offset),
            )
        return [_round(row) for row in rows], int(str(total[0])) if total else 0

    def progress(self, round_id: str) -> tuple[Round, list[DepartmentProgress]] | None:
        """A round's progress per department in scope (by department code, then id), or None for no such round."""
        with self.db.transaction(read_only=True) as tx:
            row = tx.fetchone(f"SELECT {_ROUND_COLUMNS} FROM screening_rounds WHERE round_id = %s", (round_id,))  # noqa: S608
            if row is None:
                return None
            found = _round(row)
            projects = tx.fetchall(
                "SELECT project_id, department_id FROM screening_projects WHERE fiscal_year = %s",
                (found.fiscal_year,),
            )
            decided = tx.fetchall(
                "SELECT project_id, outcome, rescreen, decided_at, source_sequence FROM screening_decisions "
                "WHERE round_id = %s AND superseded_by IS NULL",
                (round_id,),
            )
            names = _departments(tx, found.department_ids)
        counts = tally(
            found.department_ids,
            [(str(p[0]), str(p[1])) for p in projects],
            [Decided(str(d[0]), str(d[1]), _text(d[2]), str(d[3]), int(str(d[4]))) for d in decided],
        )
        # Departments known here by their code; any not (yet) known after them, by id.
        order = sorted(counts, key=lambda d: (d not in names, names[d][0] if d in names else "", d))
        unknown: tuple[str, str | None, str | None] = ("", None, None)
        return found, [DepartmentProgress(d, *names.get(d, unknown)[1:], *counts[d]) for d in order]


def tally(
    department_ids: Iterable[str], projects: Iterable[tuple[str, str]], decided: Iterable[Decided]
) -> dict[str, tuple[int, int, int, int]]:
    """(projects, screened, suitable, pending) per department: `projects` are (project_id, department_id) of the
    round's fiscal year, `decided` the round's current decisions."""
    latest: dict[str, Decided] = {}
    for decision in decided:
        seen = latest.get(decision.project_id)
        if seen is None or (decision.decided_at, decision.sequence) > (seen.decided_at, seen.sequence):
            latest[decision.project_id] = decision
    in_scope = {d: [0, 0, 0, 0] for d in department_ids}
    for project_id, department_id in projects:
        counts = in_scope.get(department_id)
        if counts is None:
            continue
        counts[0] += 1
        current = latest.get(project_id)
        if current is None or current.rescreen == REOPENED_IN_ROUND:
            counts[3] += 1
            continue
        counts[1] += 1
        counts[2] += current.outcome == ScreeningOutcome.SUITABLE
    return {d: (c[0], c[1], c[2], c[3]) for d, c in in_scope.items()}


def _departments(tx: Tx, department_ids: list[str]) -> dict[str, tuple[str, str | None, str | None]]:
    """Code and names of the departments known here, by id."""
    rows = tx.fetchall("SELECT department_id, code, name_ja, name_en FROM hub_departments")
    wanted = set(department_ids)
    return {str(r[0]): (str(r[1]), str(r[2]), _text(r[3])) for r in rows if str(r[0]) in wanted}


def _text(value: object) -> str | None:
    return str(value) if value is not None else None


def _entry(row: Row) -> RegisterEntry:
    return RegisterEntry(
        decision_id=str(row[0]),
        round_id=str(row[1]),
        fiscal_year=int(str(row[2])),
        department_id=str(row[3]),
        department_name_ja=_text(row[4]),
        department_name_en=_text(row[5]),
        project_id=str(row[6]),
        project_number=str(row[7]),
        project_title=str(row[8]),
        outcome=str(row[9]),
        forms=list(json.loads(str(row[10]))),
        reasons_ja=str(row[11]),
        reasons_en=_text(row[12]),
        rescreen_on=_text(row[13]),
        rescreen=_text(row[14]),
        replaces=_text(row[15]),
        superseded_by=_text(row[16]),
        decided_at=str(row[17]),
    )


def _detail(row: Row) -> RegisterDetail:
    body: dict[str, Any] = json.loads(str(row[18]))
    return RegisterDetail(
        entry=_entry(row),
        project=body["project"],
        self_check=body.get("self_check", []),
        assessments=body.get("assessments", []),
        recusals=int(body.get("recusals", 0)),
        round_title_ja=_text(row[19]),
        round_title_en=_text(row[20]),
        checklist=json.loads(str(row[21])) if row[21] is not None else [],
    )


def _round(row: Row) -> Round:
    return Round(
        round_id=str(row[0]),
        fiscal_year=int(str(row[1])),
        title_ja=str(row[2]),
        title_en=_text(row[3]),
        department_ids=list(json.loads(str(row[4]))),
        checklist=list(json.loads(str(row[5]))),
        self_check_deadline=str(row[6]),
        opened_on=str(row[7]),
        status=str(row[8]),
        self_check_closed_at=_text(row[9]),
        closed_at=_text(row[10]),
        undecided=int(str(row[11])) if row[11] is not None else None,
    )
