"""What the screening service's routes share: the application, the roles a route requires, and the views."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request

from kyodo_screening.app import ScreeningApplication
from kyodo_screening.domain import Project, Round
from kyodo_screening.index import ProjectRow
from kyodo_screening.schemas import EvaluationNote, ProjectSummary, ProjectView, RoundView
from kyodo_screening.vocabulary import RoundStatus
from kyodo_shared.web.access import optional_principal, requires
from kyodo_shared.web.auth import Principal, Role

Coordinator = Annotated[Principal, Depends(requires(Role.COORDINATOR))]
# Departments keep their inventory; the center's coordinators may do it for them.
InventoryKeeper = Annotated[Principal, Depends(requires(Role.STAFF, Role.COORDINATOR))]
Staff = Annotated[Principal, Depends(requires(Role.STAFF))]
# The cross-department team's members are city staff; the round's roster decides who assesses.
TeamMember = Annotated[Principal, Depends(requires(Role.TEAM, Role.STAFF))]
Authenticated = Annotated[Principal, Depends(requires(*Role))]
Anyone = Annotated[Principal | None, Depends(optional_principal)]


def application(request: Request) -> ScreeningApplication:
    app: ScreeningApplication = request.app.state.kernel.application
    return app


def project_view(project: Project) -> ProjectView:
    return ProjectView(
        id=project.id,
        version=project.version,
        department_id=project.department_id,
        fiscal_year=project.fiscal_year,
        record=project.record,
        awaiting_round=project.awaiting_round is not None,
    )


def project_summary(row: ProjectRow, in_round: bool, evaluation: dict[str, Any] | None = None) -> ProjectSummary:
    return ProjectSummary(
        id=row.project_id,
        department_id=row.department_id,
        fiscal_year=row.fiscal_year,
        project_number=row.project_number,
        title=row.title,
        budget_yen=row.budget_yen,
        awaiting_round=row.awaiting_round,
        status=row.status if in_round else None,
        assessments=row.assessments if in_round else None,
        self_checked=row.self_checked if in_round else None,
        evaluation=None if evaluation is None else EvaluationNote.model_validate(evaluation),
    )


def round_view(found: Round, now: datetime) -> RoundView:
    """The round as it stands at `now`: self-checks are open only in an open round before its deadline."""
    spec = found.spec
    return RoundView(
        id=found.id,
        version=found.version,
        status=found.status,
        fiscal_year=found.fiscal_year,
        title_ja=spec["title_ja"],
        title_en=spec.get("title_en"),
        checklist=spec["checklist"],
        department_ids=spec["department_ids"],
        self_check_deadline=spec["self_check_deadline"],
        self_check_open=found.status == RoundStatus.OPEN and found.self_check_open_at(now),
        opened_on=found.opened_on,
        team_subs=sorted(found.team),
        closed_at=found.closed_at,
    )
