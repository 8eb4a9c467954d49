"""A project's workspace (`/evaluation/projects/{pid}`): its partners, the agreement in force and the versions
concluded (with their hashes), the version awaiting confirmation and which partner confirmed it, the evaluation
criteria, the reports due and filed, and the self-evaluations' stage. Its forms post to sub-paths and call the
application methods the API's PUT criteria, PUT agreement and POST agreement/confirmations call.

What the viewer may do is decided from what the page read (the partner the application says they act for, the
status, who confirmed); the application refuses the rest if forced.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import Response

from kyodo_evaluation.pages.agreement import drafts_open
from kyodo_evaluation.pages.agreement_form import criteria_posted
from kyodo_evaluation.pages.common import (
    TIME_HELPERS,
    partner_names,
    project_crumbs,
    side_of,
    viewed,
)
from kyodo_evaluation.routing import application, project_view
from kyodo_evaluation.schemas import Confirmation, CriteriaIn
from kyodo_evaluation.vocabulary import Partner
from kyodo_shared.pages.actions import Form, act, page_actor, seen_version, signed_in, text
from kyodo_shared.pages.forms import FormErrors
from kyodo_shared.pages.paths import path_uuid
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router
from kyodo_shared.web.auth import Role

router = page_router(prefix="/evaluation")


def schedule(project: Any, filed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each report date of the agreement in force, with each partner's report: filed (when, late or not), overdue,
    or still to file."""
    by_key = {f"{r['partner']}|{r['index']}": r for r in filed}
    due = []
    for index, day in enumerate(project.due_dates(), start=1):
        partners = {}
        for partner in Partner:
            key = f"{partner.value}|{index}"
            partners[partner.value] = {"report": by_key.get(key), "overdue": key in project.overdue}
        due.append({"index": index, "due_on": day, "partners": partners})
    return due


def project_page(
    request: Request,
    project_id: UUID,
    *,
    failed: str | None = None,
    errors: FormErrors | None = None,
    posted: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    app, who, project, side = viewed(request, project_id)
    group = app.view.group(str(project.group_id))
    shown = project_view(project, app.sees_negotiation(who, project))
    open_to_drafts = drafts_open(app, project)
    criteria_values = (posted or {}).get("criteria") if failed == "criteria" else None
    context = {
        "project": project,
        "shown": shown,
        "names": partner_names(request, project),
        "side": side.value if side else None,
        "representative": side is Partner.GROUP and group is not None and group.representative_sub == who.sub,
        "coordinator": who.has(Role.COORDINATOR),
        "open_to_drafts": open_to_drafts,
        "schedule": schedule(project, app.reports_of(who, project_id)),
        # The public events as the timeline route lists them (its query table may trail the project by a moment).
        "timeline": app.project_timeline(who, project_id),
        "criteria_values": criteria_values if criteria_values is not None else project.criteria,
        "failed": failed,
        "errors": errors,
        "today": app.today().isoformat(),
        **TIME_HELPERS,
        "breadcrumbs": project_crumbs(request, project),
    }
    return render(request, "evaluation/ws_project.html", context, status=status)


@router.get("/projects/{project_id}")
def project(project_id: str, request: Request) -> Response:
    return project_page(request, path_uuid(project_id, "project_not_found"))


@router.post("/projects/{project_id}/criteria")
def set_criteria(project_id: str, request: Request, form: Form) -> Response:
    principal = signed_in(request, Role.COORDINATOR)
    pid = path_uuid(project_id, "project_not_found")
    posted = criteria_posted(form)

    def command() -> None:
        body = CriteriaIn.model_validate(posted)
        application(request).set_criteria(page_actor(request, principal), seen_version(form), pid, body.dumped())

    return act(
        request,
        command,
        again=lambda errors, status: project_page(
            request, pid, failed="criteria", errors=errors, posted=posted, status=status
        ),
        then=f"/evaluation/projects/{pid}",
        notice="criteria_set",
    )


@router.post("/projects/{project_id}/agreement/confirmations")
def confirm(project_id: str, request: Request, form: Form) -> Response:
    principal = signed_in(request, Role.GROUP, Role.STAFF)
    pid = path_uuid(project_id, "project_not_found")
    posted = {"agreement_hash": text(form, "agreement_hash")}
    app = application(request)
    before = app.find_project(pid)
    side = side_of(app, page_actor(request, principal), before) if before is not None else None
    # The other partner confirmed already: this confirmation concludes the version, and the notice says so.
    concludes = side is not None and before is not None and bool(set(before.confirmed) - {side.value})

    def command() -> None:
        body = Confirmation.model_validate(posted)
        application(request).confirm_agreement(page_actor(request, principal), pid, body.agreement_hash)

    return act(
        request,
        command,
        again=lambda errors, status: project_page(
            request, pid, failed="confirmation", errors=errors, posted=posted, status=status
        ),
        then=f"/evaluation/projects/{pid}",
        notice="agreement_concluded" if concludes else "agreement_confirmed",
    )
