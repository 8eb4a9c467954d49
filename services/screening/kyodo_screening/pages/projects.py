"""Entering and revising one project of the inventory: `/screening/projects/new` (the API's `POST /projects`) and
`/screening/projects/{pid}` (read, and revise with If-Match: the API's `PUT /projects/{id}`). Who keeps which
department's inventory the application decides (a coordinator, or the department's staff today)."""

from __future__ import annotations

import re
from typing import Annotated, Any
from uuid import UUID

from fastapi import Query, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from kyodo_screening.app import ScreeningApplication
from kyodo_screening.pages.common import (
    chosen_department,
    current_fiscal_year,
    department_names,
    kept_departments,
)
from kyodo_screening.routing import application
from kyodo_screening.schemas import ProjectEntry, ProjectRecordIn
from kyodo_screening.vocabulary import RECORD_FIELDS
from kyodo_shared.domain.actors import Principal
from kyodo_shared.pages.actions import Form, act, page_actor, seen_version, signed_in, text, texts
from kyodo_shared.pages.forms import FormErrors
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.notices import N_
from kyodo_shared.pages.paths import breadcrumbs, name_in, path_uuid
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router
from kyodo_shared.web.auth import Role

router = page_router(prefix="/screening")
NOTICES = {
    "project_entered": N_("The project was entered in the inventory."),
    "project_revised": N_("The project was revised."),
}
# Group IDs are typed one a line (or separated by commas or spaces); each is checked as the API checks it.
_SEPARATORS = re.compile(r"[\s,、;]+")


def project_uuid(text_: str) -> UUID:
    """A malformed id names no project: for a reader, the same 404 as an unknown one."""
    return path_uuid(text_, "project_not_found")


def _record(form: FormData) -> dict[str, Any]:
    """The API's project record from the form: field names are its JSON field names."""
    record: dict[str, Any] = {name: text(form, name) for name in RECORD_FIELDS if name != "group_ids"}
    # Chosen checkboxes (one id each); a value holding several ids is split as the CSV's column is.
    record["group_ids"] = [g for chosen in texts(form, "group_ids") for g in _SEPARATORS.split(chosen) if g]
    return record


def _values(record: dict[str, Any]) -> dict[str, Any]:
    shown: dict[str, Any] = {name: "" if record.get(name) is None else str(record[name]) for name in RECORD_FIELDS}
    shown["group_ids"] = [str(g) for g in record.get("group_ids") or []]
    return shown


def group_options(request: Request, app: ScreeningApplication, named: list[str]) -> list[tuple[str, str]]:
    """The groups a project may name, by name: the registry's registered groups and those it names already (a group
    that has since lapsed says so; an id the registry has not published shows as the id)."""
    known = {g: (name, status) for g, name, status in app.view.groups(named)}
    options = [
        (g, name if status == "registered" else f"{name} {gettext(request, '(not registered now)')}")
        for g, (name, status) in known.items()
    ]
    return options + [(g, g) for g in named if g not in known]


@router.get("/projects/new")
def new_project(request: Request, department_id: Annotated[str | None, Query()] = None) -> Response:
    principal = signed_in(request, Role.STAFF, Role.COORDINATOR)
    app = application(request)
    chosen = chosen_department(kept_departments(app, principal), department_id)
    values = {"department_id": "" if chosen is None else chosen[0], "fiscal_year": str(current_fiscal_year(app))}
    return _new_page(request, principal, values, FormErrors())


@router.post("/projects/new")
def enter_project(request: Request, form: Form) -> Response:
    principal = signed_in(request, Role.STAFF, Role.COORDINATOR)
    values = {**_record(form), "department_id": text(form, "department_id"), "fiscal_year": text(form, "fiscal_year")}

    def command() -> Any:
        body = ProjectEntry.model_validate(values)
        record = ProjectRecordIn.model_validate(body.model_dump(exclude={"department_id", "fiscal_year"})).record()
        return application(request).enter_project(
            page_actor(request, principal), body.department_id, body.fiscal_year, record
        )

    return act(
        request,
        command,
        again=lambda errors, status: _new_page(request, principal, {**values, **_shown(values)}, errors, status),
        then=lambda project: f"/screening/projects/{project.id}",
        notice="project_entered",
    )


def _shown(values: dict[str, Any]) -> dict[str, Any]:
    return {"group_ids": list(values.get("group_ids") or [])}


def _new_page(
    request: Request, principal: Principal, values: dict[str, Any], errors: FormErrors, status: int = 200
) -> Response:
    kept = kept_departments(application(request), principal)
    return render(
        request,
        "screening/project_new.html",
        {
            "departments": [(d[0], name_in(request, d[1], d[2])) for d in kept],
            "groups": group_options(request, application(request), list(values.get("group_ids") or [])),
            "values": values,
            "errors": errors,
            "breadcrumbs": breadcrumbs(
                request,
                ("/screening/inventory", gettext(request, "Inventory")),
                (request.url.path, gettext(request, "Enter a project")),
            ),
        },
        status=status,
    )


@router.get("/projects/{project_id}")
def project(project_id: str, request: Request) -> Response:
    signed_in(request)
    found = application(request).get_project(project_uuid(project_id))
    return _project_page(request, project_id, _values(found.record), FormErrors())


@router.post("/projects/{project_id}")
def revise_project(project_id: str, request: Request, form: Form) -> Response:
    principal = signed_in(request, Role.STAFF, Role.COORDINATOR)
    pid = project_uuid(project_id)
    values = _record(form)
    return act(
        request,
        lambda: application(request).update_project(
            page_actor(request, principal), seen_version(form), pid, ProjectRecordIn.model_validate(values).record()
        ),
        again=lambda errors, status: _project_page(request, project_id, {**values, **_shown(values)}, errors, status),
        then=f"/screening/projects/{pid}",
        notice="project_revised",
    )


def _project_page(
    request: Request, project_id: str, values: dict[str, Any], errors: FormErrors, status: int = 200
) -> Response:
    app = application(request)
    principal = signed_in(request)
    found = app.get_project(project_uuid(project_id))
    department = str(found.department_id)
    keeps = principal.has(Role.COORDINATOR) or (
        principal.has(Role.STAFF) and app.view.on_staff(principal.sub, department, app.today())
    )
    return render(
        request,
        "screening/project.html",
        {
            "project": found,
            "department_name": department_names(request, app).get(department, department),
            "groups": group_options(request, app, list(values.get("group_ids") or [])),
            "values": values,
            "errors": errors,
            "keeps": keeps,
            "breadcrumbs": breadcrumbs(
                request,
                (f"/screening/inventory?department_id={department}", gettext(request, "Inventory")),
                (request.url.path, str(found.record["title"])),
            ),
        },
        status=status,
    )
