"""Registrations for the center's trainings over HTTP: with a login (a group's person or staff), or as a citizen
with a name and e-mail (rate-limited; answered with the secret link to view and cancel), the registrant's view and
cancellation, and the center's list with citizens' names.

Registering and cancelling take no If-Match: they change the training's registrations, not something the caller
read, and the application retries a lost race itself.

A citizen's secret token travels in the `X-Registration-Token` header (the link carries it in its fragment, which no
browser sends to a server); `?token=` is still read, deprecated. Every answer carrying a registration is
`Cache-Control: no-store` and `Referrer-Policy: no-referrer`.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from uuid import UUID

from fastapi import Header, Query, Request, Response

from kyodo_info_hub.messages_trainings import MESSAGES
from kyodo_info_hub.registrations_app import Placed, RateLimited
from kyodo_info_hub.trainings_routing import Anyone, Coordinator, Registrant, application, maybe_actor
from kyodo_info_hub.trainings_schemas import (
    CancellationIn,
    CitizenRegistrationIn,
    Counts,
    PersonRegistrationIn,
    Placement,
    RegistrationList,
    RegistrationPage,
    RegistrationView,
)
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.web.pagination import LINK_HEADER, Paging, paginated
from kyodo_shared.web.problems import Problem
from kyodo_shared.web.routes import actor_of, answered, service_router

router = service_router(prefix="/trainings", tags=["trainings"])

# The secret of a citizen's link: what `new_token` makes (43 URL-safe characters), with some room.
_TOKEN = {"min_length": 20, "max_length": 100, "pattern": r"^[A-Za-z0-9_-]+$"}
Token = Annotated[str | None, Query(deprecated=True, description="Deprecated: send X-Registration-Token.", **_TOKEN)]
TokenHeader = Annotated[
    str | None, Header(alias="X-Registration-Token", description="The secret of a citizen's link.", **_TOKEN)
]
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def private(response: Response) -> None:
    """An answer carrying a registration: neither cached nor leaked to another site as a referrer."""
    response.headers.update(PRIVATE)


def _placement(request: Request, response: Response, placed: Placed) -> Placement:
    app = application(request)
    found = placed.training.registrations[placed.registration_id]
    base = app.registration_view(placed.training, placed.registration_id, found)
    link = None
    if placed.token is not None:
        # The citizen's page (the portal's) reads the token from the fragment and sends it in the header.
        link = (
            f"{app.center.public_url}/trainings/{placed.training.id}/registrations/"
            f"{placed.registration_id}#token={placed.token}"
        )
    answered(request, response, placed.training.plan_version, 201)
    response.headers["Location"] = (
        f"/api/info-hub/trainings/{placed.training.id}/registrations/{placed.registration_id}"
    )
    private(response)
    return Placement.model_validate({**base, "link": link})


def _citizen_trace(request: Request) -> dict[str, str]:
    return {
        "correlation_id": request.state.correlation_id,
        "causation_id": str(uuid.uuid4()),
        "actor": "citizen",
    }


@router.post(
    "/{training_id}/registrations",
    status_code=201,
    response_model=Placement,
    summary="Register with a login: a group's representative or contact (group_id), or a member of staff",
)
def register(
    training_id: UUID, body: PersonRegistrationIn, request: Request, response: Response, principal: Registrant
) -> Any:
    placed = application(request).register_person(
        actor_of(request, principal), training_id, str(body.group_id) if body.group_id else None
    )
    return _placement(request, response, placed)


@router.post(
    "/{training_id}/citizen-registrations",
    status_code=201,
    response_model=Placement,
    responses={429: {"description": "Too many registrations from this address or for this e-mail (Retry-After)."}},
    summary="Register as a citizen without login (name and e-mail, kept encrypted); answers the secret link",
)
def register_citizen(training_id: UUID, body: CitizenRegistrationIn, request: Request, response: Response) -> Any:
    address = request.client.host if request.client else "unknown"
    try:
        placed = application(request).register_citizen(
            training_id, body.name, str(body.email), address, _citizen_trace(request)
        )
    except RateLimited as limited:
        m = MESSAGES["too_many_registrations"]
        raise Problem(
            m.status,
            limited.code,
            m.title_ja,
            m.title_en,
            detail_ja=m.detail_ja,
            detail_en=m.detail_en,
            headers={"Retry-After": str(limited.retry_after)},
        ) from None
    return _placement(request, response, placed)


@router.get(
    "/{training_id}/registrations",
    response_model=RegistrationPage,
    responses=LINK_HEADER,
    summary="The registrations, in the order the store accepted them (the center: citizens' names decrypted)",
)
def registrations(
    training_id: UUID, request: Request, response: Response, principal: Coordinator, paging: Paging
) -> Any:
    training, items, total = application(request).registrations(
        actor_of(request, principal), training_id, paging.offset, paging.limit
    )
    views = [RegistrationView.model_validate(i) for i in items]
    private(response)
    page = paginated(request, response, paging, RegistrationPage, views, total)
    page.counts = Counts.model_validate(training.counts())
    return page


@router.get(
    "/{training_id}/registrations/mine",
    response_model=RegistrationList,
    summary="The caller's own registrations for this training",
)
def mine(training_id: UUID, request: Request, response: Response, principal: Registrant) -> Any:
    training, items = application(request).my_registrations(actor_of(request, principal), training_id)
    private(response)
    return RegistrationList(items=[RegistrationView.model_validate(i) for i in items], counts=training.counts())


@router.get(
    "/{training_id}/registrations/{registration_id}",
    response_model=RegistrationView,
    summary="One registration: by the citizen's secret link (token), the registrant's login, or the center",
)
def read_registration(
    training_id: UUID,
    registration_id: UUID,
    request: Request,
    response: Response,
    principal: Anyone,
    token: Token = None,
    x_registration_token: TokenHeader = None,
) -> Any:
    app = application(request)
    private(response)
    token = x_registration_token or token
    if token is not None:
        return app.registration_by_token(training_id, str(registration_id), token)
    actor = maybe_actor(request, principal)
    if actor is None:
        raise Refusal("registration_not_found")
    return app.registration_of(actor, training_id, str(registration_id))


@router.delete(
    "/{training_id}/registrations/{registration_id}",
    response_model=RegistrationView,
    summary="Cancel a registration before the start (by the secret link's token or the registrant's login); the "
    "first on the waitlist takes the seat",
)
def cancel_registration(
    training_id: UUID,
    registration_id: UUID,
    request: Request,
    response: Response,
    principal: Anyone,
    token: Token = None,
    x_registration_token: TokenHeader = None,
) -> Any:
    actor = maybe_actor(request, principal)
    trace = actor.trace_dict() if actor is not None else _citizen_trace(request)
    token = x_registration_token or token
    cancelled = application(request).cancel_registration(actor, training_id, str(registration_id), token, trace)
    request.app.state.kernel.nudge()
    private(response)
    return cancelled


@router.post(
    "/{training_id}/registrations/{registration_id}/cancellation",
    response_model=RegistrationView,
    summary="The center cancels any registration before the start, with its reason; the first on the waitlist "
    "takes the seat",
)
def cancel_for_center(
    training_id: UUID,
    registration_id: UUID,
    body: CancellationIn,
    request: Request,
    response: Response,
    principal: Coordinator,
) -> Any:
    cancelled = application(request).cancel_for_center(
        actor_of(request, principal), training_id, str(registration_id), body.reason_ja, body.reason_en
    )
    request.app.state.kernel.nudge()
    private(response)
    return cancelled
