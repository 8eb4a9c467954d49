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
from kyodo_shared.domain.actors import Principal, Role
from kyodo_shared.pages.actions import signed_in
from kyodo_shared.pages.notices import N_
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router

router = page_router()

# Where each role's own work starts in the service that owns it (the agreed URL map). /me lists these beside what
# waits, since a reviewer's, an evaluator's or an auditor's work is read by those services alone.
ELSEWHERE: tuple[tuple[Role, str, str], ...] = (
    (Role.COORDINATOR, "/center", N_("The center's programmes: news, opinion exchange, trainings, surveys")),
    (Role.REVIEWER, "/proposals/review", N_("Review boards: the proposals to score")),
    (Role.EVALUATOR, "/evaluation/committee", N_("Evaluation committee: the projects to evaluate")),
    (Role.AUDITOR, "/registry/audit", N_("Audit of the group registry")),
    (Role.AUDITOR, "/proposals/audit", N_("Audit of calls and proposals")),
    (Role.AUDITOR, "/screening/audit", N_("Audit of the screening of projects")),
    (Role.AUDITOR, "/evaluation/audit", N_("Audit of collaboration projects and their evaluation")),
    (Role.AUDITOR, "/info-hub/audit", N_("Audit of the civic activity center")),
)


def elsewhere(principal: Principal) -> list[dict[str, str]]:
    """The links of ELSEWHERE the viewer's roles open, in that order."""
    return [{"href": href, "label": label} for role, href, label in ELSEWHERE if principal.has(role)]


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
        "elsewhere": elsewhere(principal),
    }
    return render(request, "workspace/me.html", context)
