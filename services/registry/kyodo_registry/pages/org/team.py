"""The cross-department team (庁内横断的チーム) for coordinators: `/registry/team` (who is on it today, every stint
before; a staff member joins) and `/registry/team/members/{sub}/departure` (a member leaves).

Joining and leaving are the coordinators' to record, as the API's routes require: the team is the center's to
compose, from the departments' staff (the application refuses someone not on the named department's staff).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from kyodo_registry.org.api_departments import JoinRequest, LeaveRequest, team_view
from kyodo_registry.pages.org.common import body, coordinator, crumbs, manager, reader
from kyodo_registry.routing import application
from kyodo_shared.pages.actions import Form, act, page_actor, seen_version
from kyodo_shared.pages.forms import FormErrors
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.paths import name_in
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router

router = page_router(prefix="/registry")
TEAM = "/registry/team"


def _team(request: Request) -> dict[str, Any]:
    registry = application(request)
    found = registry.team()
    departments, _ = registry.departments()
    names = {d.id: name_in(request, d.name_ja, d.name_en) for d in departments}
    now = team_view(found, registry.today())
    history = team_view(found, None)
    current = {(m.staff_sub, m.joined_on) for m in now.members}
    return {
        "version": now.version,
        "members": now.members,
        "former": [m for m in history.members if (m.staff_sub, m.joined_on) not in current],
        "department_names": names,
        "department_options": [(str(d.id), names[d.id]) for d in departments],
        "may_manage": coordinator(request),
    }


def _team_page(request: Request, values: dict[str, str], errors: FormErrors, status: int = 200) -> HTMLResponse:
    context = {
        **_team(request),
        "values": values,
        "errors": errors,
        "breadcrumbs": crumbs(request, (TEAM, gettext(request, "The cross-department team"))),
    }
    return render(request, "registry/org_team.html", context, status=status)


@router.get("/team")
def team(request: Request) -> HTMLResponse:
    reader(request)
    return _team_page(request, {}, FormErrors())


@router.post("/team/members")
def join_team(request: Request, form: Form) -> Response:
    principal = manager(request)
    fields = body(form, "staff_sub", "department_id", "joined_on")

    def command() -> None:
        model = JoinRequest.model_validate(fields)
        application(request).join_team(
            page_actor(request, principal), seen_version(form), model.staff_sub, model.department_id, model.joined_on
        )

    return act(
        request,
        command,
        again=lambda errors, status: _team_page(request, fields, errors, status),
        then=TEAM,
        notice="team_joined",
    )


def _departure_page(
    request: Request, staff_sub: str, values: dict[str, str], errors: FormErrors, status: int = 200
) -> HTMLResponse:
    here = f"{TEAM}/members/{staff_sub}/departure"
    title = gettext(request, "A member leaves the team")
    context = {
        **_team(request),
        "staff_sub": staff_sub,
        "action_url": here,
        "title": title,
        "values": values,
        "errors": errors,
        "breadcrumbs": crumbs(request, (TEAM, gettext(request, "The cross-department team")), (here, title)),
    }
    context["on_team"] = any(m.staff_sub == staff_sub for m in context["members"])
    return render(request, "registry/org_team_departure.html", context, status=status)


@router.get("/team/members/{staff_sub}/departure")
def departure(staff_sub: str, request: Request) -> HTMLResponse:
    reader(request)
    return _departure_page(request, staff_sub, {}, FormErrors())


@router.post("/team/members/{staff_sub}/departure")
def leave_team(staff_sub: str, request: Request, form: Form) -> Response:
    principal = manager(request)
    fields = body(form, "left_on")

    def command() -> None:
        model = LeaveRequest.model_validate(fields)
        application(request).leave_team(page_actor(request, principal), seen_version(form), staff_sub, model.left_on)

    return act(
        request,
        command,
        again=lambda errors, status: _departure_page(request, staff_sub, fields, errors, status),
        then=TEAM,
        notice="team_left",
    )
