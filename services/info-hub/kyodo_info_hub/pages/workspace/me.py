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

from fastapi import Request
from fastapi.responses import HTMLResponse

from kyodo_info_hub.pages.home import application
from kyodo_info_hub.pages.workspace import me_center, me_department, me_group, me_team
from kyodo_shared.domain.actors import Role
from kyodo_shared.pages.actions import signed_in
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router

router = page_router()


@router.get("/me")
def me(request: Request) -> HTMLResponse:
    principal = signed_in(request)
    app = application(request)
    context = {
        "now": app.now(),
        "group": me_group.part(request, principal),
        "coordinator": me_center.part(request, principal),
        "department": me_department.part(request, principal),
        "team": me_team.part(request, principal),
        "others": [r.value for r in principal.roles if r in (Role.REVIEWER, Role.EVALUATOR, Role.AUDITOR, Role.TEAM)],
    }
    return render(request, "workspace/me.html", context)
