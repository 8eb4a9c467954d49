"""Managing a committee, for coordinators: `/registry/committees/{id}/manage` (every term, today's officers, acting
chairs; appoint a member for a term), with one page per further action: `…/manage/officers` (chair and
vice-chair), `…/manage/members/{sub}/end` (end a membership early) and `…/manage/acting-chairs` (record an acting
chair the members elected for a matter). The committee's version is each form's If-Match, as the API's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from kyodo_contracts.registry_org import MembershipEndReason
from kyodo_registry.app import RegistryApplication
from kyodo_registry.org.api_committees import (
    AppointmentRequest,
    EndRequest,
    OfficersRequest,
    roster,
)
from kyodo_registry.pages.org.common import body, coordinator, crumbs, manager, reader, uuid_of
from kyodo_registry.pages.org.matters import KIND_OF, WHERE, ElectionForm, composed
from kyodo_registry.routing import application
from kyodo_shared.domain.actors import Actor
from kyodo_shared.domain.refusals import Expected
from kyodo_shared.pages.actions import Form, act, page_actor, seen_version, text, texts
from kyodo_shared.pages.forms import FormErrors
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.paths import name_in
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router

router = page_router(prefix="/registry")
LIST = "/registry/committees"
# An application method over the committee: (application, actor, the version seen, the committee's id).
Call = Callable[[RegistryApplication, Actor, Expected, UUID], object]


def _committee(request: Request, committee_id: UUID) -> dict[str, Any]:
    registry = application(request)
    found = registry.get_committee(committee_id)
    today = registry.today()
    name = name_in(request, found.name_ja, found.name_en)
    manage = f"{LIST}/{found.id}/manage"
    shown = roster(registry, found, today)
    terms = [
        {
            "member_sub": t.member_sub,
            "name": registry.member_name(t),
            "term_start": t.term_start,
            "term_end": t.term_end,
            "ended_on": t.ended_on,
            "may_end": t.ended_on is None and t.term_end >= today,
        }
        for t in sorted(found.terms, key=lambda t: (t.term_start, t.member_sub))
    ]
    members = [(m.member_sub, f"{m.name or gettext(request, '(name erased)')} ({m.member_sub})") for m in shown.members]
    return {
        "committee": found,
        "roster": shown,
        "name": name,
        "manage": manage,
        "public": f"{LIST}/{found.id}",
        "terms": terms,
        "member_options": members,
        "acting_chairs": [found.acting_chairs[k] for k in sorted(found.acting_chairs)],
        "chair": next((m for m in shown.members if m.role == "chair"), None),
        "vice_chair": next((m for m in shown.members if m.role == "vice_chair"), None),
        "reasons": [r.value for r in MembershipEndReason],
        "may_manage": coordinator(request),
        "breadcrumbs": crumbs(
            request,
            (LIST, gettext(request, "Committees")),
            (f"{LIST}/{found.id}", name),
            (manage, gettext(request, "Manage members")),
        ),
    }


def _page(
    request: Request,
    committee_id: UUID,
    action: str,
    values: dict[str, Any],
    errors: FormErrors,
    status: int = 200,
) -> HTMLResponse:
    """The manage page (`appoint`) or one action's page (`officers`, `end`, `acting`) with its form."""
    context = {**_committee(request, committee_id), "action": action, "values": values, "errors": errors}
    if action == "appoint":
        return render(request, "registry/org_committee_manage.html", context, status=status)
    titles = {
        "officers": gettext(request, "Set the chair and vice-chair"),
        "end": gettext(request, "End a membership early"),
        "acting": gettext(request, "Record an acting chair"),
    }
    context["title"] = titles[action]
    # Ending needs a term of that member's still running (the application refuses any other as `not_a_member`).
    context["open_term"] = any(t["may_end"] and t["member_sub"] == values.get("member_sub") for t in context["terms"])
    context["breadcrumbs"].append((request.url.path, titles[action]))
    if action == "acting":
        kind = KIND_OF[str(context["committee"].kind)]
        context.update(matter_where=WHERE[kind], matter_kind=kind)
        context["matter"] = composed(kind, str(values.get("matter_id", "")))
    return render(request, "registry/org_committee_action.html", context, status=status)


