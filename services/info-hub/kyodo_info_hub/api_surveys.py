"""The survey's routes (実態調査): the center builds and runs it, groups answer, anyone reads the statistics once
published (never before the close), and a question's history year over year.

An invited group's token travels in the `X-Survey-Token` header (its link carries it in the fragment). Answers and
invitations are answered `Cache-Control: no-store` and `Referrer-Policy: no-referrer`.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response

from kyodo_info_hub.survey_answering import require_restricted_reader
from kyodo_info_hub.surveys import Survey
from kyodo_info_hub.surveys_app import SurveyCommands
from kyodo_info_hub.surveys_index import list_surveys, question_history
from kyodo_info_hub.surveys_schemas import (
    KEY,
    AnswerIn,
    AnswerPage,
    AnswerRow,
    AnswerView,
    CancellationIn,
    CrosstabsIn,
    HistoryEntry,
    HistoryPage,
    InvitationIn,
    InvitationPage,
    InvitationView,
    InvitedGroup,
    QuestionHistory,
    QuestionnaireIn,
    StatisticsView,
    SurveyPage,
    SurveyView,
)
from kyodo_shared.domain.actors import Actor
from kyodo_shared.web.access import optional_principal, requires
from kyodo_shared.web.auth import Principal, Role
from kyodo_shared.web.pagination import LINK_HEADER, Paging, paginated
from kyodo_shared.web.routes import actor_of, answered, etag_of, expected_version, service_router

router = service_router(prefix="/surveys", tags=["surveys"])
history_router = service_router(prefix="/survey-questions", tags=["surveys"])

Coordinator = Annotated[Principal, Depends(requires(Role.COORDINATOR))]
Anyone = Annotated[Principal | None, Depends(optional_principal)]
_TOKEN = {"min_length": 20, "max_length": 100, "pattern": r"^[A-Za-z0-9_-]+$"}
TokenHeader = Annotated[
    str | None, Header(alias="X-Survey-Token", description="The secret of an invited group's link.", **_TOKEN)
]
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
_STATUS = r"^(draft|announced|open|closed|cancelled)$"


def application(request: Request) -> SurveyCommands:
    app: SurveyCommands = request.app.state.kernel.application
    return app


def maybe_actor(request: Request, principal: Principal | None) -> Actor | None:
    return actor_of(request, principal) if principal is not None else None


def _trace(request: Request, actor: Actor | None) -> dict[str, str]:
    if actor is not None:
        return actor.trace_dict()
    return {"correlation_id": request.state.correlation_id, "causation_id": str(uuid.uuid4()), "actor": "invited-group"}


def done(request: Request, response: Response, survey: Survey, status: int = 200) -> SurveyView:
    answered(request, response, survey.definition_version, status)
    return SurveyView.model_validate(survey.public())


@router.post("", status_code=201, response_model=SurveyView, summary="Draft a survey (its questionnaire)")
def draft(body: QuestionnaireIn, request: Request, response: Response, principal: Coordinator) -> Any:
    survey = application(request).draft_survey(actor_of(request, principal), body.events_form())
    response.headers["Location"] = f"/api/info-hub/surveys/{survey.id}"
    return done(request, response, survey, 201)


@router.get("", response_model=SurveyPage, responses=LINK_HEADER, summary="Surveys, the latest year first")
def surveys(
    request: Request,
    response: Response,
    principal: Anyone,
    paging: Paging,
    status: Annotated[str | None, Query(pattern=_STATUS)] = None,
    fiscal_year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> Any:
    """Every survey but drafts; `status=draft` lists drafts (coordinators and auditors, who read them)."""
    if status == "draft":
        require_restricted_reader(maybe_actor(request, principal))
    statuses = [status] if status else ["announced", "open", "closed", "cancelled"]
    items, total = list_surveys(
        application(request).db, statuses=statuses, fiscal_year=fiscal_year, offset=paging.offset, limit=paging.limit
    )
    return paginated(request, response, paging, SurveyPage, [SurveyView.model_validate(i) for i in items], total)


@router.get("/{survey_id}", response_model=SurveyView, summary="A survey: its questionnaire and window")
def read(survey_id: UUID, request: Request, response: Response, principal: Anyone) -> Any:
    survey = application(request).read_survey(maybe_actor(request, principal), survey_id)
    response.headers["ETag"] = etag_of(survey.definition_version)
    return SurveyView.model_validate(survey.public())


@router.put("/{survey_id}", response_model=SurveyView, summary="Revise a draft's questionnaire (If-Match)")
def revise(survey_id: UUID, body: QuestionnaireIn, request: Request, response: Response, principal: Coordinator) -> Any:
    survey = application(request).revise_survey(
        actor_of(request, principal), expected_version(request), survey_id, body.events_form()
    )
    return done(request, response, survey)


@router.put("/{survey_id}/crosstabs", response_model=SurveyView, summary="Choose the cross-tabulations (If-Match)")
def crosstabs(survey_id: UUID, body: CrosstabsIn, request: Request, response: Response, principal: Coordinator) -> Any:
    survey = application(request).choose_crosstabs(
        actor_of(request, principal), expected_version(request), survey_id, body.crosstabs
    )
    return done(request, response, survey)


@router.post("/{survey_id}/announcement", response_model=SurveyView, summary="Announce a draft (If-Match)")
def announce(survey_id: UUID, request: Request, response: Response, principal: Coordinator) -> Any:
    survey = application(request).announce_survey(actor_of(request, principal), expected_version(request), survey_id)
    return done(request, response, survey)


@router.post("/{survey_id}/cancellation", response_model=SurveyView, summary="Cancel a survey (If-Match)")
def cancel(survey_id: UUID, body: CancellationIn, request: Request, response: Response, principal: Coordinator) -> Any:
    survey = application(request).cancel_survey(
        actor_of(request, principal), expected_version(request), survey_id, body.reason_ja, body.reason_en
    )
    return done(request, response, survey)


def _link(request: Request, survey_id: UUID, invitation_id: str, token: str) -> InvitationView:
    base = application(request).center.public_url
    link = f"{base}/surveys/{survey_id}/answers/{invitation_id}#token={token}"
    return InvitationView(invitation_id=invitation_id, survey_id=survey_id, link=link, token=token)


@router.post(
    "/{survey_id}/invitations",
    status_code=201,
    response_model=InvitationView,
    summary="Invite a group not registered: its one-time link (shown once)",
)
def invite(survey_id: UUID, body: InvitationIn, request: Request, response: Response, principal: Coordinator) -> Any:
    survey, iid, token = application(request).invite_group(
        actor_of(request, principal), survey_id, body.name_ja, body.name_en
    )
    answered(request, response, survey.definition_version, 201)
    response.headers.update(PRIVATE)
    return _link(request, survey_id, iid, token)


@router.post(
    "/{survey_id}/invitations/{invitation_id}/reissue",
    response_model=InvitationView,
    summary="A new link for an invitation (the old one stops working)",
)
def reissue(survey_id: UUID, invitation_id: UUID, request: Request, response: Response, principal: Coordinator) -> Any:
    survey, token = application(request).reissue_invitation(actor_of(request, principal), survey_id, str(invitation_id))
    answered(request, response, survey.definition_version)
    response.headers.update(PRIVATE)
    return _link(request, survey_id, str(invitation_id), token)


@router.get(
    "/{survey_id}/invitations",
    response_model=InvitationPage,
    responses=LINK_HEADER,
    summary="Invited groups (restricted), in the order they were invited",
)
def invitations(survey_id: UUID, request: Request, response: Response, principal: Anyone, paging: Paging) -> Any:
    actor = maybe_actor(request, principal)
    items, total = application(request).invitations(actor, survey_id, paging.offset, paging.limit)
    response.headers.update(PRIVATE)
    rows = [InvitedGroup.model_validate(i) for i in items]
    return paginated(request, response, paging, InvitationPage, rows, total)


@router.get("/{survey_id}/answers", response_model=AnswerPage, responses=LINK_HEADER, summary="Every target's answer")
def answers(survey_id: UUID, request: Request, response: Response, principal: Anyone, paging: Paging) -> Any:
    """Coordinators and auditors only, in the target set's order."""
    items, total = application(request).answers(maybe_actor(request, principal), survey_id, paging.offset, paging.limit)
    response.headers.update(PRIVATE)
    return paginated(request, response, paging, AnswerPage, [AnswerRow.model_validate(i) for i in items], total)


