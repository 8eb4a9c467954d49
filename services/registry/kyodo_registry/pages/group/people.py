"""Who acts for the group: its delegated contacts (`/registry/groups/{gid}/contacts`, `/contacts/{sub}/removal`)
and the handover of the representative (`/handover`, proposed by the representative; `/handover/confirmation`,
accepted by the new one with their contact details). Each form runs the API route's application method with the
version the page showed (If-Match).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from kyodo_registry.domain import Group
from kyodo_registry.pages.group.common import form_page, group_id_of, group_member, own_record, person_json, values_of
from kyodo_registry.routing import application
from kyodo_registry.schemas import ContactRequest, HandoverProposal, Person
from kyodo_shared.pages.actions import Form, act, page_actor, seen_version, text
from kyodo_shared.pages.forms import FormErrors
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.routing import page_router

router = page_router(prefix="/registry")
PERSON_FIELDS = {"name", "email", "phone"}


def _render(
    request: Request,
    group: Group,
    template: str,
    heading: str,
    submit: str,
    form: FormData | None,
    errors: FormErrors | None,
    status: int,
    linked: bool = True,
    **more: Any,
) -> Response:
    # The forms here are about a person (a contact, the new representative): their fields' own labels.
    values = values_of(form)
    return form_page(
        request, group, template, heading, submit, values, errors, status, linked=linked, person_form=True, **more
    )


def _only_representative(request: Request, is_representative: bool) -> str:
    """Why the form cannot be sent ("" when it can): contacts and the handover are the representative's alone."""
    return "" if is_representative else gettext(request, "Only the representative may do this.")


# --- contacts -------------------------------------------------------------------------------------------------


def _contacts_page(
    request: Request, group_id: UUID, form: FormData | None, errors: FormErrors | None, status: int = 200
) -> Response:
    principal = group_member(request)
    record = own_record(request, principal, group_id)
    heading, submit = gettext(request, "Delegated contacts"), gettext(request, "Add the contact")
    is_representative = principal.sub == record.group.representative_sub
    return _render(
        request,
        record.group,
        "registry/group_contacts.html",
        heading,
        submit,
        form,
        errors,
        status,
        contacts=record.contacts or {},
        is_representative=is_representative,
        blocked=_only_representative(request, is_representative),
    )


@router.get("/groups/{group_id}/contacts")
def contacts_page(group_id: str, request: Request) -> Response:
    return _contacts_page(request, group_id_of(group_id), None, None)


@router.post("/groups/{group_id}/contacts")
def add_contact(group_id: str, request: Request, form: Form) -> Response:
    principal = group_member(request)
    found = group_id_of(group_id)

    def command() -> None:
        body = ContactRequest.model_validate({"sub": text(form, "sub"), **person_json(form)})
        application(request).add_contact(
            page_actor(request, principal),
            seen_version(form),
            found,
            body.sub,
            body.model_dump(mode="json", include=PERSON_FIELDS),
        )

    return act(
        request,
        command,
        again=lambda errors, status: _contacts_page(request, found, form, errors, status),
        then=f"/registry/groups/{found}/contacts",
        notice="contact_added",
    )


def _removal_page(request: Request, group_id: UUID, sub: str, errors: FormErrors | None, status: int = 200) -> Response:
    principal = group_member(request)
    record = own_record(request, principal, group_id)
    heading, submit = gettext(request, "Remove a delegated contact"), gettext(request, "Remove the contact")
    person = (record.contacts or {}).get(sub)
    blocked = _only_representative(request, principal.sub == record.group.representative_sub)
    return _render(
        request,
        record.group,
        "registry/group_contact_removal.html",
        heading,
        submit,
        None,
        errors,
        status,
        sub=sub,
        person=person,
        known=sub in record.group.contacts,
        blocked=blocked,
    )


@router.get("/groups/{group_id}/contacts/{sub}/removal")
def removal_form(group_id: str, sub: str, request: Request) -> Response:
    return _removal_page(request, group_id_of(group_id), sub, None)


@router.post("/groups/{group_id}/contacts/{sub}/removal")
def remove_contact(group_id: str, sub: str, request: Request, form: Form) -> Response:
    principal = group_member(request)
    found = group_id_of(group_id)
    return act(
        request,
        lambda: application(request).remove_contact(page_actor(request, principal), seen_version(form), found, sub),
        again=lambda errors, status: _removal_page(request, found, sub, errors, status),
        then=f"/registry/groups/{found}/contacts",
        notice="contact_removed",
    )


# --- handover -------------------------------------------------------------------------------------------------


def _handover_page(
    request: Request, group_id: UUID, form: FormData | None, errors: FormErrors | None, status: int = 200
) -> Response:
    principal = group_member(request)
    record = own_record(request, principal, group_id)
    heading, submit = gettext(request, "Hand over to a new representative"), gettext(request, "Propose the handover")
    return _render(
        request,
        record.group,
        "registry/group_handover.html",
        heading,
        submit,
        form,
        errors,
        status,
        blocked=_only_representative(request, principal.sub == record.group.representative_sub),
    )


@router.get("/groups/{group_id}/handover")
def handover_form(group_id: str, request: Request) -> Response:
    return _handover_page(request, group_id_of(group_id), None, None)


@router.post("/groups/{group_id}/handover")
def propose_handover(group_id: str, request: Request, form: Form) -> Response:
    principal = group_member(request)
    found = group_id_of(group_id)

    def command() -> None:
        body = HandoverProposal.model_validate({"new_representative_sub": text(form, "new_representative_sub")})
        application(request).propose_handover(
            page_actor(request, principal), seen_version(form), found, body.new_representative_sub
        )

    return act(
        request,
        command,
        again=lambda errors, status: _handover_page(request, found, form, errors, status),
        then=f"/registry/groups/{found}",
        notice="handover_proposed",
    )


def _confirmation_page(
    request: Request, group_id: UUID, form: FormData | None, errors: FormErrors | None, status: int = 200
) -> Response:
    # The new representative may not act for the group yet: they read the group as the one offered to them.
    group = application(request).handover_offer(group_member(request), group_id)
    heading = gettext(request, "Become the group's representative")
    submit = gettext(request, "Accept and become the representative")
    template = "registry/group_handover_confirmation.html"
    # No link to the group's page in the trail: it opens to them only once they have accepted.
    return _render(request, group, template, heading, submit, form, errors, status, linked=False)


@router.get("/groups/{group_id}/handover/confirmation")
def confirmation_form(group_id: str, request: Request) -> Response:
    return _confirmation_page(request, group_id_of(group_id), None, None)


@router.post("/groups/{group_id}/handover/confirmation")
def confirm_handover(group_id: str, request: Request, form: Form) -> Response:
    principal = group_member(request)
    found = group_id_of(group_id)

    def command() -> None:
        body = Person.model_validate(person_json(form))
        application(request).confirm_handover(
            page_actor(request, principal), seen_version(form), found, body.model_dump(mode="json")
        )

    return act(
        request,
        command,
        again=lambda errors, status: _confirmation_page(request, found, form, errors, status),
        then=f"/registry/groups/{found}",
        notice="handover_confirmed",
    )
