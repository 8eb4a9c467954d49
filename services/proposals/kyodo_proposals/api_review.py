"""Proposals HTTP routes for the review board and the results: open the review, read the proposals, declare or
pin conflicts, score, add a substitute, confirm the decision; published results and a group's own scores.
Each route parses, calls one method of the application, and renders; who may read what (board membership,
recusal, one's own score first, results) is decided by the application.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote
from uuid import UUID

from fastapi import Request, Response
from pydantic import Field, StrictInt

from kyodo_proposals.api_proposals import MEDIA_TYPES
from kyodo_proposals.review import Review
from kyodo_proposals.routing import Coordinator, GroupRole, Reviewer, application
from kyodo_shared.web.auth import Principal
from kyodo_shared.web.routes import actor_of, document_responses, nudge, service_router
from kyodo_shared.web.schemas import Strict

router = service_router(prefix="/calls/{call_id}", tags=["review and results"])
# The board reads the proposals and the scores only once the review is open (problem+json, web.routes).
NOT_IN_REVIEW: dict[int | str, dict[str, Any]] = {
    409: {"description": "The call's review is not open (審査中ではありません)"}
}
# Who may ask for a group's own results at all; whether they act for that group is the application's to decide.
Text = Annotated[str, Field(min_length=1, max_length=2000)]


class ConflictIn(Strict):
    proposal_id: UUID
    kind: Annotated[str, Field(pattern="^(member|officer|close_relation|business|other)$")]
    reason: Text


class PinnedConflictIn(ConflictIn):
    member_sub: Annotated[str, Field(min_length=1, max_length=255)]


class ScoreIn(Strict):
    proposal_id: UUID
    # Strict: true or "4" are not points.
    points: dict[str, StrictInt]
    comment: Text


class SubstituteIn(Strict):
    member_sub: Annotated[str, Field(min_length=1, max_length=255)]
    reason: Text


class DecisionIn(Strict):
    reasons: Annotated[str, Field(min_length=1, max_length=8000)]
    # The digest of the tally the confirmer read (the decision page's preview carries it): when given, the decision
    # is refused (409 `ranking_changed`) if the tally is no longer that one.
    ranking_digest: Annotated[str, Field(pattern="^[0-9a-f]{64}$")] | None = None


class ProposalIn(Strict):
    proposal_id: UUID


def _summary(review: Review) -> dict[str, Any]:
    """The coordinator's answer: the review's state, with the board, the proposals set aside (with their groups) and
    the proposals short of the quorum (by id)."""
    return {
        **_members_summary(review),
        "board": review.board,
        "ineligible": review.ineligible,
        "blocked": review.blocked,
    }


def _members_summary(review: Review) -> dict[str, Any]:
    """A member's answer to their own command: no proposal's id nor group, no other member — the ids short of the
    quorum are typically the proposals someone is recused from, and the set-aside ones name their groups."""
    return {"status": review.status, "quorum": review.quorum, "proposals": len(review.entries)}


def _reviewed(request: Request, review: Review, principal: Principal) -> dict[str, Any]:
    """The answer to a coordinator's command on the review: what the coordinator may see of its state — a member's
    answer when the coordinator's account sits on the call's board."""
    nudge(request)
    return _members_summary(review) if principal.sub in review.board else _summary(review)


def _member_reviewed(request: Request, review: Review) -> dict[str, Any]:
    """The answer to a member's command on the review (a conflict declared or removed)."""
    nudge(request)
    return _members_summary(review)


@router.post("/review", summary="Open the review after the deadline: the final versions go to the board")
def open_review(call_id: UUID, request: Request, principal: Coordinator) -> Any:
    review = application(request).open_review(actor_of(request, principal), call_id)
    return _reviewed(request, review, principal)


@router.get(
    "/review/proposals",
    responses=NOT_IN_REVIEW,
    summary="The proposals, for board members not recused from them",
)
def board_proposals(call_id: UUID, request: Request, principal: Reviewer) -> Any:
    app = application(request)
    # Those recused from otherwise than by their own declaration: counted, never named (not even by id).
    items = app.board_proposals(principal, call_id)
    return {"items": items, "recused_unlisted": app.recused_unlisted(principal, call_id)}