Respondent = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$", description="A group's id, or an invitation's id.")]


@router.get("/{survey_id}/answers/{respondent}", response_model=AnswerView, summary="One group's answer")
def answer(
    survey_id: UUID,
    respondent: Respondent,
    request: Request,
    response: Response,
    principal: Anyone,
    x_survey_token: TokenHeader = None,
) -> Any:
    """The group's own (its representative or contacts, or its invitation's token); coordinators and auditors."""
    found = application(request).read_answer(maybe_actor(request, principal), x_survey_token, survey_id, respondent)
    response.headers.update(PRIVATE)
    response.headers["ETag"] = etag_of(found.version)
    return found.view()


@router.put("/{survey_id}/answers/{respondent}", response_model=AnswerView, summary="Save a draft, or submit")
def save(
    survey_id: UUID,
    respondent: Respondent,
    body: AnswerIn,
    request: Request,
    response: Response,
    principal: Anyone,
    x_survey_token: TokenHeader = None,
) -> Any:
    """By the group's representative or contacts, or the invited group's token; only targets, only while open.
    The first save needs no If-Match; a later one the answer's ETag (428 without it, 412 when stale)."""
    actor = maybe_actor(request, principal)
    saved = application(request).save_answer(
        actor,
        x_survey_token,
        survey_id,
        respondent,
        body.values,
        body.submit,
        _trace(request, actor),
        expected_version(request),
    )
    answered(request, response, saved.version)
    response.headers.update(PRIVATE)
    return saved.view()


@router.get(
    "/{survey_id}/statistics", response_model=StatisticsView, summary="The published statistics (after the close)"
)
def statistics(survey_id: UUID, request: Request) -> Any:
    survey, stats = application(request).survey_statistics(survey_id)
    return {
        "survey_id": survey.id,
        "fiscal_year": survey.fiscal_year,
        "closed_at": survey.closed_at,
        "statistics": stats,
    }


@history_router.get(
    "/{key}/history", response_model=QuestionHistory, responses=LINK_HEADER, summary="A question year over year"
)
def history(key: Annotated[str, Path(pattern=KEY)], request: Request, response: Response, paging: Paging) -> Any:
    """Per closed survey that asked it (by its stable key), oldest year first, its texts and published statistics,
    side by side; paged as every list."""
    items, total = question_history(application(request).db, key, paging.offset, paging.limit)
    page = paginated(request, response, paging, HistoryPage, [HistoryEntry.model_validate(i) for i in items], total)
    return QuestionHistory(key=key, **dict(page))


ROUTERS: list[APIRouter] = [router, history_router]