def _run(
    request: Request, committee_id: str, action: str, form: FormData, fields: dict[str, Any], notice: str, call: Call
) -> Response:
    """Post one of the committee's forms: `call(app, actor, expected, committee_id)` is the application method."""
    principal = manager(request)
    found = uuid_of(committee_id, "committee")
    return act(
        request,
        lambda: call(application(request), page_actor(request, principal), seen_version(form), found),
        again=lambda errors, status: _page(request, found, action, fields, errors, status),
        then=f"{LIST}/{found}/manage",
        notice=notice,
    )


@router.get("/committees/{committee_id}/manage")
def manage(committee_id: str, request: Request) -> HTMLResponse:
    reader(request)
    return _page(request, uuid_of(committee_id, "committee"), "appoint", {}, FormErrors())


@router.post("/committees/{committee_id}/manage")
def appoint(committee_id: str, request: Request, form: Form) -> Response:
    fields = body(form, "member_sub", "name", "term_start", "term_end")

    def call(registry: RegistryApplication, actor: Actor, expected: Expected, found: UUID) -> None:
        m = AppointmentRequest.model_validate(fields)
        registry.appoint_member(actor, expected, found, m.member_sub, m.name, m.term_start, m.term_end)

    return _run(request, committee_id, "appoint", form, fields, "member_appointed", call)


@router.get("/committees/{committee_id}/manage/officers")
def officers(committee_id: str, request: Request) -> HTMLResponse:
    reader(request)
    return _page(request, uuid_of(committee_id, "committee"), "officers", {}, FormErrors())


@router.post("/committees/{committee_id}/manage/officers")
def change_officers(committee_id: str, request: Request, form: Form) -> Response:
    fields = body(form, "chair_sub", "vice_chair_sub", "effective_on")

    def call(registry: RegistryApplication, actor: Actor, expected: Expected, found: UUID) -> None:
        m = OfficersRequest.model_validate(fields)
        registry.change_officers(actor, expected, found, m.chair_sub, m.vice_chair_sub, m.effective_on)

    return _run(request, committee_id, "officers", form, fields, "officers_changed", call)


@router.get("/committees/{committee_id}/manage/members/{member_sub}/end")
def end(committee_id: str, member_sub: str, request: Request) -> HTMLResponse:
    reader(request)
    return _page(request, uuid_of(committee_id, "committee"), "end", {"member_sub": member_sub}, FormErrors())


@router.post("/committees/{committee_id}/manage/members/{member_sub}/end")
def end_membership(committee_id: str, member_sub: str, request: Request, form: Form) -> Response:
    fields = body(form, "ended_on", "reason")

    def call(registry: RegistryApplication, actor: Actor, expected: Expected, found: UUID) -> None:
        m = EndRequest.model_validate(fields)
        registry.end_membership(actor, expected, found, member_sub, m.ended_on, m.reason.value)

    return _run(request, committee_id, "end", form, {**fields, "member_sub": member_sub}, "membership_ended", call)


@router.get("/committees/{committee_id}/manage/acting-chairs")
def acting_chairs(committee_id: str, request: Request) -> HTMLResponse:
    reader(request)
    return _page(request, uuid_of(committee_id, "committee"), "acting", {}, FormErrors())


@router.post("/committees/{committee_id}/manage/acting-chairs")
def elect_acting_chair(committee_id: str, request: Request, form: Form) -> Response:
    fields: dict[str, Any] = body(form, "acting_chair_sub", "elected_on")
    fields["elector_subs"] = texts(form, "elector_subs")
    # The matter's id, composed by the form's model with the kind the committee's kind gives (not asked).
    fields["matter_id"] = text(form, "matter_id")

    def call(registry: RegistryApplication, actor: Actor, expected: Expected, found: UUID) -> None:
        fields["matter_kind"] = KIND_OF[str(registry.get_committee(found).kind)]
        m = ElectionForm.model_validate(fields)
        registry.elect_acting_chair(actor, expected, found, m.matter, m.acting_chair_sub, m.elector_subs, m.elected_on)

    return _run(request, committee_id, "acting", form, fields, "acting_chair_recorded", call)