@router.get(
    "/review/proposals/{proposal_id}/attachments/{sha256}",
    response_class=Response,
    responses={**NOT_IN_REVIEW, **document_responses(MEDIA_TYPES)},
    summary="An attachment of a revealed proposal (board members not recused)",
)
def attachment(call_id: UUID, proposal_id: UUID, sha256: str, request: Request, principal: Reviewer) -> Response:
    digest = sha256.lower()
    found = application(request).attachment(principal, call_id, str(proposal_id), digest)
    return Response(
        found.content,
        media_type=found.media_type,
        headers={
            "Digest": f"sha-256={digest}",
            "X-Content-Type-Options": "nosniff",
            # RFC 6266/5987: Japanese file names survive as UTF-8, percent-encoded.
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(found.filename)}",
        },
    )


@router.post("/review/conflicts", status_code=201, summary="Declare one's own conflict with a proposal")
def declare_conflict(call_id: UUID, body: ConflictIn, request: Request, principal: Reviewer) -> Any:
    review = application(request).declare_conflict(
        actor_of(request, principal), call_id, str(body.proposal_id), body.kind, body.reason
    )
    return _member_reviewed(request, review)


@router.post("/review/pinned-conflicts", status_code=201, summary="Pin a member's conflict (they cannot remove it)")
def pin_conflict(call_id: UUID, body: PinnedConflictIn, request: Request, principal: Coordinator) -> Any:
    review = application(request).pin_conflict(
        actor_of(request, principal), call_id, body.member_sub, str(body.proposal_id), body.kind, body.reason
    )
    return _reviewed(request, review, principal)


@router.post("/review/conflicts/removal", summary="Remove one's own (unpinned) conflict")
def remove_conflict(call_id: UUID, body: ProposalIn, request: Request, principal: Reviewer) -> Any:
    review = application(request).remove_conflict(actor_of(request, principal), call_id, str(body.proposal_id))
    return _member_reviewed(request, review)


@router.post("/review/scores", status_code=201, summary="Score a proposal on every criterion (final once sent)")
def score(call_id: UUID, body: ScoreIn, request: Request, principal: Reviewer) -> Any:
    application(request).score(
        actor_of(request, principal), call_id, str(body.proposal_id), dict(body.points), body.comment
    )
    nudge(request)
    return {"proposal_id": str(body.proposal_id), "final": True}


@router.get(
    "/review/scores/{proposal_id}",
    responses=NOT_IN_REVIEW,
    summary="Other members' scores: after submitting one's own",
)
def scores(call_id: UUID, proposal_id: UUID, request: Request, principal: Reviewer) -> Any:
    return {"items": application(request).scores_seen(principal, call_id, str(proposal_id))}


@router.post("/review/substitutes", summary="Add a substitute member (published), e.g. when quorum fails")
def substitute(call_id: UUID, body: SubstituteIn, request: Request, principal: Coordinator) -> Any:
    review = application(request).add_substitute(actor_of(request, principal), call_id, body.member_sub, body.reason)
    return _reviewed(request, review, principal)


@router.post("/review/decision", summary="The chair (or vice-chair) confirms the decision; results go out at once")
def decide(call_id: UUID, body: DecisionIn, request: Request, principal: Reviewer) -> Any:
    call = application(request).decide(actor_of(request, principal), call_id, body.reasons, body.ranking_digest)
    nudge(request)
    return call.results


@router.get("/results", summary="Published results (public)")
def results(call_id: UUID, request: Request) -> Any:
    return application(request).results(call_id)


@router.get("/results/groups/{group_id}", summary="A group's own scores with the reviewers' comments")
def own_results(call_id: UUID, group_id: UUID, request: Request, principal: GroupRole) -> Any:
    # The group's people only (queries.own_results): the center, the board and auditors read the published results.
    return application(request).own_results(principal, call_id, group_id)
