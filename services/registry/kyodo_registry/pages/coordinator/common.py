"""What the coordinator's pages share: who may see them, the group a URL names, and errors moved beside the field
of the one form (among several on a page) that was posted."""

from __future__ import annotations

from uuid import UUID

from fastapi import Request

from kyodo_registry.app import RegistryApplication
from kyodo_registry.routing import application
from kyodo_shared.domain.actors import Principal, Role
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.pages.actions import signed_in
from kyodo_shared.pages.forms import FieldError, FormErrors

QUEUE = "/registry/assessments"


def coordinator(request: Request) -> tuple[Principal, RegistryApplication]:
    """The signed-in coordinator (401 → login, anyone else 403: the kit's page) and the registry's application."""
    return signed_in(request, Role.COORDINATOR), application(request)


def group_id_of(text: str) -> UUID:
    """A malformed id names no group: the same 404 as an unknown one."""
    try:
        return UUID(text)
    except ValueError:
        raise Refusal("group_not_found") from None


def within(errors: FormErrors, prefix: str) -> FormErrors:
    """The errors of one of a page's several forms, their fields named `<prefix>.<field>` as that form's controls
    are (the API names them `reason`, `met`…: six assessment forms on one page cannot all use the bare names)."""
    items = tuple(FieldError(f"{prefix}.{e.field}" if e.id else e.field, e.code, e.reason) for e in errors.items)
    by_id: dict[str, tuple[str, ...]] = {}
    for item in items:
        if item.id is not None:
            by_id[item.id] = (*by_id.get(item.id, ()), item.reason)
    return FormErrors(title=errors.title, detail=errors.detail, items=items, _by_id=by_id)
