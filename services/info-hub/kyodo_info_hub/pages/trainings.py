"""Portal pages: the center's trainings (研修会・講座・意見交換会) — upcoming then past, with capacity and seats left
as the API publishes them (`list_trainings`, `Training.public()`), their iCalendar links — and the citizen's
registration page. A logged-in group's person or member of staff in the training's audience is pointed to
`/me/trainings/{tid}`, where they register with their login (the workspace's page, `pages/workspace/trainings.py`).

The link handed to a citizen is `<public_url>/trainings/<tid>/registrations/<rid>#token=<secret>`: the fragment
never reaches a server. Without JavaScript the page is a form with a labelled token field, posted (POST, same path)
to this page, which reads the registration with that token exactly as the API does (`registration_by_token`) and
shows it with a cancel button (a second POST with the token; `cancel_registration`). With JavaScript
(`static/registration.js`) the script takes the token from the fragment, removes it from the address bar, and reads
and cancels through the API with `X-Registration-Token`. A wrong token is the API's refusal, and changes nothing.
"""

from __future__ import annotations

import functools
import re
import uuid
from typing import Any
from urllib.parse import parse_qsl
from uuid import UUID

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from kyodo_info_hub.api_trainings import view
from kyodo_info_hub.messages import MESSAGES, TERMS
from kyodo_info_hub.pages.home import application, listing, localized, training_card, when
from kyodo_info_hub.registrations_api import PRIVATE
from kyodo_info_hub.registrations_app import RateLimited
from kyodo_info_hub.trainings_index import list_trainings
from kyodo_info_hub.trainings_schemas import CitizenRegistrationIn
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.pages.csrf import CSRF_FIELD, check_csrf_if_session
from kyodo_shared.pages.i18n import negotiate
from kyodo_shared.pages.paths import path_uuid
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router
from kyodo_shared.pages.session import viewer_of
from kyodo_shared.web.auth import Role
from kyodo_shared.web.messages import MessageTable
from kyodo_shared.web.pagination import Paging

router = page_router()
API = "/api/info-hub/trainings"
# The secret of a citizen's link, as the API accepts it (`registrations_api._TOKEN`).
TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}")
# A registration form's body: a token and an action, nothing longer.
MAX_FORM_BYTES = 2048


@functools.cache
def _messages() -> MessageTable:
    return MessageTable(*MESSAGES, terms=TERMS)


def _training_id(text: str) -> UUID:
    return path_uuid(text, "training_not_found")


