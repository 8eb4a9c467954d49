"""The coordinator's decisions on a group: `/registry/decisions/{group_id}` — suspend (with a reason), reinstate,
record its dissolution, and decide a pending handover of the representative (with a reason).

Each form posts to `/registry/decisions/{group_id}/<decision>`, which calls the application method the API route
calls (`suspend`, `reinstate`, `dissolve`, `decide_handover`) with the version the page showed, through `act`.
The page offers only what the group's state allows and says why not otherwise; the application refuses anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel
from starlette.datastructures import FormData

from kyodo_registry.app import RegistryApplication
from kyodo_registry.domain import Group
from kyodo_registry.pages.coordinator.common import FIRST, Again, coordinator, group_id_of, group_page
from kyodo_registry.schemas import HandoverDecision, Reason
from kyodo_registry.vocabulary import DISSOLVED, LAPSED, RECHECKED, REGISTERED, SUSPENDED
from kyodo_shared.domain.actors import Actor
from kyodo_shared.domain.refusals import Expected
from kyodo_shared.pages.actions import Form, act, page_actor, seen_version, text
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.routing import page_router

router = page_router(prefix="/registry")
DECISIONS = "/registry/decisions"
HANDOVER_FIELDS = ("new_representative_sub", "name", "email", "phone", "reason")


def reinstatable(group: Group) -> bool:
    """The domain's condition for lifting a suspension: no re-check open, criteria 5 and 6 not found unmet."""
    return not group.recheck and all(group.assessments[c].met for c in RECHECKED if c in group.assessments)


def _page(request: Request, group_id: UUID, again: Again = FIRST) -> HTMLResponse:
    principal, app = coordinator(request)
    record = app.read_group(principal, group_id)
    group = record.group
    return group_page(
        request,
        "registry/coord_decisions.html",
        (DECISIONS, gettext(request, "Groups and decisions")),
        record,
        again,
        # The record keeps ISO dates; the kit's date filters take dates.
        renewal_due=date.fromisoformat(group.renewal_due) if group.renewal_due else None,
        may_suspend=group.status in (REGISTERED, LAPSED),
        suspended=group.status == SUSPENDED,
        reinstatable=group.status == SUSPENDED and reinstatable(group),
        dissolved=group.status == DISSOLVED,
    )


@router.get("/decisions/{group_id}")
def decisions(group_id: str, request: Request) -> HTMLResponse:
    return _page(request, group_id_of(group_id))


Decide = Callable[[RegistryApplication, Actor, Expected, UUID, Any], object]


def _decide(
    request: Request,
    group_id: str,
    form: FormData,
    decision: str,
    model: type[BaseModel],
    fields: tuple[str, ...],
    decide: Decide,
    notice: str,
) -> Response:
    """One decision's post: the form's `<decision>.<field>` controls as the API's body `model`, then `decide`."""
    principal, app = coordinator(request)
    gid = group_id_of(group_id)
    values = {name: text(form, f"{decision}.{name}") for name in fields}

    def command() -> object:
        body = model.model_validate(values)
        return decide(app, page_actor(request, principal), seen_version(form), gid, body)

    return act(
        request,
        command,
        again=lambda errors, status: _page(request, gid, Again(decision, values, errors.within(decision), status)),
        then=f"{DECISIONS}/{gid}",
        notice=notice,
    )


# A decision taken with a reason alone: (application, actor, the version seen, the group's id, the reason).
DecideWithReason = Callable[[RegistryApplication, Actor, Expected, UUID, str], object]


def _with_reason(
    request: Request, group_id: str, form: FormData, decision: str, decide: DecideWithReason, notice: str
) -> Response:
    """A decision whose form is its reason alone (`<decision>.reason`, the API's `Reason`)."""

    def decided(app: RegistryApplication, actor: Actor, seen: Expected, gid: UUID, body: Reason) -> object:
        return decide(app, actor, seen, gid, body.reason)

    return _decide(request, group_id, form, decision, Reason, ("reason",), decided, notice)


@router.post("/decisions/{group_id}/suspension")
def suspend(group_id: str, request: Request, form: Form) -> Response:
    return _with_reason(request, group_id, form, "suspension", RegistryApplication.suspend, "suspended")


@router.post("/decisions/{group_id}/reinstatement")
def reinstate(group_id: str, request: Request, form: Form) -> Response:
    return _with_reason(request, group_id, form, "reinstatement", RegistryApplication.reinstate, "reinstated")


@router.post("/decisions/{group_id}/dissolution")
def dissolve(group_id: str, request: Request, form: Form) -> Response:
    return _with_reason(request, group_id, form, "dissolution", RegistryApplication.dissolve, "dissolved")


@router.post("/decisions/{group_id}/handover")
def decide_handover(group_id: str, request: Request, form: Form) -> Response:
    def decide(app: RegistryApplication, actor: Actor, seen: Expected, gid: UUID, body: HandoverDecision) -> object:
        person = body.model_dump(mode="json", include={"name", "email", "phone"})
        return app.decide_handover(actor, seen, gid, body.new_representative_sub, person, body.reason)

    return _decide(request, group_id, form, "handover", HandoverDecision, HANDOVER_FIELDS, decide, "handover_decided")
