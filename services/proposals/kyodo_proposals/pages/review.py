"""A review board member's workspace: `/proposals/review` (the calls whose board they sit on) and
`/proposals/calls/{cid}/review` (the call's proposals: to score, scored, recused — with why — and the member's own
conflicts). The proposals are the API's `board_proposals` for the member, which refuses anyone not on the board
and hides from a recused member whose proposal it is and what it says. Proposals are named by their group, never
numbered; one the member is recused from is listed (by id, unnamed) only when they declared the conflict
themselves — recused otherwise (a pinned conflict, a registry interest), it is only counted, so that nothing places it
among the proposals they read. Before the review opens (the call
published, or closed until the coordinator opens it), a member reads that in words (`not_open_yet`).

The proposal itself, conflicts and scoring: `review_proposal`; the chair's decision: `review_decision`.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import Response

from kyodo_proposals.domain import CLOSED, IN_REVIEW, PUBLISHED, Call
from kyodo_proposals.pages.common import call_uuid, deadline_of, title_of
from kyodo_proposals.pages.review_reads import board_calls, group_name, own_review, recusal_cause
from kyodo_proposals.routing import application
from kyodo_shared.domain.actors import Principal
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.pages.actions import signed_in
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.paths import breadcrumbs
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router
from kyodo_shared.web.auth import Role

router = page_router(prefix="/proposals")
INDEX = "/proposals/review"


def review_crumbs(request: Request, call_id: UUID, spec: dict[str, Any], *more: tuple[str, str]) -> list[Any]:
    """Home › Calls to review › <the call> › …"""
    return breadcrumbs(
        request,
        (INDEX, gettext(request, "Calls to review")),
        (f"/proposals/calls/{call_id}/review", title_of(request, spec)),
        *more,
    )


def not_open_yet(request: Request, principal: Principal, call: Call) -> Response | None:
    """A call whose review has not opened — published, or closed until the coordinator opens it: to a member of its
    board, a page saying so and who opens it (nothing of the proposals is read before); to anyone else, the API's
    `not_on_board`. None once the review is open."""
    if call.status not in (PUBLISHED, CLOSED):
        return None
    if principal.sub not in call.board:
        raise Refusal("not_on_board")
    context = {
        "call": call,
        "spec": call.spec,
        "deadline": deadline_of(call.spec).astimezone(TOKYO),
        "closed": call.status == CLOSED,
        "breadcrumbs": review_crumbs(request, call.id, call.spec),
    }
    return render(request, "proposals/review_waiting.html", context)


@router.get("/review")
def calls_to_review(request: Request) -> Response:
    principal = signed_in(request, Role.REVIEWER)
    app = application(request)
    calls = [
        {"call": call, "deadline": deadline_of(call.spec).astimezone(TOKYO)} for call in board_calls(app, principal)
    ]
    context = {
        "calls": calls,
        "breadcrumbs": breadcrumbs(request, (INDEX, gettext(request, "Calls to review"))),
    }
    return render(request, "proposals/review_calls.html", context)


@router.get("/calls/{call_id}/review")
def board_list(call_id: str, request: Request) -> Response:
    principal = signed_in(request, Role.REVIEWER)
    cid = call_uuid(call_id)
    app = application(request)
    call = app.read_call(principal, cid)
    waiting = not_open_yet(request, principal, call)
    if waiting is not None:
        return waiting
    items = app.board_proposals(principal, cid)
    own = own_review(app, cid, principal.sub)
    for item in items:
        pid = item["proposal_id"]
        item["group_name"] = None if item["recused"] else group_name(app, str(item["group_id"]))
        item["scored"] = pid in own.scored
        item["cause"] = recusal_cause(own, pid) if item["recused"] else None
    listed = {i["proposal_id"]: i for i in items}
    # A conflict recorded against the member on a proposal not listed (a coordinator pinned it) is shown without
    # naming the proposal, after the listed ones and in no order of the proposals' ids.
    hidden = sorted((c for pid, c in own.conflicts.items() if pid not in listed), key=lambda c: (c.kind, c.reason))
    conflicts: list[dict[str, Any]] = [
        {"proposal": listed[pid], "conflict": c} for pid, c in sorted(own.conflicts.items()) if pid in listed
    ]
    conflicts += [{"proposal": None, "conflict": c} for c in hidden]
    unlisted = app.recused_unlisted(principal, cid)
    pinned = sum(1 for pid, c in own.conflicts.items() if pid not in listed and c.pinned)
    context = {
        "call": call,
        "call_id": str(cid),
        "spec": call.spec,
        "deadline": deadline_of(call.spec).astimezone(TOKYO),
        "in_review": call.status == IN_REVIEW,
        "to_score": [i for i in items if not i["recused"] and not i["scored"]],
        "scored": [i for i in items if not i["recused"] and i["scored"]],
        "recused": [i for i in items if i["recused"]],
        # Recused otherwise than by their own declaration, counted by cause, never named.
        "unlisted": {"pinned": pinned, "interest": unlisted - pinned},
        "conflicts": conflicts,
        "quorum": own.quorum,
        "breadcrumbs": review_crumbs(request, cid, call.spec),
    }
    return render(request, "proposals/review.html", context)
