"""The evaluation committee's forms, posting under `/evaluation/projects/{pid}/committee`: a member declares or
removes their own conflict, scores every criterion once, and whoever presides confirms the recommendation; the
center opens the committee's evaluation, pins a member's conflict and adds a substitute. Each calls the application
method the API's route calls, with the body validated by the API's own model; a refusal the reader can put right
is shown on the committee page beside its field, any other (403: not on the committee, recused, not presiding) is
the kit's error page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from kyodo_evaluation.pages.committee import committee_page
from kyodo_evaluation.pages.common import chosen, optional, whole
from kyodo_evaluation.routing import application
from kyodo_evaluation.schemas import (
    CommitteeIn,
    ConflictIn,
    PinnedConflictIn,
    RecommendationIn,
    ScoreIn,
    SubstituteIn,
)
from kyodo_shared.pages.actions import Form, act, page_actor, signed_in, text
from kyodo_shared.pages.forms import FormErrors
from kyodo_shared.pages.paths import path_uuid
from kyodo_shared.pages.routing import page_router
from kyodo_shared.web.auth import Principal, Role

router = page_router(prefix="/evaluation")

# Criteria keys a score form may carry (the API's Key pattern bounds them; the domain checks them against its own).
_MAX_CRITERIA = 40


def _run(
    request: Request,
    pid: UUID,
    form_name: str,
    posted: dict[str, Any],
    command: Callable[[], object],
    notice: str,
    blank: tuple[str, ...] = (),
) -> Response:
    def again(errors: FormErrors, status: int) -> Response:
        return committee_page(
            request, pid, failed=form_name, errors=chosen(request, errors, blank), posted=posted, status=status
        )

    return act(request, command, again=again, then=f"/evaluation/projects/{pid}/committee", notice=notice)


def _criteria_keys(request: Request, principal: Principal, pid: UUID) -> list[str]:
    """The committee's criteria as this viewer may read the project (else the application refuses: 404)."""
    app = application(request)
    app.read_project(page_actor(request, principal), pid)
    committee = app.find_committee(pid)
    return [str(c["key"]) for c in committee.criteria] if committee is not None else []


def score_posted(form: FormData, keys: list[str]) -> dict[str, Any]:
    """Every criterion's points (an unchosen one sent as "" for the API's model to refuse beside it) and the
    comments given (a blank comment is none)."""
    points = {k: whole(text(form, f"points.{k}")) for k in keys[:_MAX_CRITERIA]}
    comments = {k: c for k in keys[:_MAX_CRITERIA] if (c := text(form, f"comments.{k}"))}
    return {"points": points, "comments": comments}


@router.post("/projects/{project_id}/committee/scores")
def score(project_id: str, request: Request, form: Form) -> Response:
    principal = signed_in(request, Role.EVALUATOR)
    pid = path_uuid(project_id, "project_not_found")
    posted = score_posted(form, _criteria_keys(request, principal, pid))
    blank = tuple(f"points.{k}" for k, v in posted["points"].items() if v == "")

    def command() -> None:
        body = ScoreIn.model_validate(posted)
        application(request).score(page_actor(request, principal), pid, dict(body.points), dict(body.comments))

    return _run(request, pid, "score", posted, command, "committee_scored", blank)


@router.post("/projects/{project_id}/committee/conflicts")
def declare_conflict(project_id: str, request: Request, form: Form) -> Response:
    principal = signed_in(request, Role.EVALUATOR)
    pid = path_uuid(project_id, "project_not_found")
    posted = {"kind": text(form, "kind"), "reason": text(form, "reason")}

    def command() -> None:
        body = ConflictIn.model_validate(posted)
        application(request).declare_conflict(page_actor(request, principal), pid, body.kind, body.reason)

    blank = ("kind",) if not posted["kind"] else ()
    return _run(request, pid, "conflict", posted, command, "committee_conflict_declared", blank)


@router.post("/projects/{project_id}/committee/conflicts/removal")
def remove_conflict(project_id: str, request: Request, form: Form) -> Response:
    principal = signed_in(request, Role.EVALUATOR)
    pid = path_uuid(project_id, "project_not_found")

    def command() -> None:
        application(request).remove_conflict(page_actor(request, principal), pid)

    return _run(request, pid, "removal", {}, command, "committee_conflict_removed")


@router.post("/projects/{project_id}/committee/recommendation")
def recommend(project_id: str, request: Request, form: Form) -> Response:
    principal = signed_in(request, Role.EVALUATOR)
    pid = path_uuid(project_id, "project_not_found")
    posted = {
        "recommendation": text(form, "recommendation"),
        "reasons_ja": text(form, "reasons_ja"),
        "reasons_en": optional(text(form, "reasons_en")),
    }

    def command() -> None:
        body = RecommendationIn.model_validate(posted)
        application(request).recommend(
            page_actor(request, principal), pid, body.recommendation.value, body.reasons_ja, body.reasons_en
        )

    blank = ("recommendation",) if not posted["recommendation"] else ()
    return _run(request, pid, "recommendation", posted, command, "committee_recommended", blank)


# --- the center's actions --------------------------------------------------------------------------------------


@router.post("/projects/{project_id}/committee")
def open_committee(project_id: str, request: Request, form: Form) -> Response:
    principal = signed_in(request, Role.COORDINATOR)
    pid = path_uuid(project_id, "project_not_found")
    quorum = text(form, "quorum")
    posted = {"committee_id": text(form, "committee_id"), "quorum": whole(quorum) if quorum else None}

    def command() -> None:
        body = CommitteeIn.model_validate(posted)
        application(request).open_committee(page_actor(request, principal), pid, body.committee_id, body.quorum)

    blank = ("committee_id",) if not posted["committee_id"] else ()
    return _run(request, pid, "open", posted, command, "committee_opened", blank)


@router.post("/projects/{project_id}/committee/pinned-conflicts")
def pin_conflict(project_id: str, request: Request, form: Form) -> Response:
    principal = signed_in(request, Role.COORDINATOR)
    pid = path_uuid(project_id, "project_not_found")
    posted = {"member_sub": text(form, "member_sub"), "kind": text(form, "kind"), "reason": text(form, "reason")}

    def command() -> None:
        body = PinnedConflictIn.model_validate(posted)
        application(request).pin_conflict(page_actor(request, principal), pid, body.member_sub, body.kind, body.reason)

    blank = tuple(name for name in ("member_sub", "kind") if not posted[name])
    return _run(request, pid, "pin", posted, command, "committee_conflict_pinned", blank)


@router.post("/projects/{project_id}/committee/substitutes")
def add_substitute(project_id: str, request: Request, form: Form) -> Response:
    principal = signed_in(request, Role.COORDINATOR)
    pid = path_uuid(project_id, "project_not_found")
    posted = {"member_sub": text(form, "member_sub"), "reason": text(form, "reason")}

    def command() -> None:
        body = SubstituteIn.model_validate(posted)
        application(request).add_substitute(page_actor(request, principal), pid, body.member_sub, body.reason)

    blank = ("member_sub",) if not posted["member_sub"] else ()
    return _run(request, pid, "substitute", posted, command, "committee_substitute_added", blank)
