"""The center's trainings, courses and exchange meetings for its coordinators, as `api_trainings.py` and
`registrations_api.py` run them:

- `/center/trainings`: drafts, announced and cancelled trainings, upcoming first (`list_trainings`);
- `/center/trainings/new`: draft one (`draft_training`, the body `TrainingIn`);
- `/center/trainings/{tid}/plan`: revise the plan (`revise_training`, `PlanIn`, the plan's version as If-Match);
- `/center/trainings/{tid}`: the plan, its counts and every registration in the store's order (`registrations`,
  citizens' names for the center only), with the forms of `trainings_actions.py`: announce, cancel, cancel a
  registration (the first in line takes the freed seat), attendance, minutes.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from kyodo_info_hub.api_trainings import view
from kyodo_info_hub.pages.center import trainings_actions
from kyodo_info_hub.pages.center.trainings_forms import plan_values, typed_plan
from kyodo_info_hub.pages.home import application, listing, localized, training_card, when
from kyodo_info_hub.pages.workspace.trainings import end_time
from kyodo_info_hub.trainings_index import list_trainings
from kyodo_info_hub.trainings_schemas import PlanIn, TrainingIn
from kyodo_shared.domain.actors import Principal, Role
from kyodo_shared.pages.actions import Form, act, page_actor, seen_version, signed_in
from kyodo_shared.pages.forms import FormErrors
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.notices import N_
from kyodo_shared.pages.paths import breadcrumbs, path_uuid
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router
from kyodo_shared.web.pagination import Paging

router = page_router("/center/trainings")
NOTICES: dict[str, str] = {
    "training_drafted": N_("The training is drafted. Nobody sees it until it is announced."),
    "training_revised": N_("The plan is revised."),
    "training_announced": N_("The training is announced: it is public and open for registration in its window."),
    "training_cancelled": N_("The training is cancelled; its page says so with the reason."),
    "registration_cancelled_by_center": N_(
        "The registration is cancelled. A freed seat went to the first on the waitlist."
    ),
    "attendance_recorded": N_("The attendance is recorded."),
    "minutes_published": N_("The minutes are published."),
}
STATUSES = ("draft", "announced", "cancelled")


def crumbs(request: Request, *more: tuple[str, str]) -> list[tuple[str, str]]:
    """Home › The center › Trainings and courses › …"""
    center = ("/center", gettext(request, "The center's programmes"))
    return breadcrumbs(request, center, ("/center/trainings", gettext(request, "Trainings and courses")), *more)


@router.get("")
def trainings(request: Request, paging: Paging) -> HTMLResponse:
    signed_in(request, Role.COORDINATOR)
    app = application(request)
    items, total = list_trainings(
        app.db,
        statuses=STATUSES,
        kind=None,
        audience=None,
        upcoming_from=app.now(),
        offset=paging.offset,
        limit=paging.limit,
    )
    context = {
        "trainings": [training_card(request, t) for t in items],
        "listing": listing(paging, total),
        "breadcrumbs": crumbs(request),
    }
    return render(request, "center/trainings.html", context)


def _form_page(
    request: Request,
    values: dict[str, Any],
    *,
    training: dict[str, Any] | None = None,
    errors: FormErrors | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The plan's form: a new training's (with its kind), or a training's revision (with its version)."""
    here = (request.url.path, gettext(request, "Revise the plan") if training else gettext(request, "New training"))
    context = {"values": values, "training": training, "errors": errors, "breadcrumbs": crumbs(request, here)}
    return render(request, "center/trainings_form.html", context, status=status)


@router.get("/new")
def new_training(request: Request) -> HTMLResponse:
    signed_in(request, Role.COORDINATOR)
    return _form_page(request, {"kind": "training", "audience": ["groups", "staff", "citizens"]})


@router.post("/new")
def draft(request: Request, form: Form) -> Response:
    """As `POST /trainings` (`TrainingIn`)."""
    principal = signed_in(request, Role.COORDINATOR)
    typed = typed_plan(form, with_kind=True)

    def command() -> Any:
        body = TrainingIn.model_validate(typed)
        fields = body.model_dump(exclude={"kind"})
        return application(request).draft_training(page_actor(request, principal), body.kind.value, fields)

    return act(
        request,
        command,
        again=lambda errors, status: _form_page(request, plan_values(typed), errors=errors, status=status),
        then=lambda training: f"/center/trainings/{training.id}",
        notice="training_drafted",
    )


