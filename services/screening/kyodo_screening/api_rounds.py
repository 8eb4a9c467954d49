"""Screening HTTP routes for rounds and the screening of each project in them: draft, revise, open and close a
round; the department's self-check, the team's assessments (independent), and the coordinator's decisions."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Query, Request, Response

from kyodo_screening.routing import (
    Anyone,
    Authenticated,
    Coordinator,
    Staff,
    TeamMember,
    application,
    project_summary,
    round_view,
)
from kyodo_screening.schemas import (
    Answers,
    DecisionIn,
    ProjectPage,
    RoundDraft,
    RoundPage,
    RoundSummary,
    RoundView,
    ScreeningView,
)
from kyodo_screening.screening import Screening
from kyodo_shared.web.pagination import LINK_HEADER, Paging, paginated
from kyodo_shared.web.routes import actor_of, answered, etag_of, expected_version, service_router

router = service_router(prefix="/rounds", tags=["rounds"])


@router.post("", status_code=201, response_model=RoundView, summary="Draft a screening round (選別の準備)")
def draft(body: RoundDraft, request: Request, response: Response, principal: Coordinator) -> Any:
    found = application(request).draft_round(actor_of(request, principal), body.spec())
    response.headers["Location"] = f"rounds/{found.id}"
    answered(request, response, found.version, 201)
    return round_view(found, application(request).clock())


@router.put("/{round_id}", response_model=RoundView, summary="Revise a draft: checklist, scope, deadline")
def revise(round_id: UUID, body: RoundDraft, request: Request, response: Response, principal: Coordinator) -> Any:
    found = application(request).revise_round(
        actor_of(request, principal), expected_version(request), round_id, body.spec()
    )
    answered(request, response, found.version)
    return round_view(found, application(request).clock())


@router.post("/{round_id}/opening", response_model=RoundView, summary="Open: the checklist and the team are fixed")
def open_round(round_id: UUID, request: Request, response: Response, principal: Coordinator) -> Any:
    found = application(request).open_round(actor_of(request, principal), expected_version(request), round_id)
    answered(request, response, found.version)
    return round_view(found, application(request).clock())


@router.post("/{round_id}/closure", response_model=RoundView, summary="Close: the round accepts nothing more")
def close_round(round_id: UUID, request: Request, response: Response, principal: Coordinator) -> Any:
    found = application(request).close_round(actor_of(request, principal), expected_version(request), round_id)
    answered(request, response, found.version)
    return round_view(found, application(request).clock())


@router.get("", response_model=RoundPage, responses=LINK_HEADER, summary="Rounds, newest fiscal year first")
def rounds(request: Request, response: Response, principal: Anyone, paging: Paging) -> Any:
    items, total = application(request).rounds(principal, paging.offset, paging.limit)
    summaries = [RoundSummary(id=i, fiscal_year=y, title_ja=t, status=s) for i, y, t, s in items]
    return paginated(request, response, paging, RoundPage, summaries, total)


@router.get("/{round_id}", response_model=RoundView, summary="One round (drafts: coordinators only)")
def read_round(round_id: UUID, request: Request, response: Response, principal: Anyone) -> Any:
    found = application(request).read_round(principal, round_id)
    response.headers["ETag"] = etag_of(found.version)
    return round_view(found, application(request).clock())


@router.get(
    "/{round_id}/projects",
    response_model=ProjectPage,
    responses=LINK_HEADER,
    summary="The projects a round screens, with their progress",
)
def round_projects(
    round_id: UUID,
    request: Request,
    response: Response,
    principal: Anyone,
    paging: Paging,
    department_id: Annotated[UUID | None, Query()] = None,
) -> Any:
    app = application(request)
    items, total = app.round_projects(principal, round_id, department_id, paging.offset, paging.limit)
    notes = app.evaluations_of(items)
    summaries = [project_summary(i, True, notes.get(i.project_id)) for i in items]
    return paginated(request, response, paging, ProjectPage, summaries, total)


def _screening(request: Request, response: Response, screening: Screening, status: int = 200) -> dict[str, Any]:
    answered(request, response, screening.version, status)
    return {"status": screening.status, "cycle": screening.cycle, "version": screening.version}


@router.get(
    "/{round_id}/projects/{project_id}",
    response_model=ScreeningView,
    summary="A project's screening in the round: status, decisions; the self-check for insiders",
)
def screening(round_id: UUID, project_id: UUID, request: Request, response: Response, principal: Anyone) -> Any:
    view = application(request).screening_of(principal, round_id, project_id)
    if view["version"] is not None:
        response.headers["ETag"] = etag_of(view["version"])
    return view


@router.put(
    "/{round_id}/projects/{project_id}/self-check",
    summary="The department's self-check (自己点検), by its liaison, until the deadline",
)
def self_check(
    round_id: UUID, project_id: UUID, body: Answers, request: Request, response: Response, principal: Staff
) -> Any:
    done = application(request).answer_self_check(actor_of(request, principal), round_id, project_id, body.dumped())
    return _screening(request, response, done)


@router.post(
    "/{round_id}/projects/{project_id}/assessments",
    status_code=201,
    summary="A team member's assessment, once, independent of the others'",
)
def assess(
    round_id: UUID, project_id: UUID, body: Answers, request: Request, response: Response, principal: TeamMember
) -> Any:
    done = application(request).assess(actor_of(request, principal), round_id, project_id, body.dumped())
    return _screening(request, response, done, 201)


@router.get(
    "/{round_id}/projects/{project_id}/assessments",
    summary="The cycle's assessments: a team member sees them only after submitting their own",
)
def assessments(round_id: UUID, project_id: UUID, request: Request, principal: Authenticated) -> Any:
    return {"items": application(request).assessments_of(principal, round_id, project_id)}


@router.post(
    "/{round_id}/projects/{project_id}/decisions",
    status_code=201,
    response_model=ScreeningView,
    summary="Decide with reasons (If-Match); a correction names the decision it replaces",
)
def decide(
    round_id: UUID, project_id: UUID, body: DecisionIn, request: Request, response: Response, principal: Coordinator
) -> Any:
    app = application(request)
    # The answer's reads come first: after the save's commit it needs nothing from the store (queries.py).
    shown = app.screening_shown(principal, round_id, project_id)
    done = app.decide(actor_of(request, principal), expected_version(request), round_id, project_id, body.body())
    answered(request, response, done.version, 201)
    return shown(done)
