"""Departments (部署) for coordinators: `/registry/departments` (the list; register one) and
`/registry/departments/{id}` (its staff and liaison; assign staff), with one page per action on a person:
`…/liaison` (appoint the liaison) and `…/staff/{sub}/unassignment` (unassign).

Each form builds the API's own request model from fields named as its JSON and calls the application method the
API route calls; a department's If-Match is the hidden `version` the page showed.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from kyodo_registry.org.api_departments import DepartmentRequest, LiaisonRequest, StaffRequest, department_view
from kyodo_registry.org.api_interests import department_declaration_view
from kyodo_registry.org.departments import Department
from kyodo_registry.pages.org.common import body, coordinator, crumbs, list_page, manager, reader, uuid_of
from kyodo_registry.routing import application
from kyodo_shared.pages.actions import Form, act, page_actor, seen_version, text
from kyodo_shared.pages.forms import FormErrors
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.paths import name_in
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router
from kyodo_shared.web.pagination import DEFAULT_PER_PAGE, Paging
from kyodo_shared.web.schemas import Strict

router = page_router(prefix="/registry")


class _Until(Strict):
    """The unassignment's `until` (a calendar date; today if blank), read as the API reads its query parameter."""

    until: date | None = None


LIST = "/registry/departments"
NO_ERRORS = FormErrors()


def _list_page(
    request: Request, page: int, per_page: int, values: dict[str, str], errors: FormErrors, status: int = 200
) -> HTMLResponse:
    found, total = application(request).departments((page - 1) * per_page, per_page)
    rows = [
        {"view": department_view(d), "name": name_in(request, d.name_ja, d.name_en), "href": f"{LIST}/{d.id}"}
        for d in found
    ]
    here = (LIST, gettext(request, "Departments"))
    return list_page(
        request, "registry/org_departments.html", here, rows, (total, page, per_page), values, errors, status
    )


@router.get("/departments")
def departments(request: Request, paging: Paging) -> HTMLResponse:
    reader(request)
    return _list_page(request, paging.page, paging.per_page, {}, NO_ERRORS)


@router.post("/departments")
def register_department(request: Request, form: Form) -> Response:
    principal = manager(request)
    fields = body(form, "code", "name_ja", "name_en")

    def command() -> Department:
        model = DepartmentRequest.model_validate(fields)
        return application(request).create_department(
            page_actor(request, principal), model.code, model.name_ja, model.name_en
        )

    return act(
        request,
        command,
        again=lambda errors, status: _list_page(request, 1, DEFAULT_PER_PAGE, fields, errors, status),
        # On to the new department's page: its staff and liaison are assigned there next.
        then=lambda department: f"{LIST}/{department.id}",
        notice="department_registered",
    )


def _department(request: Request, department_id: UUID) -> dict[str, Any]:
    found = application(request).get_department(department_id)
    name = name_in(request, found.name_ja, found.name_en)
    url = f"{LIST}/{found.id}"
    return {
        "department": department_view(found),
        "name": name,
        "dept_url": url,
        "may_manage": coordinator(request),
        "breadcrumbs": crumbs(request, (LIST, gettext(request, "Departments")), (url, name)),
    }


def _department_page(
    request: Request, department_id: UUID, values: dict[str, str], errors: FormErrors, status: int = 200
) -> HTMLResponse:
    context = {**_department(request, department_id), "values": values, "errors": errors}
    # Who declared an interest in the department (public, as `GET /interests/departments/{id}`): recusal is
    # checkable by anyone, so the department's own page shows it.
    declared = application(request).interests_in_department(department_id)
    context["declarations"] = [department_declaration_view(sub, d) for sub, d in declared]
    return render(request, "registry/org_department.html", context, status=status)


@router.get("/departments/{department_id}")
def department(department_id: str, request: Request) -> HTMLResponse:
    reader(request)
    return _department_page(request, uuid_of(department_id, "department"), {}, NO_ERRORS)


@router.post("/departments/{department_id}/staff")
def assign_staff(department_id: str, request: Request, form: Form) -> Response:
    principal = manager(request)
    found = uuid_of(department_id, "department")
    fields = body(form, "staff_sub", "job_title", "since")

    def command() -> None:
        model = StaffRequest.model_validate(fields)
        application(request).assign_staff(
            page_actor(request, principal), seen_version(form), found, model.staff_sub, model.job_title, model.since
        )

    return act(
        request,
        command,
        again=lambda errors, status: _department_page(request, found, fields, errors, status),
        then=f"{LIST}/{found}",
        notice="staff_assigned",
    )


def _action_page(
    request: Request, department_id: UUID, action: str, values: dict[str, str], errors: FormErrors, status: int = 200
) -> HTMLResponse:
    """A page with one form about the department: `liaison`, or `unassign` (values["staff_sub"] names whom)."""
    context = _department(request, department_id)
    titles = {"liaison": gettext(request, "Appoint the liaison"), "unassign": gettext(request, "Unassign staff")}
    context["breadcrumbs"].append((request.url.path, titles[action]))
    staff = context["department"].staff
    options = [(s.staff_sub, f"{s.staff_sub} ({s.job_title})") for s in staff]
    context.update(action=action, title=titles[action], values=values, errors=errors, staff_options=options)
    return render(request, "registry/org_department_action.html", context, status=status)


@router.get("/departments/{department_id}/liaison")
def liaison(department_id: str, request: Request) -> HTMLResponse:
    reader(request)
    return _action_page(request, uuid_of(department_id, "department"), "liaison", {}, NO_ERRORS)


@router.post("/departments/{department_id}/liaison")
def appoint_liaison(department_id: str, request: Request, form: Form) -> Response:
    principal = manager(request)
    found = uuid_of(department_id, "department")
    fields = body(form, "staff_sub", "since")

    def command() -> None:
        model = LiaisonRequest.model_validate(fields)
        application(request).appoint_liaison(
            page_actor(request, principal), seen_version(form), found, model.staff_sub, model.since
        )

    return act(
        request,
        command,
        again=lambda errors, status: _action_page(request, found, "liaison", fields, errors, status),
        then=f"{LIST}/{found}",
        notice="liaison_appointed",
    )


@router.get("/departments/{department_id}/staff/{staff_sub}/unassignment")
def unassignment(department_id: str, staff_sub: str, request: Request) -> HTMLResponse:
    reader(request)
    found = uuid_of(department_id, "department")
    return _action_page(request, found, "unassign", {"staff_sub": staff_sub}, NO_ERRORS)


@router.post("/departments/{department_id}/staff/{staff_sub}/unassignment")
def unassign_staff(department_id: str, staff_sub: str, request: Request, form: Form) -> Response:
    principal = manager(request)
    found = uuid_of(department_id, "department")
    until = text(form, "until")
    values = {"staff_sub": staff_sub, "until": until}

    def command() -> None:
        # The API takes `until` as a query parameter; the same date type reads it here.
        model = _Until.model_validate({"until": until or None})
        application(request).unassign_staff(
            page_actor(request, principal), seen_version(form), found, staff_sub, model.until
        )

    return act(
        request,
        command,
        again=lambda errors, status: _action_page(request, found, "unassign", values, errors, status),
        then=f"{LIST}/{found}",
        notice="staff_unassigned",
    )
