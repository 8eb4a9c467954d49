"""What the org pages share: who may manage, ids from the path, form fields as the API's JSON body, breadcrumbs.

Managing departments, the team and committees, and recording declarations on someone's behalf, is the
coordinators' (the API's routes require the role); every signed-in reader may look, as anyone may read the public
JSON. A page shows a non-coordinator why a form is missing; its post route still refuses them (403).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from kyodo_shared.domain.actors import Principal
from kyodo_shared.pages.actions import signed_in, text
from kyodo_shared.pages.forms import FormErrors
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.paths import breadcrumbs, path_uuid
from kyodo_shared.pages.render import render
from kyodo_shared.web.auth import Role

__all__ = ["body", "coordinator", "crumbs", "is_coordinator", "list_page", "manager", "reader", "uuid_of"]


def reader(request: Request) -> Principal:
    """Anyone signed in reads the org pages (what they show is public through the API too)."""
    return signed_in(request)


def manager(request: Request) -> Principal:
    """Who may post a managing form: a coordinator, as the API route requires; anyone else gets the 403 page."""
    return signed_in(request, Role.COORDINATOR)


def is_coordinator(principal: Principal) -> bool:
    return principal.has(Role.COORDINATOR)


def coordinator(request: Request) -> bool:
    """Whether this page's reader may use its managing forms."""
    return is_coordinator(reader(request))


def uuid_of(value: str, what: str) -> UUID:
    """A malformed id names nothing: for a reader, the same 404 page as an unknown one."""
    return path_uuid(value, "not_found", what=what)


def body(form: FormData, *names: str) -> dict[str, Any]:
    """The API's JSON body from the form's fields of the same names. A blank field is left out, as a client would
    leave out an optional member: the model then uses its default, or says the field is required."""
    return {name: value for name in names if (value := text(form, name))}


def crumbs(request: Request, *trail: tuple[str, str]) -> list[tuple[str, str]]:
    """Home › the registry › … › this page (the last of `trail`)."""
    return breadcrumbs(request, ("/registry/", gettext(request, "Group registry")), *trail)


def list_page(
    request: Request,
    template: str,
    here: tuple[str, str],
    rows: list[dict[str, Any]],
    listing: tuple[int, int, int],
    values: dict[str, str],
    errors: FormErrors,
    status: int = 200,
) -> HTMLResponse:
    """A paged list with the form that adds to it (departments, committees): the rows, `listing` (total, page, per
    page), whether the reader may use the form, its values and errors again, and Home › the registry › `here`."""
    total, page, per_page = listing
    context = {
        "rows": rows,
        "listing": {"items": rows, "total": total, "page": page, "per_page": per_page},
        "may_manage": coordinator(request),
        "values": values,
        "errors": errors,
        "breadcrumbs": crumbs(request, here),
    }
    return render(request, template, context, status=status)
