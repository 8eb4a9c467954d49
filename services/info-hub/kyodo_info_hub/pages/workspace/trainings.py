"""Registering for the center's trainings with a login: `/me/trainings` (the upcoming trainings and the viewer's own
registrations), `/me/trainings/{tid}` (register a group — or oneself, for staff — and cancel before the start).

The forms post to the same application methods as the API's `POST /trainings/{tid}/registrations`
(`register_person`, the body `PersonRegistrationIn`: the field `group_id`) and `DELETE
/trainings/{tid}/registrations/{rid}` (`cancel_registration` with the registrant's login). Neither takes If-Match in
the API (they change the training's registrations, not something the caller read), so the forms carry no version.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from kyodo_info_hub.api_trainings import view
from kyodo_info_hub.pages.home import application, training_card, when
from kyodo_info_hub.pages.workspace.common import group_name, groups_of, me_crumbs
from kyodo_info_hub.trainings_index import list_trainings
from kyodo_info_hub.trainings_schemas import PersonRegistrationIn
from kyodo_shared.domain.actors import Principal, Role
from kyodo_shared.pages.actions import Form, act, page_actor, signed_in, text
from kyodo_shared.pages.format import TOKYO
from kyodo_shared.pages.forms import FormErrors
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.paths import path_uuid
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router

router = page_router("/me/trainings")
# The registrants the API takes with a login (`trainings_routing.Registrant`).
REGISTRANTS = (Role.GROUP, Role.STAFF)
UPCOMING = 50


def _mine(request: Request, principal: Principal, training_id: UUID) -> list[dict[str, Any]]:
    """The viewer's registrations for one training, as `GET /trainings/{tid}/registrations/mine` reads them."""
    _, items = application(request).my_registrations(page_actor(request, principal), training_id)
    return [
        {**r, "group": group_name(request, r.get("group_id")), "registered_at": when(r["registered_at"])} for r in items
    ]


def registered(request: Request, principal: Principal) -> list[dict[str, Any]]:
    """The viewer's live registrations (not cancelled) for upcoming trainings, soonest first: for `/me`."""
    app = application(request)
    items, _ = list_trainings(
        app.db, statuses=["announced"], kind=None, audience=None, upcoming_from=app.now(), offset=0, limit=UPCOMING
    )
    found = []
    for item in items:
        card = training_card(request, item)
        if card["starts_at"] is None or card["starts_at"] <= app.now():
            continue
        for r in _mine(request, principal, UUID(str(item["id"]))):
            if r["seat"] != "cancelled":
                found.append({"training": card, "registration": r})
    return found


@router.get("")
def my_trainings(request: Request) -> HTMLResponse:
    principal = signed_in(request, *REGISTRANTS)
    app = application(request)
    now = app.now()
    items, _ = list_trainings(
        app.db, statuses=["announced"], kind=None, audience=None, upcoming_from=now, offset=0, limit=UPCOMING
    )
    cards = [training_card(request, t) for t in items]
    upcoming = [c for c in cards if c["ends_at"] is not None and c["ends_at"] > now]
    context = {
        "upcoming": upcoming,
        "registered": registered(request, principal),
        "breadcrumbs": me_crumbs(request, _trainings(request)),
    }
    return render(request, "workspace/trainings.html", context)


def _trainings(request: Request) -> tuple[str, str]:
    return ("/me/trainings", gettext(request, "Training registration"))


def _page(
    request: Request,
    principal: Principal,
    training_id: UUID,
    *,
    chosen: str = "",
    errors: FormErrors | None = None,
    status: int = 200,
) -> HTMLResponse:
    app = application(request)
    training = app.read_registrable(page_actor(request, principal), training_id)
    public = view(training).model_dump()
    card = training_card(request, public)
    now: datetime = app.now()
    audience = public["audience"]
    mine = _mine(request, principal, training_id)
    # A group the viewer registered already is not offered again (the service refuses it: already registered).
    taken = {r["group_id"] for r in mine if r["seat"] != "cancelled"}
    groups = [g for g in groups_of(request, principal) if g.status == "registered" and g.id not in taken]
    # Why the viewer cannot register now, in words (the service refuses it anyway if forced).
    reason = None
    if public["status"] != "announced":
        reason = "not_announced"
    elif not (public["registration_opens_at"] <= now < public["registration_closes_at"]):
        reason = "closed"
    elif not any(
        (role == Role.GROUP and "groups" in audience and (groups or taken))
        or (role == Role.STAFF and "staff" in audience)
        for role in principal.roles
    ):
        reason = "audience"
    elif not groups and not (principal.has(Role.STAFF) and "staff" in audience and None not in taken):
        reason = "registered"
    context = {
        "t": card,
        "groups": groups,
        "staff": principal.has(Role.STAFF) and "staff" in audience and None not in taken,
        "mine": mine,
        "started": card["starts_at"] is not None and card["starts_at"] <= now,
        "end_time": end_time(card["starts_at"], card["ends_at"]),
        "reason": reason,
        "chosen": chosen,
        "errors": errors,
        "breadcrumbs": me_crumbs(request, _trainings(request), (f"/me/trainings/{training_id}", card["title"].text)),
    }
    return render(request, "workspace/training.html", context, status=status)


def end_time(starts: datetime | None, ends: datetime | None) -> str | None:
    """The end's time alone when the training ends on the day it starts (in Japan), so the date is not repeated."""
    if starts is None or ends is None or starts.astimezone(TOKYO).date() != ends.astimezone(TOKYO).date():
        return None
    return ends.astimezone(TOKYO).strftime("%H:%M")


@router.get("/{training_id}")
def training_page(training_id: str, request: Request) -> HTMLResponse:
    principal = signed_in(request, *REGISTRANTS)
    return _page(request, principal, path_uuid(training_id, "training_not_found"))


@router.post("/{training_id}/registrations")
def register(training_id: str, request: Request, form: Form) -> Response:
    """As `POST /trainings/{tid}/registrations` with `{"group_id": …}` (none: a member of staff registers)."""
    principal = signed_in(request, *REGISTRANTS)
    tid = path_uuid(training_id, "training_not_found")
    chosen = text(form, "group_id")

    def command() -> None:
        body = PersonRegistrationIn.model_validate({"group_id": chosen or None})
        group_id = str(body.group_id) if body.group_id else None
        application(request).register_person(page_actor(request, principal), tid, group_id)

    return act(
        request,
        command,
        again=lambda errors, status: _page(request, principal, tid, chosen=chosen, errors=errors, status=status),
        then=f"/me/trainings/{tid}",
        notice="training_registered",
    )


@router.post("/{training_id}/registrations/{registration_id}/cancellation")
def cancel(training_id: str, registration_id: str, request: Request, form: Form) -> Response:
    """As `DELETE /trainings/{tid}/registrations/{rid}` with the registrant's login, before the start."""
    principal = signed_in(request, *REGISTRANTS)
    tid = path_uuid(training_id, "training_not_found")
    rid = str(path_uuid(registration_id, "registration_not_found"))
    actor = page_actor(request, principal)
    return act(
        request,
        lambda: application(request).cancel_registration(actor, tid, rid, None, actor.trace_dict()),
        again=lambda errors, status: _page(request, principal, tid, errors=errors, status=status),
        then=f"/me/trainings/{tid}",
        notice="training_registration_cancelled",
    )
