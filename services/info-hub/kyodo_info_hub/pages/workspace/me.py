"""`/me`: the role home page — for each role of the viewer, what waits for them across services, each item linking to
the page of the service that owns it (the agreed URL map). Served by info-hub from its own read models and store
only: the registry's (groups, their people, departments, staff and liaisons), the published calls, the evaluation
projects and the screening rounds, and the center's own surveys, trainings and cases. It never calls another
service, so what it lists is as current as the bus has made info-hub; the owning page is the authority.

Applications before registration, their requests for information and re-opened criteria come from
`bus/applications.py` (`hub_applications`, kept for this page). What info-hub does not follow is said in words with
a link to where it is: calls still in draft, which are never published on the bus.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from kyodo_info_hub.bus.applications import applications_of, awaiting_assessment
from kyodo_info_hub.pages.home import application, when
from kyodo_info_hub.pages.workspace import me_reads
from kyodo_info_hub.pages.workspace.cases import listed
from kyodo_info_hub.pages.workspace.common import Party, departments_of, groups_of
from kyodo_info_hub.pages.workspace.surveys import waiting
from kyodo_info_hub.pages.workspace.trainings import registered
from kyodo_shared.domain.actors import Principal, Role
from kyodo_shared.pages.actions import signed_in
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router

router = page_router()


def _group_part(request: Request, principal: Principal) -> dict[str, Any] | None:
    groups = groups_of(request, principal)
    if not groups and not principal.has(Role.GROUP):
        return None
    registered_ids = [g.id for g in groups if g.status == "registered"]
    applications = {a.group_id: a for a in applications_of(application(request).db, [g.id for g in groups])}
    return {
        "groups": [{"party": g, "application": applications.get(g.id)} for g in groups],
        # A call is open to registered groups only (the proposals service refuses the others).
        "calls": me_reads.calls(request, "open", "proposal") if registered_ids else [],
        "projects": me_reads.projects_of(request, [g.id for g in groups]),
        "surveys": [s for s in waiting(request, principal, groups) if s["status"] != "submitted"],
        "trainings": registered(request, principal) if principal.has(Role.GROUP) else [],
        # Its groups' open cases: raised by them, or they were invited to (GET /cases lists both).
        "cases": listed(request, principal, "open") if groups else [],
    }


def _coordinator_part(request: Request, principal: Principal) -> dict[str, Any] | None:
    if not principal.has(Role.COORDINATOR):
        return None
    cases = listed(request, principal, "open")
    return {
        "assessments": [
            {"application": a, "applied_at": when(a.applied_at), "href": f"/registry/assessments/{a.group_id}"}
            for a in awaiting_assessment(application(request).db)
        ],
        "open_calls": me_reads.calls(request, "open", "manage"),
        "closed_calls": me_reads.calls(request, "closed", "manage"),
        "rounds": me_reads.open_rounds(request),
        # Projects whose period is over: self-evaluations, then the evaluation committee (M3, in part).
        "evaluations": me_reads.projects_in(request, ("ended", "under_evaluation")),
        # New: raised and not yet routed to any department.
        "new_cases": [c for c in cases if not c["departments"]],
        "overdue_cases": [c for c in cases if c["overdue"]],
    }


def _department_part(request: Request, principal: Principal) -> dict[str, Any] | None:
    if not principal.has(Role.STAFF):
        return None
    departments, liaison = departments_of(request, principal)
    ids = [d.id for d in departments]
    cases = [c for c in listed(request, principal, "open") if set(c["departments"] or []) & set(ids)]
    return {
        "departments": [_department(d, liaison) for d in departments],
        "rounds": me_reads.open_rounds(request, ids) if ids else [],
        # Its departments' collaboration projects: agreements to confirm, reports and self-evaluations (M1).
        "projects": me_reads.projects_of(request, ids, "department"),
        "cases": cases,
        "trainings": registered(request, principal),
    }


def _department(d: Party, liaison: set[str]) -> dict[str, Any]:
    return {"id": d.id, "name": d.name, "liaison": d.id in liaison}


@router.get("/me")
def me(request: Request) -> HTMLResponse:
    principal = signed_in(request)
    app = application(request)
    context = {
        "now": app.now(),
        "group": _group_part(request, principal),
        "coordinator": _coordinator_part(request, principal),
        "department": _department_part(request, principal),
        "others": [r.value for r in principal.roles if r in (Role.REVIEWER, Role.EVALUATOR, Role.AUDITOR, Role.TEAM)],
    }
    return render(request, "workspace/me.html", context)
