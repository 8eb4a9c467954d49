"""A proposal as a board member reviews it: `/proposals/calls/{cid}/review/proposals/{pid}` — the final version the
board received, with its attachments (`…/attachments/{sha256}`), the member's conflict (declare, or remove their
own unpinned one), and the scoring form: a field per criterion naming its maximum, and a comment. Other members'
scores appear only once the member's own is in (the API's `scores_seen` decides); a recused member reads why, never
the proposal. Each form calls the API route's application method with the API's model.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from kyodo_proposals.api_review import ConflictIn, ProposalIn, ScoreIn
from kyodo_proposals.domain import CLOSED, IN_REVIEW, PUBLISHED
from kyodo_proposals.pages.common import call_uuid, deadline_of, posted
from kyodo_proposals.pages.review import review_crumbs
from kyodo_proposals.pages.review_reads import Member, criteria_of, group_name, members_of, own_review, recusal_cause
from kyodo_proposals.review import typed_points
from kyodo_proposals.routing import application
from kyodo_shared.domain.actors import Principal
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.pages.actions import Form, act, page_actor, signed_in, text
from kyodo_shared.pages.downloads import private_file
from kyodo_shared.pages.forms import FormErrors
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.paths import path_uuid
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router
from kyodo_shared.web.auth import Role
from kyodo_shared.web.problems import Problem, field_errors

router = page_router(prefix="/proposals")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _proposal(principal: Principal, request: Request, call_id: UUID, proposal_id: UUID) -> dict[str, Any]:
    """The proposal as the API's `board_proposals` gives it to this member (one they are recused from and not
    listed: only that they are recused)."""
    return application(request).board_proposal(principal, call_id, str(proposal_id))


def _others(principal: Principal, request: Request, call_id: UUID, proposal_id: UUID) -> list[dict[str, Any]]:
    """Every member's score on the proposal, the member's own included, once theirs is in; [] before."""
    try:
        return application(request).scores_seen(principal, call_id, str(proposal_id))
    except Refusal as refusal:
        if refusal.code != "score_first":
            raise
        return []


def review_page(
    request: Request,
    call_id: UUID,
    proposal_id: UUID,
    form: FormData | None = None,
    errors: FormErrors | None = None,
    status: int = 200,
) -> Response:
    principal = signed_in(request, Role.REVIEWER)
    app = application(request)
    call = app.read_call(principal, call_id)
    if call.status in (PUBLISHED, CLOSED):
        # No proposal is revealed before the review opens: none is found under this call yet (its review page says
        # when the review opens).
        raise Refusal("proposal_not_found")
    item = _proposal(principal, request, call_id, proposal_id)
    own = own_review(app, call_id, principal.sub)
    pid = str(proposal_id)
    context: dict[str, Any] = {
        "call": call,
        "call_id": str(call_id),
        "spec": call.spec,
        "deadline": deadline_of(call.spec).astimezone(TOKYO),
        "in_review": call.status == IN_REVIEW,
        "proposal": item,
        "recused": item["recused"],
        "cause": recusal_cause(own, pid) if item["recused"] else None,
        "conflict": own.conflicts.get(pid),
        "criteria": criteria_of(call),
        "values": posted(form) if form is not None else {},
        "errors": errors,
        "labels": _labels(request),
        "committee_id": str(call.spec["committee_id"]),
    }
    item["group_name"] = None
    title = gettext(request, "A proposal you are recused from")
    if not item["recused"]:
        item["group_name"] = group_name(app, str(item["group_id"]))
        title = gettext(request, "Proposal of %(group)s") % {"group": item["group_name"]}
        seen = _others(principal, request, call_id, proposal_id)
        context |= {
            "attachments": _attachments(principal, request, call_id, pid),
            "scored": pid in own.scored,
            "mine": next((s for s in seen if s["member_sub"] == principal.sub), None),
            "others": _shown(members_of(app, principal, call_id), seen, principal.sub),
        }
    context["breadcrumbs"] = review_crumbs(request, call_id, call.spec, (request.url.path, title))
    return render(request, "proposals/review_proposal.html", context, status=status)


def _shown(members: dict[str, Member], seen: list[dict[str, Any]], sub: str) -> list[dict[str, Any]]:
    """The other members' scores, each under the member's office or letter (never their sub), officers first and
    then by letter — not in the order of the subs."""
    rows = [
        {"member": members[s["member_sub"]], "points": s["points"], "comment": s["comment"]}
        for s in seen
        if s["member_sub"] != sub
    ]
    return sorted(rows, key=lambda row: row["member"].order)


def _labels(request: Request) -> dict[str, str]:
    """The error summary's names of the form's fields. A criterion's points are not named: the reason itself names
    the criterion (the service's wording), so the summary does not say it twice."""
    return {
        "proposal_id": gettext(request, "Proposal"),
        "kind": gettext(request, "Kind of conflict"),
        "reason": gettext(request, "Reason"),
        "comment": gettext(request, "Comment"),
        "confirm": gettext(request, "Confirmation"),
    }


def _attachments(principal: Principal, request: Request, call_id: UUID, proposal_id: str) -> list[dict[str, str]]:
    """The proposal's attachments by name, each read through the API's `attachment` (which checks the member)."""
    app = application(request)
    digests = app.get_review(call_id).entries[proposal_id]["attachments"]
    found = []
    for digest in sorted(digests):
        attachment = app.attachment(principal, call_id, proposal_id, str(digest))
        found.append({"sha256": str(digest), "filename": attachment.filename, "media_type": attachment.media_type})
    return found


def _ids(call_id: str, proposal_id: str) -> tuple[UUID, UUID]:
    return call_uuid(call_id), path_uuid(proposal_id, "proposal_not_found")


@router.get("/calls/{call_id}/review/proposals/{proposal_id}")
def proposal(call_id: str, proposal_id: str, request: Request) -> Response:
    return review_page(request, *_ids(call_id, proposal_id))


@router.get("/calls/{call_id}/review/proposals/{proposal_id}/attachments/{sha256}")
def attachment(call_id: str, proposal_id: str, sha256: str, request: Request) -> Response:
    principal = signed_in(request, Role.REVIEWER)
    cid, pid = _ids(call_id, proposal_id)
    digest = sha256.lower()
    if not _SHA256.match(digest):
        raise Refusal("proposal_not_found")
    found = application(request).attachment(principal, cid, str(pid), digest)
    return private_file(found.content, found.media_type, found.filename)


def _acted(request: Request, cid: UUID, pid: UUID, form: FormData, command: Any, notice: str) -> Response:
    return act(
        request,
        command,
        again=lambda errors, status: review_page(request, cid, pid, form, errors, status),
        then=f"/proposals/calls/{cid}/review/proposals/{pid}",
        notice=notice,
    )


@router.post("/calls/{call_id}/review/proposals/{proposal_id}/conflict")
def declare_conflict(call_id: str, proposal_id: str, request: Request, form: Form) -> Response:
    principal = signed_in(request, Role.REVIEWER)
    cid, pid = _ids(call_id, proposal_id)

    def command() -> None:
        fields = {name: text(form, name) for name in ("kind", "reason") if text(form, name)}
        body = ConflictIn.model_validate({"proposal_id": str(pid), **fields})
        application(request).declare_conflict(
            page_actor(request, principal), cid, str(body.proposal_id), body.kind, body.reason
        )

    return _acted(request, cid, pid, form, command, "conflict_declared")


@router.post("/calls/{call_id}/review/proposals/{proposal_id}/conflict/removal")
def remove_conflict(call_id: str, proposal_id: str, request: Request, form: Form) -> Response:
    principal = signed_in(request, Role.REVIEWER)
    cid, pid = _ids(call_id, proposal_id)

    def command() -> None:
        body = ProposalIn.model_validate({"proposal_id": str(pid)})
        application(request).remove_conflict(page_actor(request, principal), cid, str(body.proposal_id))

    return _acted(request, cid, pid, form, command, "conflict_removed")


def _points(form: FormData, criteria: list[dict[str, Any]]) -> tuple[dict[str, int], list[Refusal]]:
    """The points typed per criterion, read by the review's own rule (`typed_points`: whole numbers within the
    maximum, full-width digits the same), and for each criterion at fault its refusal beside its field."""
    found, refused = {}, []
    for c in criteria:
        key = str(c["key"])
        try:
            found[key] = typed_points(text(form, f"points.{key}"), c, f"points.{key}")
        except Refusal as refusal:
            refused.append(refusal)
    return found, refused


def _scored(request: Request, form: FormData, proposal_id: UUID, criteria: list[dict[str, Any]]) -> ScoreIn:
    """The API's `ScoreIn` of the form, every mistake in it found at once: the model's errors (the comment) and each
    criterion's points, in one problem with each error beside its field, in the form's order."""
    points, refused = _points(form, criteria)
    comment = {"comment": text(form, "comment")} if text(form, "comment") else {}
    posted = {"proposal_id": str(proposal_id), "points": points, **comment}
    try:
        body = ScoreIn.model_validate(posted)
    except ValidationError as invalid:
        invalid_fields = field_errors([dict(e) for e in invalid.errors()])
    else:
        if not refused:
            return body
        invalid_fields = []
    messages = request.app.state.messages
    problem: Problem = messages.problem("validation_failed")
    problem.errors = [e for r in refused for e in messages.for_refusal(r).errors] + invalid_fields
    raise problem


@router.post("/calls/{call_id}/review/proposals/{proposal_id}/score")
def score(call_id: str, proposal_id: str, request: Request, form: Form) -> Response:
    principal = signed_in(request, Role.REVIEWER)
    cid, pid = _ids(call_id, proposal_id)
    app = application(request)
    criteria = criteria_of(app.read_call(principal, cid))

    def command() -> None:
        body = _scored(request, form, pid, criteria)
        app.score(page_actor(request, principal), cid, str(body.proposal_id), dict(body.points), body.comment)

    return _acted(request, cid, pid, form, command, "proposal_scored")
