"""What the coordinator's pages share: who may see them, the group a URL names, and a group's page with several
forms (`group_page`; errors of one form go beside that form's controls with the kit's `FormErrors.within(prefix)`,
the form shown `Again` after a refusal)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import HTMLResponse

from kyodo_registry.app import RegistryApplication
from kyodo_registry.pages.coordinator.reads import conflicted
from kyodo_registry.queries import GroupRecord
from kyodo_registry.routing import application, view
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


@dataclass(frozen=True)
class Again:
    """A form of the page shown again after a refusal: which one (`posted`), what was sent, its errors, the status.
    `Again()` is the page as first shown."""

    posted: str = ""
    values: Mapping[str, Any] | None = None
    errors: FormErrors | None = None
    status: int = 200


FIRST = Again()


def group_page(
    request: Request, template: str, section: tuple[str, str], record: GroupRecord, again: Again, **more: Any
) -> HTMLResponse:
    """A coordinator's page about one group (`section`'s path, then the group's id), with several forms: the group's
    full record, whether this coordinator may not decide on it (`conflicted`), and the form `again` shows its values
    and errors again (`FormErrors.within(prefix)` beside its controls); Home › `section` › the group. `more` adds to
    the context (and may give `group`, the record's view, when the caller has read it already)."""
    principal, app = coordinator(request)
    group = record.group
    path = f"{section[0]}/{group.id}"
    context = {
        "group": more.pop("group", None) or view(record),
        **more,
        "conflicted": conflicted(app, principal.sub, group),
        "path": path,
        "posted": again.posted,
        "values": again.values or {},
        "errors": again.errors,
        "breadcrumbs": breadcrumbs(request, section, (path, str(group.profile["name"]))),
    }
    return render(request, template, context, status=again.status)
