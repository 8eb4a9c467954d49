"""The coordinator's commands on a published call's rules and its review, posted from `/proposals/calls/{cid}/manage`:
an amendment before the deadline (with a reason), opening the review after the deadline, a substitute member when
the quorum fails, and a member's pinned conflict. Each calls the API route's application method with the API's model.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from kyodo_proposals.api_review import PinnedConflictIn, SubstituteIn
from kyodo_proposals.pages.call_form import amendment_body
from kyodo_proposals.pages.common import call_uuid
from kyodo_proposals.pages.manage import NOTHING_CHANGED, action_page, again, confirmed, here
from kyodo_proposals.routing import application
from kyodo_proposals.schemas import Amendment
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.pages.actions import Form, act, page_actor, seen_version, signed_in, text
from kyodo_shared.pages.forms import FormErrors
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.routing import page_router
from kyodo_shared.web.auth import Role

router = page_router(prefix="/proposals")


@router.post("/calls/{call_id}/manage/amendment")
def amend(call_id: str, request: Request, form: Form) -> Response:
    principal = signed_in(request, Role.COORDINATOR)
    cid = call_uuid(call_id)
    app = application(request)
    if not set(amendment_body(form, app.read_call(principal, cid))) - {"reason", "deadline"}:
        # The rule (an amendment changes a published rule; the deadline alone is not one) said before posting, in
        # words about what happened, rather than the domain's general "not amendable".
        nothing = FormErrors(
            gettext(request, "Nothing but the deadline is changed"),
            gettext(request, NOTHING_CHANGED),
        )
        return action_page(request, cid, "amendment", form, nothing, 422)

    def command() -> None:
        body = Amendment.model_validate(amendment_body(form, app.read_call(principal, cid)))
        try:
            app.amend(
                page_actor(request, principal),
                seen_version(form),
                cid,
                body.changes(),
                body.reason,
                body.deadline,
                body.board,
            )
        except Refusal as refusal:
            if refusal.code == "extension_too_short" and "field" not in refusal.data:
                # Beside the deadline field, whose hint gives the minimum.
                raise Refusal("extension_too_short", field="deadline", **refusal.data) from refusal
            raise

    return act(
        request,
        command,
        again=again(request, cid, "amendment", form),
        then=here(cid),
        notice="call_amended",
    )


@router.post("/calls/{call_id}/manage/review")
def open_review(call_id: str, request: Request, form: Form) -> Response:
    return confirmed(request, call_id, form, lambda app, actor, cid: app.open_review(actor, cid), "review_opened")


def _fields(form: Form, *names: str) -> dict[str, str]:
    """The named fields, blank ones left out so the API's model names what is missing."""
    return {name: text(form, name) for name in names if text(form, name)}


@router.post("/calls/{call_id}/manage/substitutes")
def add_substitute(call_id: str, request: Request, form: Form) -> Response:
    principal = signed_in(request, Role.COORDINATOR)
    cid = call_uuid(call_id)

    def command() -> None:
        body = SubstituteIn.model_validate(_fields(form, "member_sub", "reason"))
        application(request).add_substitute(page_actor(request, principal), cid, body.member_sub, body.reason)

    return act(
        request, command, again=again(request, cid, "substitutes", form), then=here(cid), notice="substitute_added"
    )


@router.post("/calls/{call_id}/manage/pinned-conflicts")
def pin_conflict(call_id: str, request: Request, form: Form) -> Response:
    principal = signed_in(request, Role.COORDINATOR)
    cid = call_uuid(call_id)

    def command() -> None:
        body = PinnedConflictIn.model_validate(_fields(form, "member_sub", "proposal_id", "kind", "reason"))
        application(request).pin_conflict(
            page_actor(request, principal), cid, body.member_sub, str(body.proposal_id), body.kind, body.reason
        )

    return act(
        request, command, again=again(request, cid, "pinned-conflicts", form), then=here(cid), notice="conflict_pinned"
    )
