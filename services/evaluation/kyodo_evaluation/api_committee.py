"""Evaluation HTTP routes for the evaluation committee (協働事業評価委員会) and the published report."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import Request, Response

from kyodo_evaluation.committee import CommitteeEvaluation
from kyodo_evaluation.routing import Authenticated, Coordinator, Evaluator, application
from kyodo_evaluation.schemas import (
    CommitteeIn,
    ConflictIn,
    PinnedConflictIn,
    RecommendationIn,
    ScoreIn,
    SubstituteIn,
)
from kyodo_shared.web.routes import actor_of, answered, etag_of, service_router

router = service_router(prefix="/projects", tags=["committee"])


def _done(request: Request, response: Response, committee: CommitteeEvaluation, status: int = 200) -> dict[str, Any]:
    answered(request, response, committee.version, status)
    return {"project_id": str(committee.project_id), "version": committee.version}


@router.post(
    "/{project_id}/committee",
    status_code=201,
    summary="The evaluation committee takes the project up; its members on today's date are fixed",
)
def open_committee(
    project_id: UUID, body: CommitteeIn, request: Request, response: Response, principal: Coordinator
) -> Any:
    committee = application(request).open_committee(
        actor_of(request, principal), project_id, body.committee_id, body.quorum
    )
    return _done(request, response, committee, 201)


@router.get("/{project_id}/committee", summary="The committee: members, officers, quorum, who has scored")
def committee(project_id: UUID, request: Request, response: Response, principal: Authenticated) -> Any:
    view = application(request).committee_of(actor_of(request, principal), project_id)
    response.headers["ETag"] = etag_of(int(view["version"]))
    return view


@router.post("/{project_id}/committee/conflicts", summary="A member declares their own conflict (recused)")
def declare_conflict(
    project_id: UUID, body: ConflictIn, request: Request, response: Response, principal: Evaluator
) -> Any:
    committee = application(request).declare_conflict(actor_of(request, principal), project_id, body.kind, body.reason)
    return _done(request, response, committee)


@router.delete("/{project_id}/committee/conflicts", summary="A member removes their own conflict, unless pinned")
def remove_conflict(project_id: UUID, request: Request, response: Response, principal: Evaluator) -> Any:
    committee = application(request).remove_conflict(actor_of(request, principal), project_id)
    return _done(request, response, committee)


@router.post(
    "/{project_id}/committee/pinned-conflicts", summary="A coordinator records a member's conflict they cannot remove"
)
def pin_conflict(
    project_id: UUID, body: PinnedConflictIn, request: Request, response: Response, principal: Coordinator
) -> Any:
    committee = application(request).pin_conflict(
        actor_of(request, principal), project_id, body.member_sub, body.kind, body.reason
    )
    return _done(request, response, committee)


@router.post(
    "/{project_id}/committee/substitutes",
    summary="A coordinator adds a committee member when recusals leave fewer members than the quorum (委員の補充)",
)
def add_substitute(
    project_id: UUID, body: SubstituteIn, request: Request, response: Response, principal: Coordinator
) -> Any:
    committee = application(request).add_substitute(
        actor_of(request, principal), project_id, body.member_sub, body.reason
    )
    return _done(request, response, committee)


@router.post(
    "/{project_id}/committee/scores",
    status_code=201,
    summary="A member's points (1–5) per criterion with comments, once, unless recused",
)
def score(project_id: UUID, body: ScoreIn, request: Request, response: Response, principal: Evaluator) -> Any:
    committee = application(request).score(
        actor_of(request, principal), project_id, dict(body.points), dict(body.comments)
    )
    return _done(request, response, committee, 201)


@router.get(
    "/{project_id}/committee/scores",
    summary="Every member's scores: a member after giving their own, the center once the report is published",
)
def scores(project_id: UUID, request: Request, principal: Authenticated) -> Any:
    committee = application(request).read_scores(actor_of(request, principal), project_id)
    return {"items": [{"member_sub": m, **s} for m, s in sorted(committee.scores.items())]}


@router.post(
    "/{project_id}/committee/recommendation",
    status_code=201,
    summary="The chair (vice-chair, or acting chair) confirms the recommendation; the report is published",
)
def recommend(
    project_id: UUID, body: RecommendationIn, request: Request, response: Response, principal: Evaluator
) -> Any:
    committee = application(request).recommend(
        actor_of(request, principal), project_id, body.recommendation.value, body.reasons_ja, body.reasons_en
    )
    answered(request, response, committee.version, 201)
    return committee.report


@router.get("/{project_id}/report", summary="The published evaluation report (public)")
def report(project_id: UUID, request: Request) -> Any:
    return application(request).published_report(project_id)
