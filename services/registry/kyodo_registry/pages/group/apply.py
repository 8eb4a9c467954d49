"""Applying for registration (`/registry/apply`) and the viewer's own groups (`/registry/mine`).

The application form posts the API's `ApplicationRequest` as fields named by its JSON paths (`criteria.voluntary
.evidence`, `representative.email`, `ties.0.kind`) and the bylaws as a file, which is sent on as the API receives
it (base64 in `BylawsUpload`); the same application method as `POST /api/registry/groups` runs.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from kyodo_registry.domain import Group
from kyodo_registry.pages.group.common import (
    TIE_ROWS,
    application_errors,
    bylaws_json,
    criteria_json,
    group_member,
    person_json,
    profile_json,
    ties_json,
    values_of,
)
from kyodo_registry.routing import application
from kyodo_registry.schemas import ApplicationRequest
from kyodo_shared.pages.actions import Form, act, page_actor
from kyodo_shared.pages.forms import FormErrors
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.paths import breadcrumbs
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router

router = page_router(prefix="/registry")


def _crumbs(request: Request, here: str) -> list[tuple[str, str]]:
    return breadcrumbs(request, ("/registry/mine", gettext(request, "My groups")), ("/registry/apply", here))


def _apply_page(request: Request, form: FormData | None, errors: FormErrors | None, status: int = 200) -> Response:
    context = {
        "values": values_of(form),
        "errors": errors,
        "group": None,
        "tie_rows": TIE_ROWS,
        "breadcrumbs": _crumbs(request, gettext(request, "Apply for registration")),
    }
    return render(request, "registry/group_apply.html", context, status=status)


@router.get("/apply")
def apply_form(request: Request) -> Response:
    group_member(request)
    return _apply_page(request, None, None)


def application_json(form: FormData) -> dict[str, Any]:
    body: dict[str, Any] = {
        **profile_json(form),
        "representative": person_json(form, "representative."),
        "criteria": criteria_json(form),
        "ties": ties_json(form),
    }
    bylaws = bylaws_json(form)
    if bylaws is not None:  # absent, the API's own "required" names the field
        body["bylaws"] = bylaws
    return body


@router.post("/apply")
def apply(request: Request, form: Form) -> Response:
    principal = group_member(request)

    def command() -> Group:
        body = ApplicationRequest.model_validate(application_json(form))
        return application(request).apply_for_registration(
            page_actor(request, principal),
            body.profile(),
            body.representative.model_dump(mode="json"),
            {c.value: d.evidence for c, d in body.criteria.items()},
            body.bylaws.document(),
            [t.model_dump(mode="json") for t in body.ties],
        )

    return act(
        request,
        command,
        again=lambda errors, status: _apply_page(request, form, application_errors(request, errors, form), status),
        # The new group's own page: its id exists only once the command has run.
        then=lambda group: f"/registry/groups/{group.id}",
        notice="applied",
    )


@router.get("/mine")
def mine(request: Request) -> HTMLResponse:
    principal = group_member(request)
    here = gettext(request, "My groups")
    context = {
        "mine": application(request).groups_of(principal),
        "breadcrumbs": breadcrumbs(request, ("/registry/mine", here)),
    }
    return render(request, "registry/group_mine.html", context)
