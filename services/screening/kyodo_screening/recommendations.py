"""The evaluation committee's recommendation shown beside a screened project: the latest published for that same
project, or — for a project of a later fiscal year — for the project with the same department and project number
in an earlier fiscal year (how the inventory carries a project from year to year). Read from `ev_recommendations`
(bus_evaluation.py) with the query table `screening_projects` for the evaluated project's number and year.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kyodo_shared.store.db import Database


@dataclass(frozen=True)
class Screened:
    """A project as the recommendation's lookup needs it."""

    project_id: str
    department_id: str
    project_number: str
    fiscal_year: int


@dataclass(frozen=True)
class _Published:
    evaluation_project_id: str
    screening_project_id: str
    department_id: str
    project_number: str | None
    fiscal_year: int | None
    recommendation: str
    reasons_ja: str
    reasons_en: str | None
    published_at: str
    sequence: int

    def applies_to(self, project: Screened) -> bool:
        if self.screening_project_id == project.project_id:
            return True
        return (
            self.department_id == project.department_id
            and self.project_number == project.project_number
            and self.fiscal_year is not None
            and self.fiscal_year < project.fiscal_year
        )

    def precedence(self, project: Screened) -> tuple[bool, int, str, int]:
        """The project's own first; else the most recent earlier fiscal year's; then the latest published."""
        own = self.screening_project_id == project.project_id
        return own, self.fiscal_year or 0, self.published_at, self.sequence

    def shown(self, project: Screened) -> dict[str, Any]:
        return {
            "evaluation_project_id": self.evaluation_project_id,
            "screening_project_id": self.screening_project_id,
            "fiscal_year": self.fiscal_year,
            "recommendation": self.recommendation,
            "reasons_ja": self.reasons_ja,
            "reasons_en": self.reasons_en,
            "published_at": self.published_at,
            "from_earlier_year": self.screening_project_id != project.project_id,
        }


def recommendations(db: Database, projects: Sequence[Screened]) -> dict[str, dict[str, Any]]:
    """For each project that has one, the latest recommendation shown beside it (by project id)."""
    if not projects:
        return {}
    ids = sorted({p.project_id for p in projects})
    departments = sorted({p.department_id for p in projects})
    numbers = sorted({p.project_number for p in projects})
    # The evaluated project's department, number and year from the query table when it holds the project.
    sql = (
        "SELECT r.evaluation_project_id, r.screening_project_id, COALESCE(sp.department_id, r.department_id), "  # noqa: S608
        "COALESCE(sp.project_number, r.project_number), COALESCE(sp.fiscal_year, r.fiscal_year), r.recommendation, "
        "r.reasons_ja, r.reasons_en, r.published_at, r.source_sequence FROM ev_recommendations r "
        "LEFT JOIN screening_projects sp ON sp.project_id = r.screening_project_id "
        f"WHERE r.screening_project_id IN ({_marks(ids)}) "
        f"OR (COALESCE(sp.department_id, r.department_id) IN ({_marks(departments)}) "
        f"AND COALESCE(sp.project_number, r.project_number) IN ({_marks(numbers)}))"
    )
    with db.transaction(read_only=True) as tx:
        rows = tx.fetchall(sql, [*ids, *departments, *numbers])
    published = [
        _Published(
            str(r[0]),
            str(r[1]),
            str(r[2]),
            None if r[3] is None else str(r[3]),
            None if r[4] is None else int(str(r[4])),
            str(r[5]),
            str(r[6]),
            None if r[7] is None else str(r[7]),
            str(r[8]),
            int(str(r[9])),
        )
        for r in rows
    ]
    shown: dict[str, dict[str, Any]] = {}
    for project in projects:
        matching = [p for p in published if p.applies_to(project)]
        if matching:
            latest = max(matching, key=lambda p: p.precedence(project))
            shown[project.project_id] = latest.shown(project)
    return shown


def _marks(values: Sequence[object]) -> str:
    return ", ".join(["%s"] * len(values))