async def form_fields(request: Request) -> dict[str, str]:
    """An `application/x-www-form-urlencoded` body's fields (a small form: a token and an action)."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return {}
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


def _trace(request: Request) -> dict[str, str]:
    correlation = getattr(request.state, "correlation_id", None) or str(uuid.uuid4())
    return {"correlation_id": correlation, "causation_id": str(uuid.uuid4()), "actor": "citizen"}


@router.get("/trainings")
def trainings(request: Request, paging: Paging) -> HTMLResponse:
    app = application(request)
    now = app.now()
    items, total = list_trainings(
        app.db,
        statuses=["announced", "cancelled"],
        kind=None,
        audience=None,
        upcoming_from=now,
        offset=paging.offset,
        limit=paging.limit,
    )
    cards = [training_card(request, t) for t in items]
    context = {
        "upcoming": [c for c in cards if c["ends_at"] > now],
        "past": [c for c in cards if c["ends_at"] <= now],
        "listing": listing(paging, total),
        "ics_all": f"{API}.ics",
    }
    return render(request, "portal/trainings.html", context)


@router.get("/trainings/{training_id}")
def training(training_id: str, request: Request) -> HTMLResponse:
    return _training_page(request, _training_id(training_id))


def _training_page(
    request: Request,
    training_id: UUID,
    *,
    form: dict[str, Any] | None = None,
    placed: dict[str, Any] | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    app = application(request)
    public = view(app.read_training(None, training_id)).model_dump()
    card = training_card(request, public)
    now = app.now()
    context = {
        "t": card,
        "description": localized(request, public["description_ja"], public["description_en"]),
        "audience": public["audience"],
        "registration_opens_at": public["registration_opens_at"],
        "cancellation": (
            localized(request, public["cancellation"].get("reason_ja"), public["cancellation"].get("reason_en"))
            if public["cancellation"]
            else None
        ),
        "minutes": (
            localized(request, public["minutes"]["ja"], public["minutes"].get("en")) if public["minutes"] else None
        ),
        "open_for_registration": public["status"] == "announced"
        and public["registration_opens_at"] <= now < public["registration_closes_at"],
        "ics": f"{API}/{public['id']}.ics",
        "ics_all": f"{API}.ics",
        "form": form or {"name": "", "email": "", "invalid": [], "error": None},
        "placed": placed,
        # A logged-in group's person or member of staff registers with their login, on their own page.
        "with_login": _registers_with_login(request, public["audience"]),
    }
    return render(request, "portal/training.html", context, status=status, headers=headers)


def _registers_with_login(request: Request, audience: list[str]) -> bool:
    viewer = viewer_of(request)
    return viewer is not None and (
        (viewer.has(Role.GROUP) and "groups" in audience) or (viewer.has(Role.STAFF) and "staff" in audience)
    )


@router.post("/trainings/{training_id}")
def register_as_citizen(
    training_id: str,
    request: Request,
    fields: dict[str, str] = Depends(form_fields),  # noqa: B008  # FastAPI's dependency style
) -> HTMLResponse:
    """A citizen registers with a name and e-mail, as with the API's `citizen-registrations` (the same checks and
    rate limit); the secret link is shown once, on a page neither cached nor sent on as a referrer. Open to
    visitors; a post made with a session carries its CSRF token."""
    check_csrf_if_session(request, fields.get(CSRF_FIELD))
    tid = _training_id(training_id)
    name, email = fields.get("name", "").strip(), fields.get("email", "").strip()
    try:
        body = CitizenRegistrationIn(name=name, email=email)
    except ValidationError as invalid:
        wrong = sorted({str(e["loc"][0]) for e in invalid.errors() if e["loc"]})
        form = {"name": name, "email": email, "invalid": wrong, "error": None}
        return _training_page(request, tid, form=form, status=422, headers=PRIVATE)
    address = request.client.host if request.client else "unknown"
    app = application(request)
    try:
        placed = app.register_citizen(tid, body.name, str(body.email), address, _trace(request))
    except Refusal as refusal:
        problem = _messages().for_refusal(refusal)
        error = problem.title_en if negotiate(request) == "en" else problem.title_ja
        retry = {"Retry-After": str(refusal.retry_after)} if isinstance(refusal, RateLimited) else {}
        # The form again, with the name and e-mail typed: as private as the page showing the link.
        form = {"name": name, "email": email, "invalid": [], "error": error}
        return _training_page(request, tid, form=form, status=problem.status, headers={**PRIVATE, **retry})
    path = f"/trainings/{tid}/registrations/{placed.registration_id}#token={placed.token}"
    shown = {"href": path, "link": f"{app.center.public_url.rstrip('/')}{path}", "seat": placed.seat.value}
    return _training_page(request, tid, placed=shown, status=201, headers=PRIVATE)


def _registration_page(
    request: Request,
    training_id: str,
    registration_id: str,
    *,
    found: dict[str, Any] | None = None,
    token: str = "",
    refusal: Refusal | None = None,
    done: str = "",
) -> HTMLResponse:
    problem = _messages().for_refusal(refusal) if refusal is not None else None
    english = negotiate(request) == "en"
    context: dict[str, Any] = {
        "api_url": f"{API}/{training_id}/registrations/{registration_id}",
        "training_url": f"/trainings/{training_id}",
        "found": None,
        "token": token,
        "error": (problem.title_en if english else problem.title_ja) if problem else None,
        "done": done,
    }
    if found is not None:
        training = application(request).read_training(None, UUID(training_id))
        context["found"] = {
            **found,
            "title": localized(request, training.plan["title_ja"], training.plan.get("title_en")),
            "starts_at": when(found["starts_at"]),
            "registered_at": when(found["registered_at"]),
            "reason": (
                localized(request, found["cancellation_reason"].get("ja"), found["cancellation_reason"].get("en"))
                if found.get("cancellation_reason")
                else None
            ),
        }
    status = problem.status if problem is not None and found is None else 200
    return render(request, "portal/registration.html", context, status=status, headers=PRIVATE)


@router.get("/trainings/{training_id}/registrations/{registration_id}")
def registration(training_id: str, registration_id: str, request: Request) -> HTMLResponse:
    """The form (the token is in the link's fragment, which the browser keeps to itself)."""
    return _registration_page(request, training_id, registration_id)


@router.post("/trainings/{training_id}/registrations/{registration_id}")
def registration_with_token(
    training_id: str,
    registration_id: str,
    request: Request,
    fields: dict[str, str] = Depends(form_fields),  # noqa: B008  # FastAPI's dependency style
) -> HTMLResponse:
    """Reads (action `view`) or cancels (action `cancel`) with the token, as the API does (a post made with a
    session carries its CSRF token)."""
    check_csrf_if_session(request, fields.get(CSRF_FIELD))
    token = fields.get("token", "").strip()
    app = application(request)
    try:
        if not TOKEN.fullmatch(token):
            raise Refusal("registration_not_found")
        tid = _training_id(training_id)
        if fields.get("action") == "cancel":
            cancelled = app.cancel_registration(None, tid, registration_id, token, _trace(request))
            request.app.state.kernel.nudge()
            return _registration_page(
                request, training_id, registration_id, found=cancelled, token=token, done="cancelled"
            )
        found = app.registration_by_token(tid, registration_id, token)
    except Refusal as refusal:
        if refusal.code in ("registration_not_found", "training_not_found"):
            return _registration_page(request, training_id, registration_id, refusal=refusal)
        # The token is right but the change was refused (the training has started, …): shown beside it.
        found = app.registration_by_token(_training_id(training_id), registration_id, token)
        return _registration_page(request, training_id, registration_id, found=found, token=token, refusal=refusal)
    return _registration_page(request, training_id, registration_id, found=found, token=token)
