"""The center's trainings over HTTP: the center plans, announces, cancels, records attendance and publishes
minutes; anyone reads announced trainings (counts, never names) and their iCalendar; groups' people and staff
register with their login, citizens with a name and e-mail and get a secret link to view or cancel."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from kyodo_info_hub.calendar_feed import calendar_of
from kyodo_info_hub.registrations_api import router as registrations_router
from kyodo_info_hub.trainings import Status, Training
from kyodo_info_hub.trainings_index import list_trainings
from kyodo_info_hub.trainings_routing import Anyone, Coordinator, application, maybe_actor
from kyodo_info_hub.trainings_schemas import (
    AttendanceIn,
    CancellationIn,
    MinutesIn,
    PlanIn,
    TrainingIn,
    TrainingPage,
    TrainingView,
)
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.web.auth import Role
from kyodo_shared.web.pagination import LINK_HEADER, Paging, paginated
from kyodo_shared.web.routes import actor_of, answered, etag_of, expected_version, service_router

router = service_router(prefix="/trainings", tags=["trainings"])

ICS = "text/calendar; charset=utf-8"
# What the two calendar routes answer, in their OpenAPI (not JSON).
ICS_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"content": {"text/calendar": {}}}}
_STATUS = r"^(announced|cancelled|draft)$"
_KIND = r"^(training|course|exchange_meeting)$"
_AUDIENCE = r"^(groups|staff|citizens)$"


def view(training: Training, center: bool = False) -> TrainingView:
    """The public view; the center's also carries an online training's link."""
    public = training.public()
    if center:
        public["online_url"] = training.plan.get("online_url")
    return TrainingView.model_validate(public)


def done(request: Request, response: Response, training: Training, status: int = 200) -> TrainingView:
    """The center's answer: the plan's version as the ETag (what its next If-Match names)."""
    answered(request, response, training.plan_version, status)
    return view(training, center=True)


@router.post("", status_code=201, response_model=TrainingView, summary="Draft a training, course or exchange meeting")
def draft(body: TrainingIn, request: Request, response: Response, principal: Coordinator) -> Any:
    fields = body.model_dump(exclude={"kind"})
    training = application(request).draft_training(actor_of(request, principal), body.kind.value, fields)
    response.headers["Location"] = f"/api/info-hub/trainings/{training.id}"
    return done(request, response, training, 201)


@router.get("", response_model=TrainingPage, responses=LINK_HEADER, summary="Trainings, upcoming first")
def trainings(
    request: Request,
    response: Response,
    principal: Anyone,
    paging: Paging,
    kind: Annotated[str | None, Query(pattern=_KIND)] = None,
    audience: Annotated[str | None, Query(pattern=_AUDIENCE)] = None,
    status: Annotated[str | None, Query(pattern=_STATUS)] = None,
) -> Any:
    """Announced and cancelled trainings; `status=draft` (the center only) lists drafts."""
    app = application(request)
    if status == "draft" and not (principal is not None and principal.has(Role.COORDINATOR)):
        raise Refusal("coordinator_only")
    statuses = [status] if status else ["announced", "cancelled"]
    items, total = list_trainings(
        app.db,
        statuses=statuses,
        kind=kind,
        audience=audience,
        upcoming_from=app.now(),
        offset=paging.offset,
        limit=paging.limit,
    )
    return paginated(request, response, paging, TrainingPage, [TrainingView.model_validate(i) for i in items], total)


@router.get(
    ".ics", response_class=Response, responses=ICS_RESPONSE, summary="Every announced training as iCalendar (RFC 5545)"
)
def all_ics(request: Request) -> Response:
    app = application(request)
    items, _ = list_trainings(
        app.db,
        statuses=["announced", "cancelled"],
        kind=None,
        audience=None,
        upcoming_from=None,
        offset=0,
        limit=10_000,
    )
    return Response(calendar_of(items, app.center.public_url), media_type=ICS)


@router.get(
    "/{training_id}.ics",
    response_class=Response,
    responses=ICS_RESPONSE,
    summary="One announced (or cancelled) training as iCalendar (RFC 5545)",
)
def one_ics(training_id: UUID, request: Request, principal: Anyone) -> Response:
    app = application(request)
    training = app.read_training(maybe_actor(request, principal), training_id)
    if training.status == Status.DRAFT:
        raise Refusal("training_not_found")  # a draft is never in a calendar, the center's neither
    return Response(calendar_of([training.public()], app.center.public_url), media_type=ICS)


@router.get("/{training_id}", response_model=TrainingView, summary="A training: its plan and counts")
def read(training_id: UUID, request: Request, response: Response, principal: Anyone) -> Any:
    actor = maybe_actor(request, principal)
    training = application(request).read_training(actor, training_id)
    response.headers["ETag"] = etag_of(training.plan_version)
    return view(training, center=actor is not None and actor.has(Role.COORDINATOR))


@router.put("/{training_id}", response_model=TrainingView, summary="Revise a training (If-Match)")
def revise(training_id: UUID, body: PlanIn, request: Request, response: Response, principal: Coordinator) -> Any:
    training = application(request).revise_training(
        actor_of(request, principal), expected_version(request), training_id, body.model_dump()
    )
    return done(request, response, training)


@router.post("/{training_id}/announcement", response_model=TrainingView, summary="Announce a draft (If-Match)")
def announce(training_id: UUID, request: Request, response: Response, principal: Coordinator) -> Any:
    training = application(request).announce_training(
        actor_of(request, principal), expected_version(request), training_id
    )
    return done(request, response, training)


@router.post("/{training_id}/cancellation", response_model=TrainingView, summary="Cancel a training (If-Match)")
def cancel(
    training_id: UUID, body: CancellationIn, request: Request, response: Response, principal: Coordinator
) -> Any:
    training = application(request).cancel_training(
        actor_of(request, principal), expected_version(request), training_id, body.reason_ja, body.reason_en
    )
    return done(request, response, training)


@router.put("/{training_id}/attendance", response_model=TrainingView, summary="Record attendance (If-Match)")
def attendance(
    training_id: UUID, body: AttendanceIn, request: Request, response: Response, principal: Coordinator
) -> Any:
    training = application(request).record_attendance(
        actor_of(request, principal), expected_version(request), training_id, [str(i) for i in body.registration_ids]
    )
    return done(request, response, training)


@router.put("/{training_id}/minutes", response_model=TrainingView, summary="Publish an exchange meeting's minutes")
def minutes(training_id: UUID, body: MinutesIn, request: Request, response: Response, principal: Coordinator) -> Any:
    training = application(request).publish_minutes(
        actor_of(request, principal), expected_version(request), training_id, body.minutes_ja, body.minutes_en
    )
    return done(request, response, training)


ROUTERS: list[APIRouter] = [router, registrations_router]
