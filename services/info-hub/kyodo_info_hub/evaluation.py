"""Collaboration projects and evaluation reports on the portal (協働事業と評価結果): the reads over the read models
`bus.evaluation` keeps, with the group's and department's names where info-hub knows them.

A call's results and its projects link both ways: a report names its call and proposal, and `projects_of_calls`
gives, for each adopted proposal that became a project, the project and its recommendation once published.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from kyodo_shared.store.db import Database, Row


@dataclass(frozen=True)
class ProjectFilter:
    group_id: str | None = None
    department_id: str | None = None
    recommendation: str | None = None


@dataclass(frozen=True)
class CollaborationProject:
    project_id: str
    source: str
    group_id: str
    group_name: str | None
    department_id: str
    department_name_ja: str | None
    department_name_en: str | None
    title_ja: str
    call_id: str | None
    proposal_id: str | None
    screening_decision_id: str | None
    screening_project_id: str | None
    form: str | None
    criteria: list[dict[str, Any]]
    created_at: str
    stage: str
    recommendation: str | None


@dataclass(frozen=True)
class AgreementVersion:
    version: int
    agreement_hash: str
    agreement: dict[str, Any]
    amendment_reason: str | None
    concluded_at: str


@dataclass(frozen=True)
class TimelineEntry:
    sequence: int
    kind: str
    at: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class ProjectDetail:
    project: CollaborationProject
    agreement: AgreementVersion | None
    timeline: list[TimelineEntry]


@dataclass(frozen=True)
class ReportSummary:
    project_id: str
    title_ja: str | None
    group_id: str
    department_id: str
    call_id: str | None
    proposal_id: str | None
    screening_decision_id: str | None
    screening_project_id: str | None
    recommendation: str
    overall_mean: str
    agreement_version: int
    published_at: str


@dataclass(frozen=True)
class CallProject:
    """An adopted proposal of a call that became a collaboration project."""

    proposal_id: str
    project_id: str
    recommendation: str | None
    report_published_at: str | None


_PROJECT_COLUMNS = (
    "p.project_id, p.source, p.group_id, g.name, p.department_id, h.name_ja, h.name_en, p.title_ja, p.call_id, "
    "p.proposal_id, p.screening_decision_id, p.screening_project_id, p.form, p.criteria, p.created_at, p.stage, "
    "p.recommendation"
)
_PROJECTS = (
    "FROM evaluation_projects p LEFT JOIN directory_groups g ON g.group_id = p.group_id "
    "LEFT JOIN hub_departments h ON h.department_id = p.department_id"
)
_REPORT_COLUMNS = (
    "r.project_id, p.title_ja, r.group_id, r.department_id, r.call_id, r.proposal_id, r.screening_decision_id, "
    "r.screening_project_id, r.recommendation, r.overall_mean, r.agreement_version, r.published_at"
)
_REPORTS = "FROM evaluation_reports r LEFT JOIN evaluation_projects p ON p.project_id = r.project_id"


def _where(clauses: list[tuple[str, str | None]]) -> tuple[str, list[object]]:
    chosen = [(column, value) for column, value in clauses if value is not None]
    where = " AND ".join(f"{column} = %s" for column, _ in chosen)
    return (" WHERE " + where) if where else "", [value for _, value in chosen]


class Evaluations:
    """The portal's reads of collaboration projects, their timelines and published evaluation reports."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def projects(self, chosen: ProjectFilter, *, offset: int, limit: int) -> tuple[list[CollaborationProject], int]:
        """Projects, the newest first, and how many match."""
        where, params = _where(
            [
                ("p.group_id", chosen.group_id),
                ("p.department_id", chosen.department_id),
                ("p.recommendation", chosen.recommendation),
            ]
        )
        with self.db.transaction(read_only=True) as tx:
            total = tx.fetchone(f"SELECT COUNT(*) FROM evaluation_projects p{where}", params)  # noqa: S608
            rows = tx.fetchall(
                f"SELECT {_PROJECT_COLUMNS} {_PROJECTS}{where} ORDER BY p.created_sequence DESC LIMIT %s OFFSET %s",
                [*params, limit, offset],
            )
        return [_project(row) for row in rows], _count(total)

    def project(self, project_id: str) -> ProjectDetail | None:
        """A project, its latest agreement (amendments included) and its timeline in the source's order."""
        with self.db.transaction(read_only=True) as tx:
            row = tx.fetchone(f"SELECT {_PROJECT_COLUMNS} {_PROJECTS} WHERE p.project_id = %s", (project_id,))
            if row is None:
                return None
            agreement = tx.fetchone(
                "SELECT version, agreement_hash, agreement, amendment_reason, concluded_at FROM evaluation_agreements "
                "WHERE project_id = %s ORDER BY version DESC LIMIT 1",
                (project_id,),
            )
            timeline = tx.fetchall(
                "SELECT source_sequence, kind, at, detail FROM evaluation_timeline WHERE project_id = %s "
                "ORDER BY source_sequence",
                (project_id,),
            )
        return ProjectDetail(
            project=_project(row),
            agreement=_agreement(agreement) if agreement else None,
            timeline=[TimelineEntry(int(str(t[0])), str(t[1]), str(t[2]), json.loads(str(t[3]))) for t in timeline],
        )

    def reports(
        self, chosen: ProjectFilter, *, call_id: str | None, offset: int, limit: int
    ) -> tuple[list[ReportSummary], int]:
        """Published reports, the latest first, and how many match."""
        where, params = _where(
            [
                ("r.group_id", chosen.group_id),
                ("r.department_id", chosen.department_id),
                ("r.recommendation", chosen.recommendation),
                ("r.call_id", call_id),
            ]
        )
        with self.db.transaction(read_only=True) as tx:
            total = tx.fetchone(f"SELECT COUNT(*) FROM evaluation_reports r{where}", params)  # noqa: S608
            rows = tx.fetchall(
                f"SELECT {_REPORT_COLUMNS} {_REPORTS}{where} "
                "ORDER BY r.published_at DESC, r.source_sequence DESC LIMIT %s OFFSET %s",
                [*params, limit, offset],
            )
        return [_report(row) for row in rows], _count(total)

    def report(self, project_id: str) -> tuple[ReportSummary, dict[str, Any]] | None:
        """A report's columns and the whole report as published."""
        with self.db.transaction(read_only=True) as tx:
            row = tx.fetchone(
                f"SELECT {_REPORT_COLUMNS}, r.body {_REPORTS} WHERE r.project_id = %s",
                (project_id,),
            )
        return (_report(row), json.loads(str(row[12]))) if row else None

    def projects_of_calls(self, call_ids: list[str]) -> dict[str, list[CallProject]]:
        """For each call, the projects its adopted proposals became (by proposal), with their recommendations."""
        if not call_ids:
            return {}
        marks = ", ".join(["%s"] * len(call_ids))
        with self.db.transaction(read_only=True) as tx:
            rows = tx.fetchall(
                "SELECT p.call_id, p.proposal_id, p.project_id, r.recommendation, r.published_at "  # noqa: S608
                "FROM evaluation_projects p LEFT JOIN evaluation_reports r ON r.project_id = p.project_id "
                f"WHERE p.call_id IN ({marks}) AND p.proposal_id IS NOT NULL ORDER BY p.call_id, p.proposal_id",
                call_ids,
            )
        found: dict[str, list[CallProject]] = {call_id: [] for call_id in call_ids}
        for row in rows:
            found[str(row[0])].append(CallProject(str(row[1]), str(row[2]), _text(row[3]), _text(row[4])))
        return found


