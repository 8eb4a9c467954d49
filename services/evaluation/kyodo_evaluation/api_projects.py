"""Evaluation HTTP routes for collaboration projects: creation from a screening decision, the agreement and its
amendments (mutual consent), interim reports, and the partners' sealed self-evaluations."""

from __future__ import annotations

import json
from typing import Annotated, Any
from uuid import UUID

from fastapi import Query, Request, Response

from kyodo_evaluation.routing import Authenticated, Coordinator, Drafter, PartnerRole, application, project_view
from kyodo_evaluation.schemas import (
    AgreementDraft,
    Confirmation,
    CriteriaIn,
    FromScreening,
    ProjectPage,
    ProjectSummary,
    ProjectView,
    ReportIn,
    SelfEvaluationIn,
    SubmittedSelfEvaluation,
)
from kyodo_evaluation.vocabulary import Partner
from kyodo_shared.web.pagination import LINK_HEADER, Paging, paginated
from kyodo_shared.web.routes import actor_of, answered, etag_of, expected_version, service_router

router = service_router(prefix="/projects", tags=["projects"])


@router.post(
    "",
    status_code=201,
    response_model=ProjectView,
    summary="Start a project from a suitable screening decision whose form needs no call (共催・後援・情報交換)",
)
def from_screening(body: FromScreening, request: Request, response: Response, principal: Coordinator) -> Any:
    project = application(request).create_from_screening(
        actor_of(request, principal), body.screening_decision_id, body.group_id, body.form.value
    )
    response.headers["Location"] = f"projects/{project.id}"
    answered(request, response, project.version, 201)
    return project_view(project)


@router.get("", response_model=ProjectPage, responses=LINK_HEADER, summary="Projects, newest first")
def projects(
    request: Request,
    response: Response,
    principal: Authenticated,
    paging: Paging,
    group_id: Annotated[UUID | None, Query()] = None,
    department_id: Annotated[UUID | None, Query()] = None,
    status: Annotated[str | None, Query(pattern=r"^(drafting|active|ended|evaluating|reported)$")] = None,
) -> Any:
    items, total = application(request).list_projects(
        actor_of(request, principal),
        str(group_id) if group_id else None,
        str(department_id) if department_id else None,
        status,
        paging.offset,
        paging.limit,
    )
    summaries = [ProjectSummary.model_validate(i) for i in items]
    return paginated(request, response, paging, ProjectPage, summaries, total)


@router.get("/{project_id}", response_model=ProjectView, summary="A project: its agreement, draft and progress")
def read_project(project_id: UUID, request: Request, response: Response, principal: Authenticated) -> Any:
    app, actor = application(request), actor_of(request, principal)
    project = app.read_project(actor, project_id)
    response.headers["ETag"] = etag_of(project.version)
    return project_view(project, app.sees_negotiation(actor, project))


@router.get("/{project_id}/timeline", summary="The project's public events in order")
def project_timeline(project_id: UUID, request: Request, principal: Authenticated) -> Any:
    return {"items": application(request).project_timeline(actor_of(request, principal), project_id)}


@router.put(
    "/{project_id}/criteria",
    response_model=ProjectView,
    summary="Set the project's evaluation criteria before its agreement is concluded (coordinator, If-Match)",
)
def set_criteria(
    project_id: UUID, body: CriteriaIn, request: Request, response: Response, principal: Coordinator
) -> Any:
    project = application(request).set_criteria(
        actor_of(request, principal), expected_version(request), project_id, body.dumped()
    )
    answered(request, response, project.version)
    return project_view(project)


@router.put(
    "/{project_id}/agreement",
    response_model=ProjectView,
    summary="Put a version of the agreement (or an amendment, with its reason) up for both partners (If-Match)",
)
def draft_agreement(
    project_id: UUID, body: AgreementDraft, request: Request, response: Response, principal: Drafter
) -> Any:
    project = application(request).draft_agreement(
        actor_of(request, principal), expected_version(request), project_id, body.agreement.agreement(), body.reason
    )
    answered(request, response, project.version)
    return project_view(project)


@router.post(
    "/{project_id}/agreement/confirmations",
    response_model=ProjectView,
    summary="Confirm the version its hash names; both partners' confirmations conclude it (協定の締結)",
)
def confirm(project_id: UUID, body: Confirmation, request: Request, response: Response, principal: PartnerRole) -> Any:
    project = application(request).confirm_agreement(actor_of(request, principal), project_id, body.agreement_hash)
    answered(request, response, project.version)
    return project_view(project)


@router.post(
    "/{project_id}/reports/{index}",
    status_code=201,
    response_model=ProjectView,
    summary="File the partner's interim report with every indicator's value (中間報告)",
)
def file_report(
    project_id: UUID, index: int, body: ReportIn, request: Request, response: Response, principal: PartnerRole
) -> Any:
    project = application(request).file_report(
        actor_of(request, principal), project_id, index, [v.model_dump() for v in body.values], body.summary_ja
    )
    answered(request, response, project.version, 201)
    return project_view(project)


@router.get("/{project_id}/reports", summary="Interim reports filed, by date and partner")
def reports(project_id: UUID, request: Request, principal: Authenticated) -> Any:
    return {"items": application(request).reports_of(actor_of(request, principal), project_id)}


@router.put(
    "/{project_id}/self-evaluation",
    status_code=201,
    response_model=SubmittedSelfEvaluation,
    summary="The partner's self-evaluation, once, sealed from the other partner; answers a signed receipt",
)
def self_evaluate(
    project_id: UUID, body: SelfEvaluationIn, request: Request, response: Response, principal: PartnerRole
) -> Any:
    project, receipt = application(request).self_evaluate(
        actor_of(request, principal),
        project_id,
        [r.model_dump() for r in body.ratings],
        [v.model_dump() for v in body.achieved],
        body.summary_ja,
    )
    answered(request, response, project.version, 201)
    return SubmittedSelfEvaluation(project_version=project.version, receipt=json.loads(receipt.to_json()))


@router.get(
    "/{project_id}/self-evaluations/{partner}",
    summary="A self-evaluation: one's own at any time; the other partner's once both are in or the deadline passed",
)
def read_self_evaluation(project_id: UUID, partner: Partner, request: Request, principal: Authenticated) -> Any:
    found = application(request).read_self_evaluation(actor_of(request, principal), project_id, partner)
    if "receipt" in found:
        found["receipt"] = json.loads(found["receipt"])
    return found
