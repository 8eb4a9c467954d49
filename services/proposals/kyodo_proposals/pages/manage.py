"""A call as its coordinator runs it: `/proposals/calls/{cid}/manage` shows the call and the actions its state
allows — revise the draft, publish, amend before the deadline with a reason, cancel with a reason, open the review
after the deadline, add a substitute member, pin a member's conflict — each unavailable with the reason when the
state does not allow it (the service still refuses it if forced). An action with fields has its own form page,
`/manage/<action>` (GET shows it, POST acts), so each form's fields and errors stand alone on their page.
This module: the pages, the revision, the publication and the cancellation; `manage_review` holds the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import Response

from kyodo_proposals.app import ProposalsApplication
from kyodo_proposals.domain import CANCELLED, CLOSED, DRAFT, IN_REVIEW, PUBLISHED
from kyodo_proposals.pages import reads
from kyodo_proposals.pages.call_form import amendment_values, draft_body, spec_values
from kyodo_proposals.pages.common import (
    call_uuid,
    calls_crumbs,
    committee_options,
    deadline_of,
    department_options,
    posted,
    row_count,
    screening_options,
    title_of,
    unconfirmed,
)
from kyodo_proposals.pages.labels import in_page_order, label_of, summary_labels
from kyodo_proposals.routing import application
from kyodo_proposals.schemas import CallDraft, Reason
from kyodo_shared.domain.actors import Actor
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.pages.actions import Form, act, page_actor, seen_version, signed_in, text, texts
from kyodo_shared.pages.forms import FormErrors
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.notices import N_
from kyodo_shared.pages.paths import name_in
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router
from kyodo_shared.web.auth import Role

router = page_router(prefix="/proposals")
# The form pages: action → the page's title (msgid).
ACTIONS = {
    "revision": N_("Revise the draft"),
    "amendment": N_("Amend the call"),
    "cancellation": N_("Cancel the call"),
    "substitutes": N_("Add a substitute member"),
    "pinned-conflicts": N_("Pin a member's conflict"),
}
NOTHING_CHANGED = N_(
    "An amendment changes at least one of the published rules (description, criteria, scoring, department or "
    "board) and extends the deadline with it; the deadline alone cannot be extended. Change a rule too, or leave "
    "the call as it is."
)


# A confirmed action on the call: (application, actor, the call's id).
Confirmed = Callable[[ProposalsApplication, Actor, UUID], object]


def _state(request: Request, call_id: UUID) -> dict[str, Any]:
    """What every manage page shows and decides from: the call (a draft for coordinators only) and the time."""
    app = application(request)
    principal = signed_in(request, Role.COORDINATOR)
    call = app.read_call(principal, call_id)
    deadline = deadline_of(call.spec).astimezone(TOKYO)
    return {
        "call": call,
        "call_id": str(call_id),
        "spec": call.spec,
        "deadline": deadline,
        "before_deadline": app.clock() < deadline,
        "cancellable": call.status in (DRAFT, PUBLISHED, CLOSED, IN_REVIEW),
        "review": reads.review_state(app, call_id, principal.sub) if call.status == IN_REVIEW else None,
        "crumbs": calls_crumbs(request, (f"/proposals/calls/{call_id}/manage", title_of(request, call.spec))),
    }


def manage_page(request: Request, call_id: UUID, errors: FormErrors | None = None, status: int = 200) -> Response:
    state = _state(request, call_id)
    state["breadcrumbs"] = state["crumbs"]
    state["errors"] = errors
    state["cancelled"] = state["call"].status == CANCELLED
    state["labels"] = summary_labels(request, errors)
    named = reads.committee_name(application(request), str(state["spec"]["committee_id"]))
    state["board_name"] = None if named is None else name_in(request, *named)
    state["board"] = reads.board_of(application(request), call_id)
    state["amendments"] = [
        {
            "changed": [label_of(request, name) or name for name in a["changes"]],
            "deadline": datetime.fromisoformat(str(a["deadline"])),
            "reason": a["reason"],
        }
        for a in state["call"].amendments
    ]
    return render(request, "proposals/call_manage.html", state, status=status)


def action_page(
    request: Request,
    call_id: UUID,
    action: str,
    form: Any = None,
    errors: FormErrors | None = None,
    status: int = 200,
) -> Response:
    """An action's form page; after a refused post, what was sent with its errors beside the fields."""
    app = application(request)
    state = _state(request, call_id)
    call = state["call"]
    minimum_days = int(call.spec.get("minimum_extension_days") or 0)
    initial = {"revision": spec_values, "amendment": amendment_values}.get(action)
    values = posted(form) if form is not None else (initial(call) if initial else {})
    title = gettext(request, ACTIONS[action])
    state.update(
        action=action,
        title=title,
        values=values,
        errors=in_page_order(errors),
        criterion_count=row_count(values, "criteria", 1),
        board_members=list(app.view.board(str(call.spec["committee_id"]), app.today()).members),
        chosen_board=texts(form, "board") if form is not None else list(call.board),
        committees=committee_options(request, app),
        departments=department_options(request, app),
        decisions=screening_options(request, app),
        labels=summary_labels(request, errors),
        minimum_days=minimum_days,
        earliest=state["deadline"] + timedelta(days=minimum_days),
        breadcrumbs=[*state["crumbs"], (request.url.path, title)],
        pairs=lambda subs: [(sub, sub) for sub in subs],
    )
    return render(request, "proposals/call_action.html", state, status=status)


