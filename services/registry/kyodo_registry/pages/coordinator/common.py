"""What the coordinator's pages share: who may see them, the group a URL names, and a group's page with several
forms (`group_page`; errors of one form go beside that form's controls with the kit's `FormErrors.within(prefix)`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import HTMLResponse

from kyodo_registry.app import RegistryApplication
from kyodo_registry.routing import application
from kyodo_shared.domain.actors import Principal, Role
from kyodo_shared.pages.actions import signed_in
from kyodo_shared.pages.forms import FormErrors
from kyodo_shared.pages.paths import breadcrumbs, path_uuid
from kyodo_shared.pages.render import render

QUEUE = "/registry/assessments"


def coordinator(request: Request) -> tuple[Principal, RegistryApplication]:
    """The signed-in coordinator (401 → login, anyone else 403: the kit's page) and the registry's application."""
    return signed_in(request, Role.COORDINATOR), application(request)


def group_id_of(text: str) -> UUID:
    """A malformed id names no group: the same 404 as an unknown one."""
    return path_uuid(text, "group_not_found")


def group_page(
    request: Request,
    template: str,
    section: tuple[str, str],
    path: str,
    name: str,
    *,
    posted: str,
    values: Mapping[str, Any] | None,
    errors: FormErrors | None,
    status: int,
    **more: Any,
) -> HTMLResponse:
    """A coordinator's page about one group, with several forms: the one `posted` shows its values and errors again
    (`FormErrors.within(prefix)` beside its controls); Home › `section` › the group."""
    context = {
        **more,
        "path": path,
        "posted": posted,
        "values": values or {},
        "errors": errors,
        "breadcrumbs": breadcrumbs(request, section, (path, name)),
    }
    return render(request, template, context, status=status)
