"""Proposals HTTP routes for the review board and the results: open the review, read the proposals, declare or
pin conflicts, score, add a substitute, confirm the decision; published results and a group's own scores.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from kyodo_proposals.domain import RESULTS_PUBLISHED
from kyodo_proposals.http import app_of, run, trace
from kyodo_proposals.review import Review
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.web.app import requires
from kyodo_shared.web.auth import Principal, Role

router = APIRouter(prefix="/calls/{call_id}", tags=["review and results"])
Coordinator = Annotated[Principal, Depends(requires(Role.COORDINATOR))]
Reviewer = Annotated[Principal, Depends(requires(Role.REVIEWER))]
Anyone = Annotated[Principal, Depends(requires(Role.REVIEWER, Role.COORDINATOR, Role.GROUP, Role.AUDITOR))]
Text = Annotated[str, Field(min_length=1, max_length=2000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


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


class ProposalIn(Strict):
    proposal_id: UUID


def _summary(review: Review) -> dict[str, Any]:
    return {
        "status": review.status,
        "board": review.board,
        "quorum": review.quorum,
        "proposals": len(review.entries),
        "ineligible": review.ineligible,
        "blocked": review.blocked,
    }


@router.post("/review", summary="Open the review after the deadline: the final versions go to the board")
async def open_review(call_id: UUID, request: Request, principal: Coordinator) -> Any:
    review = await run(app_of(request).open_review, call_id, trace(request, principal))
    request.app.state.kernel.nudge()
    return _summary(review)


@router.get("/review/proposals", summary="The proposals, for board members not recused from them")
async def board_proposals(call_id: UUID, request: Request, principal: Reviewer) -> Any:
    app = app_of(request)
    call = await run(app.get_call, call_id)
    if call.status == "cancelled":
        raise Refusal("invalid_state", state="cancelled")
    review = await run(app.get_review, call_id)
    if principal.sub not in review.board:
        raise Refusal("not_on_board")
    items = []
    for proposal_id, entry in sorted(review.entries.items()):
        recused = await asyncio.to_thread(app.recused, review, principal.sub, proposal_id)
        shown = {"proposal_id": proposal_id, "recused": recused, "receipt_ok": entry["receipt_ok"]}
        if not recused:
            shown |= {"group_id": entry["group_id"], "content": entry["content"], "version": entry["version"]}
        items.append(shown)
    return {"items": items}


@router.get(
    "/review/proposals/{proposal_id}/attachments/{sha256}",
    summary="An attachment of a revealed proposal (board members not recused)",
)
async def attachment(call_id: UUID, proposal_id: UUID, sha256: str, request: Request, principal: Reviewer) -> Response:
    content, media_type, filename = await run(
        app_of(request).attachment, call_id, str(proposal_id), sha256.lower(), principal.sub
    )
    return Response(
        content,
        media_type=media_type,
        headers={
            "Digest": f"sha-256={sha256.lower()}",
            "X-Content-Type-Options": "nosniff",
            # RFC 6266/5987: Japanese file names survive as UTF-8, percent-encoded.
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
        },
    )


@router.post("/review/conflicts", status_code=201, summary="Declare one's own conflict with a proposal")
async def declare_conflict(call_id: UUID, body: ConflictIn, request: Request, principal: Reviewer) -> Any:
    args = (principal.sub, str(body.proposal_id), body.kind, body.reason, principal.sub, False)
    review = await run(app_of(request).change_review, call_id, lambda r: r.declare_conflict(*args))
    return _summary(review)


@router.post("/review/pinned-conflicts", status_code=201, summary="Pin a member's conflict (they cannot remove it)")
async def pin_conflict(call_id: UUID, body: PinnedConflictIn, request: Request, principal: Coordinator) -> Any:
    args = (body.member_sub, str(body.proposal_id), body.kind, body.reason, principal.sub, True)
    review = await run(app_of(request).change_review, call_id, lambda r: r.declare_conflict(*args))
    return _summary(review)


@router.post("/review/conflicts/removal", summary="Remove one's own (unpinned) conflict")
async def remove_conflict(call_id: UUID, body: ProposalIn, request: Request, principal: Reviewer) -> Any:
    review = await run(
        app_of(request).change_review,
        call_id,
        lambda r: r.remove_conflict(principal.sub, str(body.proposal_id), principal.sub),
    )
    return _summary(review)


@router.post("/review/scores", status_code=201, summary="Score a proposal on every criterion (final once sent)")
async def score(call_id: UUID, body: ScoreIn, request: Request, principal: Reviewer) -> Any:
    await run(
        app_of(request).score,
        call_id,
        principal.sub,
        str(body.proposal_id),
        dict(body.points),
        body.comment,
        trace(request, principal),
    )
    return {"proposal_id": str(body.proposal_id), "final": True}


@router.get("/review/scores/{proposal_id}", summary="Other members' scores: after submitting one's own")
async def scores(call_id: UUID, proposal_id: UUID, request: Request, principal: Reviewer) -> Any:
    app = app_of(request)
    review = await run(app.get_review, call_id)
    key = f"{principal.sub}|{proposal_id}"
    if str(proposal_id) not in review.entries:
        raise Refusal("proposal_not_found")
    recused = await asyncio.to_thread(app.recused, review, principal.sub, str(proposal_id))
    if principal.sub not in review.board or recused or key not in review.scores:
        # Recused members never see them; the others only once their own score is in.
        raise Refusal("score_first")
    return {
        "items": [
            {"member_sub": k.split("|", 1)[0], **v}
            for k, v in sorted(review.scores.items())
            if k.endswith(f"|{proposal_id}")
        ]
    }


@router.post("/review/substitutes", summary="Add a substitute member (published), e.g. when quorum fails")
async def substitute(call_id: UUID, body: SubstituteIn, request: Request, principal: Coordinator) -> Any:
    review = await run(
        app_of(request).add_substitute, call_id, body.member_sub, body.reason, principal.sub, trace(request, principal)
    )
    return _summary(review)


@router.post("/review/decision", summary="The chair (or vice-chair) confirms the decision; results go out at once")
async def decide(call_id: UUID, body: DecisionIn, request: Request, principal: Reviewer) -> Any:
    call = await run(app_of(request).decide, call_id, principal.sub, body.reasons, trace(request, principal))
    request.app.state.kernel.nudge()
    return call.results


@router.get("/results", summary="Published results (public)")
async def results(call_id: UUID, request: Request) -> Any:
    call = await run(app_of(request).get_call, call_id)
    if call.status != RESULTS_PUBLISHED:
        raise Refusal("results_not_published")
    return call.results


@router.get("/results/groups/{group_id}", summary="A group's own scores with the reviewers' comments")
async def own_results(call_id: UUID, group_id: UUID, request: Request, principal: Anyone) -> Any:
    app = app_of(request)
    call = await run(app.get_call, call_id)
    acts = await asyncio.to_thread(app._view().acts_for, principal.sub, str(group_id))
    if call.status != RESULTS_PUBLISHED or not acts:
        raise Refusal("results_not_published")
    review = await run(app.get_review, call_id)
    mine = [p for p in call.results["proposals"] if p["group_id"] == str(group_id)]
    if not mine:
        raise Refusal("proposal_not_found")
    proposal_id = mine[0]["proposal_id"]
    counted = (review.decision or {}).get("counted", [])
    comments = [review.scores[k]["comment"] for k in counted if k.endswith(f"|{proposal_id}")]
    return {**mine[0], "comments": comments, "reasons": call.results["reasons"]}
