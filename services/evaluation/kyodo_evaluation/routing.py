"""What the evaluation service's routes share: the application, the roles a route requires, and the views."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from kyodo_evaluation.app import EvaluationApplication
from kyodo_evaluation.domain import Project
from kyodo_evaluation.schemas import ProjectView
from kyodo_shared.web.access import requires
from kyodo_shared.web.auth import Principal, Role

Coordinator = Annotated[Principal, Depends(requires(Role.COORDINATOR))]
# A partner is a group's representative or contact, or a department's liaison (city staff); the project decides.
PartnerRole = Annotated[Principal, Depends(requires(Role.GROUP, Role.STAFF))]
# The agreement may be drafted by either partner or by the center helping them.
Drafter = Annotated[Principal, Depends(requires(Role.GROUP, Role.STAFF, Role.COORDINATOR))]
Evaluator = Annotated[Principal, Depends(requires(Role.EVALUATOR))]
Authenticated = Annotated[Principal, Depends(requires(*Role))]


def application(request: Request) -> EvaluationApplication:
    app: EvaluationApplication = request.app.state.kernel.application
    return app


def project_view(project: Project, negotiation: bool = True) -> ProjectView:
    """`negotiation`: whether the caller sees the draft under discussion and who confirmed it."""
    concluded = project.concluded[-1] if project.concluded else None
    return ProjectView(
        id=project.id,
        version=project.version,
        source=project.source,
        status=project.status.value,
        group_id=project.group_id,
        department_id=project.department_id,
        title_ja=project.title_ja,
        links=project.links,
        criteria=project.criteria,
        agreement=concluded,
        draft=project.draft if negotiation else None,
        confirmed_by=sorted(project.confirmed) if negotiation else [],
        amendments=max(len(project.concluded) - 1, 0),
        ended_on=project.ended_on,
        self_evaluation_deadline=project.deadline,
        self_evaluations_in=sorted(project.self_evaluations),
        unsealed=project.unsealed,
        overdue=list(project.overdue),
        recommendation=project.recommendation,
    )
