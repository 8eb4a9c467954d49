"""While the application is decided and after: answering the center's request for information
(`/registry/groups/{gid}/information`), applying again after a rejection (`/reapplication`) and renewing the
registration (`/renewal`). Each form posts the API's request body and runs the API route's application method with
the version the page showed (If-Match).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from kyodo_registry.app import RegistryApplication
from kyodo_registry.domain import CRITERIA
from kyodo_registry.pages.group.actions import post_group_form
from kyodo_registry.pages.group.common import (
    TIE_ROWS,
    bylaws_json,
    criteria_json,
    folded,
    form_page,
    group_id_of,
    group_member,
    own_record,
    plain_words,
    profile_json,
    profile_values,
    values_of,
)
from kyodo_registry.pages.group.workspace import renewal_reason
from kyodo_registry.routing import application
from kyodo_registry.schemas import InformationAnswer, ReapplicationRequest, RenewalRequest
from kyodo_registry.vocabulary import REJECTED
from kyodo_shared.domain.actors import Actor
from kyodo_shared.domain.refusals import Expected
from kyodo_shared.pages.actions import Form, text
from kyodo_shared.pages.forms import FormErrors
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.routing import page_router

router = page_router(prefix="/registry")


# --- the request for information ------------------------------------------------------------------------------


def _information_page(
    request: Request, group_id: UUID, form: FormData | None, errors: FormErrors | None, status: int = 200
) -> Response:
    group = own_record(request, group_member(request), group_id).group
    heading = gettext(request, "Answer the request for information")
    submit = gettext(request, "Send the answer")
    return form_page(
        request, group, "registry/group_information.html", heading, submit, values_of(form), errors, status
    )


@router.get("/groups/{group_id}/information")
def information_form(group_id: str, request: Request) -> Response:
    found = group_id_of(group_id)
    group = own_record(request, group_member(request), found).group
    if group.information_request is None:
        # Nothing to answer: the group's page says why the action is unavailable.
        return _to_group(found)
    return _information_page(request, found, None, None)


def _evidence(form: FormData) -> dict[str, Any]:
    return {
        str(c): {"evidence": text(form, f"evidence.{c}.evidence")}
        for c in CRITERIA
        if text(form, f"evidence.{c}.evidence")
    }


@router.post("/groups/{group_id}/information")
def answer_information(group_id: str, request: Request, form: Form) -> Response:
    def command(app: RegistryApplication, actor: Actor, expected: Expected, found: UUID) -> None:
        body = InformationAnswer.model_validate({"answer": text(form, "answer"), "evidence": _evidence(form)})
        evidence = {c.value: d.evidence for c, d in body.evidence.items()}
        app.provide_information(actor, expected, found, body.answer, evidence)

    return post_group_form(
        request,
        form,
        group_id,
        command,
        "information_sent",
        again=lambda found, errors, status: _information_page(request, found, form, errors, status),
    )


# --- applying again after a rejection -------------------------------------------------------------------------


def _reapplication_page(
    request: Request, group_id: UUID, form: FormData | None, errors: FormErrors | None, status: int = 200
) -> Response:
    group = own_record(request, group_member(request), group_id).group
    initial = {**profile_values(group.profile), **{f"criteria.{c}.evidence": v for c, v in group.declarations.items()}}
    heading = gettext(request, "Apply again for registration")
    shown = folded(plain_words(request, errors), collapse=("bylaws", "fields_of_activity")) if errors else errors
    # Only a rejected application is sent again: otherwise the reason instead of the form, as the group's page says
    # it (the service refuses a forced post all the same).
    blocked = "" if group.status == REJECTED else gettext(request, "Only after the application was rejected.")
    return form_page(
        request,
        group,
        "registry/group_apply.html",
        heading,
        "",
        initial if form is None else values_of(form),
        shown,
        status,
        tie_rows=TIE_ROWS,
        blocked=blocked,
    )


@router.get("/groups/{group_id}/reapplication")
def reapplication_form(group_id: str, request: Request) -> Response:
    return _reapplication_page(request, group_id_of(group_id), None, None)


@router.post("/groups/{group_id}/reapplication")
def reapply(group_id: str, request: Request, form: Form) -> Response:
    def command(app: RegistryApplication, actor: Actor, expected: Expected, found: UUID) -> None:
        body_json: dict[str, Any] = {**profile_json(form), "criteria": criteria_json(form)}
        bylaws = bylaws_json(form)
        if bylaws is not None:
            body_json["bylaws"] = bylaws
        body = ReapplicationRequest.model_validate(body_json)
        evidence = {c.value: d.evidence for c, d in body.criteria.items()}
        app.reapply(actor, expected, found, body.profile(), evidence, body.bylaws.document())

    return post_group_form(
        request,
        form,
        group_id,
        command,
        "reapplied",
        again=lambda found, errors, status: _reapplication_page(request, found, form, errors, status),
    )


# --- renewal --------------------------------------------------------------------------------------------------


def _renewal_page(
    request: Request, group_id: UUID, form: FormData | None, errors: FormErrors | None, status: int = 200
) -> Response:
    group = own_record(request, group_member(request), group_id).group
    heading = gettext(request, "Renew the registration")
    members = group.profile.get("members_count")
    initial = {"members_count": "" if members is None else str(members)}
    return form_page(
        request,
        group,
        "registry/group_renewal.html",
        heading,
        gettext(request, "Renew"),
        initial if form is None else values_of(form),
        plain_words(request, errors) if errors else errors,
        status,
        # The form is shown only when the domain would take it; the service refuses it if forced all the same.
        blocked=renewal_reason(request, group, application(request).today()),
        renewal_due=date.fromisoformat(group.renewal_due) if group.renewal_due else None,
    )


@router.get("/groups/{group_id}/renewal")
def renewal_form(group_id: str, request: Request) -> Response:
    return _renewal_page(request, group_id_of(group_id), None, None)


@router.post("/groups/{group_id}/renewal")
def renew(group_id: str, request: Request, form: Form) -> Response:
    def command(app: RegistryApplication, actor: Actor, expected: Expected, found: UUID) -> None:
        fields: dict[str, Any] = {
            "criteria_still_met": text(form, "criteria_still_met") == "true",
            "bylaws_unchanged": text(form, "bylaws_unchanged") == "true",
            "note": text(form, "note"),
        }
        if text(form, "members_count"):  # left empty: absent, the API's "required" beside the field
            fields["members_count"] = text(form, "members_count")
        app.renew(actor, expected, found, RenewalRequest.model_validate(fields).model_dump(mode="json"))

    return post_group_form(
        request,
        form,
        group_id,
        command,
        "renewed",
        again=lambda found, errors, status: _renewal_page(request, found, form, errors, status),
    )


def _to_group(group_id: UUID) -> Response:
    return RedirectResponse(f"/registry/groups/{group_id}", status_code=303)