def again(request: Request, call_id: UUID, action: str | None, form: Any) -> Any:
    """The `again` of a form: its page with its input and errors (the manage page for a button alone)."""
    if action is None:
        return lambda errors, status: manage_page(request, call_id, errors, status)
    return lambda errors, status: action_page(request, call_id, action, form, errors, status)


def here(call_id: UUID) -> str:
    return f"/proposals/calls/{call_id}/manage"


@router.get("/calls/{call_id}/manage")
def manage(call_id: str, request: Request) -> Response:
    return manage_page(request, call_uuid(call_id))


@router.get("/calls/{call_id}/manage/{action}")
def action(call_id: str, action: str, request: Request) -> Response:
    if action not in ACTIONS:
        raise Refusal("not_found", what="page")
    return action_page(request, call_uuid(call_id), action)


@router.post("/calls/{call_id}/manage/revision")
def revise(call_id: str, request: Request, form: Form) -> Response:
    principal = signed_in(request, Role.COORDINATOR)
    cid = call_uuid(call_id)

    def command() -> None:
        body = CallDraft.model_validate(draft_body(form))
        application(request).revise_call(page_actor(request, principal), seen_version(form), cid, body.spec(TOKYO))

    return act(
        request,
        command,
        again=again(request, cid, "revision", form),
        then=here(cid),
        notice="call_revised",
    )


def confirmed(request: Request, call_id: str, form: Any, command: Confirmed, notice: str) -> Response:
    """A button of the manage page with its confirmation box: unticked, the page again with the error beside the box
    (422, nothing done); ticked, `command(application, actor, the call's id)`."""
    principal = signed_in(request, Role.COORDINATOR)
    cid = call_uuid(call_id)
    refused = unconfirmed(request, form)
    if refused is not None:
        return manage_page(request, cid, refused, 422)
    return act(
        request,
        lambda: command(application(request), page_actor(request, principal), cid),
        again=again(request, cid, None, form),
        then=here(cid),
        notice=notice,
    )


@router.post("/calls/{call_id}/manage/publication")
def publish(call_id: str, request: Request, form: Form) -> Response:
    return confirmed(
        request, call_id, form, lambda app, actor, cid: app.publish(actor, seen_version(form), cid), "call_published"
    )


@router.post("/calls/{call_id}/manage/cancellation")
def cancel(call_id: str, request: Request, form: Form) -> Response:
    principal = signed_in(request, Role.COORDINATOR)
    cid = call_uuid(call_id)

    def command() -> None:
        body = Reason.model_validate({"reason": text(form, "reason")} if text(form, "reason") else {})
        application(request).cancel(page_actor(request, principal), seen_version(form), cid, body.reason)

    return act(
        request, command, again=again(request, cid, "cancellation", form), then=here(cid), notice="call_cancelled"
    )