def _shown(request: Request, principal: Principal, training_id: UUID) -> dict[str, Any]:
    training = application(request).read_training(page_actor(request, principal), training_id)
    return view(training, center=True).model_dump(mode="json")


@router.get("/{training_id}/plan")
def plan_form(training_id: str, request: Request) -> HTMLResponse:
    principal = signed_in(request, Role.COORDINATOR)
    shown = _shown(request, principal, path_uuid(training_id, "training_not_found"))
    return _form_page(request, plan_values(shown), training=shown)


@router.post("/{training_id}/plan")
def revise(training_id: str, request: Request, form: Form) -> Response:
    """As `PUT /trainings/{tid}` (`PlanIn`) with the plan's version as If-Match."""
    principal = signed_in(request, Role.COORDINATOR)
    tid = path_uuid(training_id, "training_not_found")
    typed = typed_plan(form, with_kind=False)

    def command() -> None:
        body = PlanIn.model_validate(typed)
        application(request).revise_training(page_actor(request, principal), seen_version(form), tid, body.model_dump())

    def again(errors: FormErrors, status: int) -> HTMLResponse:
        shown = _shown(request, principal, tid)
        return _form_page(request, plan_values(typed), training=shown, errors=errors, status=status)

    return act(request, command, again=again, then=f"/center/trainings/{tid}", notice="training_revised")


def registrants(request: Request, principal: Principal, training_id: UUID) -> list[dict[str, Any]]:
    """Every registration in the store's order (as `GET /trainings/{tid}/registrations` pages them), with who it
    is: a group's name, a member of staff's login, a citizen's name (or that it was erased)."""
    app = application(request)
    actor = page_actor(request, principal)
    _, _, total = app.registrations(actor, training_id, 0, 1)
    training, items, _ = app.registrations(actor, training_id, 0, total)
    # When a waitlisted registration took a freed seat (the aggregate's record; the API's view does not carry it).
    promoted = {rid: r.get("promoted_at") for rid, r in training.registrations.items()}
    return [
        {**trainings_actions.registrant_row(request, r), "promoted_at": when(promoted.get(r["registration_id"]))}
        for r in items
    ]


def training_page_of(
    request: Request,
    principal: Principal,
    training_id: UUID,
    errors: FormErrors | None = None,
    status: int = 200,
    typed: dict[str, Any] | None = None,
) -> HTMLResponse:
    """The training as the center sees it, with the forms it may use now (and what was typed into one refused)."""
    shown = _shown(request, principal, training_id)
    card = training_card(request, shown)
    now = application(request).now()
    registrations = registrants(request, principal, training_id)
    cancellation, minutes = shown["cancellation"] or {}, shown["minutes"] or {}
    context = {
        "t": card,
        "shown": shown,
        "description": localized(request, shown["description_ja"], shown["description_en"]),
        "end_time": end_time(card["starts_at"], card["ends_at"]),
        "opens_at": when(shown["registration_opens_at"]),
        "started": card["starts_at"] <= now,
        "ended": card["ends_at"] <= now,
        "registrations": registrations,
        "seated": [r for r in registrations if r["seat"] == "registered"],
        "cancellation": cancellation and localized(request, cancellation["reason_ja"], cancellation["reason_en"]),
        "minutes": minutes and localized(request, minutes["ja"], minutes["en"]),
        "errors": errors,
        "typed": typed or {},
        "breadcrumbs": crumbs(request, (f"/center/trainings/{training_id}", card["title"].text)),
    }
    return render(request, "center/trainings_item.html", context, status=status)


@router.get("/{training_id}")
def training_page(training_id: str, request: Request) -> HTMLResponse:
    principal = signed_in(request, Role.COORDINATOR)
    return training_page_of(request, principal, path_uuid(training_id, "training_not_found"))


router.include_router(trainings_actions.routes(training_page_of, crumbs))
