"""The calls list and a new draft: `/proposals/calls` (a coordinator: every call, drafts included, with its status;
a group: the open calls and its own proposals) and `/proposals/calls/new` (a coordinator drafts a call).

The list is the API's `find_calls` for the viewer; a group's proposals are each read through the API's
`own_proposal`, which answers only the group's own people.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from kyodo_proposals.domain import PUBLISHED, Call
from kyodo_proposals.pages import reads
from kyodo_proposals.pages.call_form import draft_body
from kyodo_proposals.pages.common import (
    calls_crumbs,
    committee_options,
    department_options,
    posted,
    row_count,
    screening_options,
)
from kyodo_proposals.pages.labels import in_page_order, summary_labels
from kyodo_proposals.routing import application
from kyodo_proposals.schemas import CallDraft
from kyodo_shared.domain.actors import Principal
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.pages.actions import Form, act, page_actor, signed_in
from kyodo_shared.pages.forms import FormErrors
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router
from kyodo_shared.web.auth import Role

router = page_router(prefix="/proposals")
# Enough for a year's calls on one page; the API pages through more.
SHOWN = 200


def _own_proposals(request: Request, principal: Principal, calls: list[Any]) -> list[dict[str, Any]]:
    """For each group the viewer acts for, its proposal to each call (if any), read as the API reads it."""
    app = application(request)
    found = []
    for group in reads.groups_of(app, principal.sub):
        for call in calls:
            try:
                own = app.own_proposal(principal, call.uuid, UUID(group.group_id))
            except Refusal:
                continue
            found.append({"group": group, "call": call, "own": own})
    return found


@router.get("/calls")
def calls(request: Request) -> HTMLResponse:
    principal = signed_in(request, Role.COORDINATOR, Role.GROUP)
    app = application(request)
    items, total = app.find_calls(principal, 0, SHOWN)
    listed = [_Listed(i) for i in items]
    coordinator = principal.has(Role.COORDINATOR)
    group = principal.has(Role.GROUP)
    context = {
        "coordinator": coordinator,
        "group": group,
        "calls": listed,
        "total": total,
        "open_calls": [c for c in listed if c.status == PUBLISHED],
        "groups": reads.groups_of(app, principal.sub) if group else [],
        "own": _own_proposals(request, principal, listed) if group else [],
        "breadcrumbs": calls_crumbs(request),
    }
    return render(request, "proposals/calls.html", context)


class _Listed:
    """A call of the index, with its deadline as a moment."""

    def __init__(self, item: Any) -> None:
        self.call_id, self.kind, self.title_ja, self.status = item.call_id, item.kind, item.title_ja, item.status
        self.uuid = UUID(item.call_id)
        self.deadline = datetime.fromisoformat(item.deadline).astimezone(TOKYO)


def _new_page(request: Request, values: dict[str, str], errors: FormErrors | None, status: int = 200) -> Response:
    app = application(request)
    context = {
        "values": values,
        "errors": in_page_order(errors),
        "criterion_count": row_count(values, "criteria", 3),
        "committees": committee_options(request, app),
        "departments": department_options(request, app),
        "decisions": screening_options(request, app),
        "labels": summary_labels(request, errors),
        "breadcrumbs": calls_crumbs(request, (request.url.path, gettext(request, "Draft a call"))),
    }
    return render(request, "proposals/call_new.html", context, status=status)


@router.get("/calls/new")
def new_call(request: Request) -> Response:
    signed_in(request, Role.COORDINATOR)
    defaults = {"kind": "open_call", "quorum": "3", "select": "1", "formula": "weighted_sum_of_means"}
    # A screening decision's page may link here with the decision chosen (a partner selection follows it).
    chosen = request.query_params.get("screening_decision_id", "")
    if chosen:
        defaults |= {"screening_decision_id": chosen, "kind": "partner_selection"}
    return _new_page(request, {**defaults, "tie_rule": "lottery"}, None)


@router.post("/calls/new")
def draft_call(request: Request, form: Form) -> Response:
    principal = signed_in(request, Role.COORDINATOR)

    def command() -> Call:
        body = CallDraft.model_validate(draft_body(form))
        return application(request).draft_call(page_actor(request, principal), body.spec(TOKYO))

    return act(
        request,
        command,
        again=lambda errors, status: _new_page(request, posted(form), errors, status),
        # To the new draft's own page, where it is revised and published.
        then=lambda call: f"/proposals/calls/{call.id}/manage",
        notice="call_drafted",
    )
