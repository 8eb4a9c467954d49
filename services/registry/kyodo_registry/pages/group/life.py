"""A group's life after applying: its public profile (`/registry/groups/{gid}/profile`), changed bylaws
(`/bylaws`, an upload sent on as the API's `BylawsUpload`), and its declared ties (`/ties`, `/ties/{tie_id}
/withdrawal`). Each form runs the API route's application method with the version the page showed (If-Match).
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from kyodo_registry.app import RegistryApplication
from kyodo_registry.domain import Group
from kyodo_registry.pages.group.actions import post_group_form
from kyodo_registry.pages.group.bylaws_file import bylaws_file_url
from kyodo_registry.pages.group.common import (
    bylaws_json,
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
from kyodo_registry.schemas import BylawsUpload, ProfileFields, Reason, TieRequest
from kyodo_registry.vocabulary import LIVE
from kyodo_shared.domain.actors import Actor
from kyodo_shared.domain.refusals import Expected, Refusal
from kyodo_shared.pages.actions import Form, text
from kyodo_shared.pages.forms import FormErrors
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.routing import page_router

router = page_router(prefix="/registry")
TIE_PARTS = ("kind", "counterpart", "description")


def closed(request: Request, group: Group) -> str:
    """Why a rejected or dissolved group's forms cannot be sent ("" while it lives): the domain's rule in words."""
    if group.status in LIVE:
        return ""
    return gettext(request, "Not possible once the group is rejected or dissolved.")


# --- profile --------------------------------------------------------------------------------------------------


def _profile_page(
    request: Request, group_id: UUID, form: FormData | None, errors: FormErrors | None, status: int = 200
) -> Response:
    group = own_record(request, group_member(request), group_id).group
    values = values_of(form) if form is not None else profile_values(group.profile)
    shown = folded(errors, collapse=("fields_of_activity",)) if errors else errors
    heading, submit = gettext(request, "Update the profile"), gettext(request, "Save the profile")
    template = "registry/group_profile.html"
    return form_page(request, group, template, heading, submit, values, shown, status, blocked=closed(request, group))


@router.get("/groups/{group_id}/profile")
def profile_form(group_id: str, request: Request) -> Response:
    return _profile_page(request, group_id_of(group_id), None, None)


@router.post("/groups/{group_id}/profile")
def update_profile(group_id: str, request: Request, form: Form) -> Response:
    def command(app: RegistryApplication, actor: Actor, expected: Expected, found: UUID) -> None:
        app.update_profile(actor, expected, found, ProfileFields.model_validate(profile_json(form)).profile())

    return post_group_form(
        request,
        form,
        group_id,
        command,
        "profile_updated",
        again=lambda found, errors, status: _profile_page(request, found, form, errors, status),
    )


# --- bylaws ---------------------------------------------------------------------------------------------------


def _bylaws_page(request: Request, group_id: UUID, errors: FormErrors | None, status: int = 200) -> Response:
    group = own_record(request, group_member(request), group_id).group
    shown = folded(plain_words(request, errors), collapse=("bylaws",)) if errors else errors
    heading, submit = gettext(request, "File changed bylaws"), gettext(request, "File the bylaws")
    return form_page(
        request,
        group,
        "registry/group_bylaws.html",
        heading,
        submit,
        {},
        shown,
        status,
        multipart=True,
        blocked=closed(request, group),
        bylaws_url=bylaws_file_url(group.id),
    )


@router.get("/groups/{group_id}/bylaws")
def bylaws_form(group_id: str, request: Request) -> Response:
    return _bylaws_page(request, group_id_of(group_id), None)


@router.post("/groups/{group_id}/bylaws")
def change_bylaws(group_id: str, request: Request, form: Form) -> Response:
    def command(app: RegistryApplication, actor: Actor, expected: Expected, found: UUID) -> None:
        app.change_bylaws(actor, expected, found, BylawsUpload.model_validate(bylaws_json(form) or {}).document())

    return post_group_form(
        request,
        form,
        group_id,
        command,
        "bylaws_filed",
        again=lambda found, errors, status: _bylaws_page(request, found, errors, status),
    )


# --- ties -----------------------------------------------------------------------------------------------------


def _ties_page(
    request: Request, group_id: UUID, form: FormData | None, errors: FormErrors | None, status: int = 200
) -> Response:
    group = own_record(request, group_member(request), group_id).group
    heading, submit = gettext(request, "Declared ties"), gettext(request, "Declare the tie")
    ties = sorted(group.ties.values(), key=lambda t: (bool(t.get("withdrawn")), str(t.get("declared_on"))))
    # The stored ISO day as a date, for the kit's date filter (the page's language, never `2026-12-05`).
    ties = [
        {**t, "declared_on": date.fromisoformat(str(t["declared_on"])) if t.get("declared_on") else None} for t in ties
    ]
    return form_page(
        request,
        group,
        "registry/group_ties.html",
        heading,
        submit,
        values_of(form),
        errors,
        status,
        ties=ties,
        blocked=closed(request, group),
    )


@router.get("/groups/{group_id}/ties")
def ties_page(group_id: str, request: Request) -> Response:
    return _ties_page(request, group_id_of(group_id), None, None)


@router.post("/groups/{group_id}/ties")
def declare_tie(group_id: str, request: Request, form: Form) -> Response:
    def command(app: RegistryApplication, actor: Actor, expected: Expected, found: UUID) -> None:
        body = TieRequest.model_validate({part: text(form, part) for part in TIE_PARTS})
        app.declare_tie(actor, expected, found, body.model_dump(mode="json"))

    return post_group_form(
        request,
        form,
        group_id,
        command,
        "tie_declared",
        again=lambda found, errors, status: _ties_page(request, found, form, errors, status),
        below="/ties",
    )


def _withdrawal_page(
    request: Request, group_id: UUID, tie_id: str, form: FormData | None, errors: FormErrors | None, status: int = 200
) -> Response:
    group = own_record(request, group_member(request), group_id).group
    tie = group.ties.get(tie_id)
    if tie is None:
        raise Refusal("tie_not_found")
    heading, submit = gettext(request, "End a declared tie"), gettext(request, "End the tie")
    return form_page(
        request, group, "registry/group_tie_withdrawal.html", heading, submit, values_of(form), errors, status, tie=tie
    )


@router.get("/groups/{group_id}/ties/{tie_id}/withdrawal")
def withdrawal_form(group_id: str, tie_id: str, request: Request) -> Response:
    return _withdrawal_page(request, group_id_of(group_id), tie_id, None, None)


@router.post("/groups/{group_id}/ties/{tie_id}/withdrawal")
def withdraw_tie(group_id: str, tie_id: str, request: Request, form: Form) -> Response:
    def command(app: RegistryApplication, actor: Actor, expected: Expected, found: UUID) -> None:
        app.withdraw_tie(actor, expected, found, tie_id, Reason.model_validate({"reason": text(form, "reason")}).reason)

    return post_group_form(
        request,
        form,
        group_id,
        command,
        "tie_withdrawn",
        again=lambda found, errors, status: _withdrawal_page(request, found, tie_id, form, errors, status),
        below="/ties",
    )