def _count(row: Row | None) -> int:
    return int(str(row[0])) if row else 0


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _project(row: Row) -> CollaborationProject:
    return CollaborationProject(
        project_id=str(row[0]),
        source=str(row[1]),
        group_id=str(row[2]),
        group_name=_text(row[3]),
        department_id=str(row[4]),
        department_name_ja=_text(row[5]),
        department_name_en=_text(row[6]),
        title_ja=str(row[7]),
        call_id=_text(row[8]),
        proposal_id=_text(row[9]),
        screening_decision_id=_text(row[10]),
        screening_project_id=_text(row[11]),
        form=_text(row[12]),
        criteria=json.loads(str(row[13])),
        created_at=str(row[14]),
        stage=str(row[15]),
        recommendation=_text(row[16]),
    )


def _agreement(row: Row) -> AgreementVersion:
    return AgreementVersion(
        version=int(str(row[0])),
        agreement_hash=str(row[1]),
        agreement=json.loads(str(row[2])),
        amendment_reason=_text(row[3]),
        concluded_at=str(row[4]),
    )


def _report(row: Row) -> ReportSummary:
    return ReportSummary(
        project_id=str(row[0]),
        title_ja=_text(row[1]),
        group_id=str(row[2]),
        department_id=str(row[3]),
        call_id=_text(row[4]),
        proposal_id=_text(row[5]),
        screening_decision_id=_text(row[6]),
        screening_project_id=_text(row[7]),
        recommendation=str(row[8]),
        overall_mean=str(row[9]),
        agreement_version=int(str(row[10])),
        published_at=str(row[11]),
    )
