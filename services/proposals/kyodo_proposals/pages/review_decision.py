"""The decision on a call: `/proposals/calls/{cid}/review/decision`. For the one who confirms it — the chair; when
the chair is recused on the call, the vice-chair; when both are, the acting chair the members not recused elected,
as the registry recorded it (`confirmer`) — the exact ranking the published rule gives from the scores counted now
(the API's `decision_preview`: exact fractions, ties, the lottery), the scores voided and any proposal short of the
quorum; then the reasons and the confirmation, which publishes the results at once (the API's `decide`).
Any other board member reads who confirms; after the decision, everyone on the board reads the published results.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from kyodo_proposals.api_review import DecisionIn
from kyodo_proposals.decision import Tally
from kyodo_proposals.domain import IN_REVIEW, RESULTS_PUBLISHED
from kyodo_proposals.pages.common import FORMULA_WORDS, TIE_WORDS, call_uuid, posted, unconfirmed
from kyodo_proposals.pages.review import not_open_yet, review_crumbs
from kyodo_proposals.pages.review_reads import confirmer_of, criteria_of, group_name, members_of
from kyodo_proposals.routing import application
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.pages.actions import Form, act, page_actor, signed_in, text
from kyodo_shared.pages.forms import FormErrors, form_errors
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router
from kyodo_shared.web.auth import Role

router = page_router(prefix="/proposals")


def _preview(request: Request, call_id: UUID) -> tuple[Tally | None, str | None]:
    """The tally for the one who confirms, or why it is not shown (the refusal's code)."""
    principal = signed_in(request, Role.REVIEWER)
    try:
        return application(request).decision_preview(principal, call_id), None
    except Refusal as refusal:
        if refusal.code not in {"score_first", "not_the_confirmer", "no_confirmer", "recused"}:
            raise
        return None, refusal.code


def _ranked(entries: list[dict[str, Any]], names: dict[str, Any]) -> list[dict[str, Any]]:
    """Each ranked proposal with its group as the member's list names it."""
    return [{**e, "name": names.get(str(e["proposal_id"]))} for e in entries]


def decision_page(
    request: Request, call_id: UUID, form: FormData | None = None, errors: FormErrors | None = None, status: int = 200
) -> Response:
    principal = signed_in(request, Role.REVIEWER)
    app = application(request)
    call = app.read_call(principal, call_id)
    waiting = not_open_yet(request, principal, call)
    if waiting is not None:
        return waiting
    # Board members only (the API's query refuses anyone else); named as the member's list names them.
    items = app.board_proposals(principal, call_id)
    names = {i["proposal_id"]: i for i in items}
    # Members by their office or letter on the call's board, never by their sub.
    members = members_of(app, principal, call_id)
    for item in items:
        item["group_name"] = None if item["recused"] else group_name(app, str(item["group_id"]))
    context: dict[str, Any] = {
        "call": call,
        "call_id": str(call_id),
        "spec": call.spec,
        "criteria": criteria_of(call),
        "formula": FORMULA_WORDS.get(str(call.spec["formula"])),
        "tie_rule": TIE_WORDS.get(str(call.spec["tie_rule"])),
        "priority": [c for key in call.spec.get("priority") or [] for c in criteria_of(call) if c["key"] == key],
        "values": posted(form) if form is not None else {},
        "errors": errors,
        "labels": {"reasons": gettext(request, "Reasons"), "confirm": gettext(request, "Confirmation")},
        "in_review": call.status == IN_REVIEW,
        "published": None,
        "tally": None,
        "digest": None,
        "why": None,
        "committee_id": str(call.spec["committee_id"]),
    }
    if call.status == RESULTS_PUBLISHED:
        results = app.results(call_id)
        for p in results["proposals"]:
            names.setdefault(p["proposal_id"], {"group_name": group_name(app, str(p["group_id"]))})
        context["published"] = results
        context["ranked"] = _ranked(results["proposals"], names)
        confirmed_by = (app.get_review(call_id).decision or {}).get("confirmed_by")
        context["confirmed_by"] = members.get(str(confirmed_by))
    elif call.status == IN_REVIEW:
        confirmer = confirmer_of(app, call_id)
        tally, why = _preview(request, call_id)
        context |= {
            "confirmer": confirmer,
            "who": members.get(str(confirmer.sub)),
            "tally": tally,
            "why": why,
            "me": principal.sub == confirmer.sub,
        }
        if tally is not None:
            # Named back by the confirmation: what it publishes is exactly what was read here.
            context["digest"] = tally.digest()
            context["ranked"] = _ranked((tally.ranking or {}).get("entries", []), names)
            context["short"] = [(names.get(p), n) for p, n in tally.short.items()]
            context["voided"] = {r: sum(1 for v in tally.voided if v["reason"] == r) for r in ("interest", "conflict")}
            context["quorum"] = app.get_review(call_id).quorum
    title = gettext(request, "The decision")
    context["breadcrumbs"] = review_crumbs(request, call_id, call.spec, (request.url.path, title))
    return render(request, "proposals/review_decision.html", context, status=status)


def _together(errors: FormErrors, more: FormErrors | None) -> FormErrors:
    """The model's errors and the unticked confirmation's, in one summary."""
    if more is None:
        return errors
    items = (*errors.items, *more.items)
    by_id: dict[str, tuple[str, ...]] = {}
    for item in items:
        if item.id is not None:
            by_id[item.id] = (*by_id.get(item.id, ()), item.reason)
    return FormErrors(errors.title, errors.detail, items, by_id)


@router.get("/calls/{call_id}/review/decision")
def decision(call_id: str, request: Request) -> Response:
    return decision_page(request, call_uuid(call_id))


@router.post("/calls/{call_id}/review/decision")
def confirm(call_id: str, request: Request, form: Form) -> Response:
    principal = signed_in(request, Role.REVIEWER)
    cid = call_uuid(call_id)
    refused = unconfirmed(request, form)
    fields = {name: text(form, name) for name in ("reasons", "ranking_digest") if text(form, name)}
    try:
        body = DecisionIn.model_validate(fields)
    except ValidationError as invalid:
        # The reasons and the confirmation are both said at once, each beside its field.
        return decision_page(request, cid, form, _together(form_errors(request, invalid), refused), 422)
    if refused is not None:
        return decision_page(request, cid, form, refused, 422)

    def command() -> None:
        application(request).decide(page_actor(request, principal), cid, body.reasons, body.ranking_digest)

    return act(
        request,
        command,
        again=lambda errors, status: decision_page(request, cid, form, errors, status),
        then=f"/proposals/calls/{cid}/review/decision",
        notice="results_published",
    )
