"""The center's forms on a training's page (`/center/trainings/{tid}`), each as its API route runs it:

- announce: `POST /trainings/{tid}/announcement` (`announce_training`, If-Match);
- cancel the training: `POST /trainings/{tid}/cancellation` (`cancel_training`, `CancellationIn`, If-Match);
- cancel a registration, on a page of its own (`/center/trainings/{tid}/registrations/{rid}/cancellation`), as
  `POST /trainings/{tid}/registrations/{rid}/cancellation` (`cancel_for_center`, `CancellationIn`; no If-Match, as
  in the API): the first on the waitlist takes a freed seat in the same save;
- attendance: `PUT /trainings/{tid}/attendance` (`record_attendance`, `AttendanceIn`, If-Match), the whole list;
- minutes of an exchange meeting: `PUT /trainings/{tid}/minutes` (`publish_minutes`, `MinutesIn`, If-Match).

A refusal the coordinator can put right is shown on the training's page with what was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from kyodo_info_hub.pages.home import application, localized, when
from kyodo_info_hub.pages.workspace.common import group_name
from kyodo_info_hub.trainings_schemas import AttendanceIn, CancellationIn, MinutesIn
from kyodo_shared.domain.actors import Principal, Role
from kyodo_shared.pages.actions import Form, act, page_actor, seen_version, signed_in, text, texts
from kyodo_shared.pages.forms import FormErrors
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.paths import path_uuid
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router


class TrainingPage(Protocol):
    def __call__(
        self,
        request: Request,
        principal: Principal,
        training_id: UUID,
        errors: FormErrors | None = None,
        status: int = 200,
        typed: dict[str, Any] | None = None,
    ) -> HTMLResponse: ...


def registrant_row(request: Request, r: dict[str, Any]) -> dict[str, Any]:
    """A registration as the center's pages show it: with its group's name and when it was received."""
    return {**r, "group": group_name(request, r.get("group_id")), "at": when(r["registered_at"])}


def _reasons(form: FormData, ja: str, en: str) -> dict[str, Any]:
    """A Japanese text and an optional English one, as the API's body (a blank English text left out)."""
    typed: dict[str, Any] = {ja: text(form, ja)}
    if text(form, en):
        typed[en] = text(form, en)
    return typed


def routes(page: TrainingPage, crumbs: Callable[..., list[tuple[str, str]]]) -> APIRouter:
    """The action routes; `page` renders the training's page again (with errors) — `trainings.training_page_of`;
    `crumbs` the trail to a page of a training (`trainings.crumbs`)."""
    router = page_router()

    def run(
        request: Request,
        training_id: str,
        typed: dict[str, Any],
        command: Callable[[Principal, UUID], Any],
        notice: str,
    ) -> Response:
        principal = signed_in(request, Role.COORDINATOR)
        tid = path_uuid(training_id, "training_not_found")
        return act(
            request,
            lambda: command(principal, tid),
            again=lambda errors, status: page(request, principal, tid, errors, status, typed),
            then=f"/center/trainings/{tid}",
            notice=notice,
        )

    @router.post("/{training_id}/announcement")
    def announce(training_id: str, request: Request, form: Form) -> Response:
        def command(principal: Principal, tid: UUID) -> Any:
            actor = page_actor(request, principal)
            return application(request).announce_training(actor, seen_version(form), tid)

        return run(request, training_id, {}, command, "training_announced")

    @router.post("/{training_id}/cancellation")
    def cancel(training_id: str, request: Request, form: Form) -> Response:
        typed = _reasons(form, "reason_ja", "reason_en")

        def command(principal: Principal, tid: UUID) -> Any:
            body = CancellationIn.model_validate(typed)
            actor = page_actor(request, principal)
            return application(request).cancel_training(actor, seen_version(form), tid, body.reason_ja, body.reason_en)

        return run(request, training_id, typed, command, "training_cancelled")

    def registration_page(
        request: Request,
        principal: Principal,
        tid: UUID,
        rid: str,
        errors: FormErrors | None = None,
        status: int = 200,
        typed: dict[str, Any] | None = None,
    ) -> HTMLResponse:
        app, actor = application(request), page_actor(request, principal)
        training = app.read_training(actor, tid)
        found = app.registration_of(actor, tid, rid)
        title = localized(request, training.plan["title_ja"], training.plan.get("title_en"))
        here = (request.url.path, gettext(request, "Cancel a registration"))
        context = {
            "t": {"id": str(tid), "title": title},
            "r": registrant_row(request, found),
            "errors": errors,
            "typed": typed or {},
            "breadcrumbs": crumbs(request, (f"/center/trainings/{tid}", title.text), here),
        }
        return render(request, "center/trainings_registration.html", context, status=status)

    @router.get("/{training_id}/registrations/{registration_id}/cancellation")
    def registration(training_id: str, registration_id: str, request: Request) -> HTMLResponse:
        principal = signed_in(request, Role.COORDINATOR)
        tid = path_uuid(training_id, "training_not_found")
        rid = str(path_uuid(registration_id, "registration_not_found"))
        return registration_page(request, principal, tid, rid)

    @router.post("/{training_id}/registrations/{registration_id}/cancellation")
    def cancel_registration(training_id: str, registration_id: str, request: Request, form: Form) -> Response:
        """The registration named by the path (as the API's), the reason typed; no If-Match (as the API)."""
        principal = signed_in(request, Role.COORDINATOR)
        tid = path_uuid(training_id, "training_not_found")
        rid = str(path_uuid(registration_id, "registration_not_found"))
        typed = _reasons(form, "reason_ja", "reason_en")

        def command() -> Any:
            body = CancellationIn.model_validate(typed)
            actor = page_actor(request, principal)
            return application(request).cancel_for_center(actor, tid, rid, body.reason_ja, body.reason_en)

        return act(
            request,
            command,
            again=lambda errors, status: registration_page(request, principal, tid, rid, errors, status, typed),
            then=f"/center/trainings/{tid}",
            notice="registration_cancelled_by_center",
        )

    @router.post("/{training_id}/attendance")
    def attendance(training_id: str, request: Request, form: Form) -> Response:
        typed: dict[str, Any] = {"registration_ids": texts(form, "registration_ids")}

        def command(principal: Principal, tid: UUID) -> Any:
            body = AttendanceIn.model_validate(typed)
            actor = page_actor(request, principal)
            ids = [str(i) for i in body.registration_ids]
            return application(request).record_attendance(actor, seen_version(form), tid, ids)

        return run(request, training_id, typed, command, "attendance_recorded")

    @router.post("/{training_id}/minutes")
    def minutes(training_id: str, request: Request, form: Form) -> Response:
        typed = _reasons(form, "minutes_ja", "minutes_en")

        def command(principal: Principal, tid: UUID) -> Any:
            body = MinutesIn.model_validate(typed)
            actor = page_actor(request, principal)
            return application(request).publish_minutes(
                actor, seen_version(form), tid, body.minutes_ja, body.minutes_en
            )

        return run(request, training_id, typed, command, "minutes_published")

    return router
