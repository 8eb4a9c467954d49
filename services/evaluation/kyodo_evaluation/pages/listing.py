"""The viewer's projects (`/evaluation/projects`), a coordinator starting one from a screening decision
(`/evaluation/projects/new`) and naming the department of an adoption that named none
(`/evaluation/adoptions/{proposal_id}`).

Partners list through the API's own `list_projects`, naming each group and department they act for (the
application refuses a partner who names none); the center, evaluators and auditors list every project.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import Query, Request
from fastapi.responses import Response

from kyodo_evaluation.domain import Project, adoption_project_id
from kyodo_evaluation.pages.common import (
    TIME_HELPERS,
    chosen,
    form_options,
    pick_name,
    reads,
)
from kyodo_evaluation.routing import application
from kyodo_evaluation.schemas import FromScreening, NamedDepartment
from kyodo_evaluation.vocabulary import Status
from kyodo_shared.domain.actors import Actor
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.pages.actions import Form, act, page_actor, signed_in, text
from kyodo_shared.pages.deadlines import format_deadline
from kyodo_shared.pages.format import format_date
from kyodo_shared.pages.forms import FormErrors
from kyodo_shared.pages.i18n import gettext, negotiate
from kyodo_shared.pages.paths import breadcrumbs, path_uuid
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router
from kyodo_shared.web.auth import Role

router = page_router(prefix="/evaluation")

_OVERSIGHT = (Role.COORDINATOR, Role.AUDITOR, Role.EVALUATOR)
_PER_PAGE = 50


def _crumbs(request: Request, *more: tuple[str, str]) -> list[tuple[str, str]]:
    return breadcrumbs(request, ("/evaluation/projects", gettext(request, "Collaboration projects")), *more)


@router.get("/projects")
def projects(request: Request, page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> Response:
    principal = signed_in(request)
    app, who, found = application(request), page_actor(request, principal), reads(request)
    sections: list[dict[str, Any]] = []
    listing: dict[str, Any] | None = None
    awaiting: list[dict[str, Any]] = []
    if any(who.has(r) for r in _OVERSIGHT):
        items, total = app.list_projects(who, None, None, None, (page - 1) * _PER_PAGE, _PER_PAGE)
        listing = {"items": items, "total": total, "page": page, "per_page": _PER_PAGE}
        if who.has(Role.COORDINATOR):
            awaiting = app.adoptions_awaiting_department(who)
    else:
        for group in found.groups_of(who.sub) if who.has(Role.GROUP) else []:
            items, _total = app.list_projects(who, group.id, None, None, 0, 100)
            sections.append(
                {"kind": "group", "partner": group, "items": items, "steps": steps(request, who, items, "group")}
            )
        today = app.today()
        for department in found.departments_of(who.sub, today) if who.has(Role.STAFF) else []:
            # A former liaison no longer on the staff names the department no more: the application would refuse.
            if not (
                app.view.on_staff(who.sub, department.id, today) or app.view.is_liaison(who.sub, department.id, today)
            ):
                continue
            items, _total = app.list_projects(who, None, department.id, None, 0, 100)
            section = {"kind": "department", "partner": department, "items": items}
            sections.append({**section, "steps": steps(request, who, items, "department")})
    return render(
        request,
        "evaluation/ws_projects.html",
        {
            "sections": sections,
            "listing": listing,
            "awaiting": awaiting,
            "coordinator": who.has(Role.COORDINATOR),
            "group_names": found.group_names(),
            "departments": found.department_names(),
            **TIME_HELPERS,
            "breadcrumbs": _crumbs(request),
        },
    )


def _blank(values: dict[str, str]) -> list[str]:
    """The form's choices (selects and radios, all of them here) left unchosen."""
    return [name for name, value in values.items() if not value]


def steps(request: Request, who: Actor, items: list[dict[str, Any]], partner: str) -> dict[str, str]:
    """What waits for the partner in each listed project, in words: a version to confirm, the next report due, the
    self-evaluation — read from the project as the API's query lets this viewer read it."""
    app, lang = application(request), negotiate(request)
    found: dict[str, str] = {}
    for item in items:
        project = app.read_project(who, UUID(str(item["project_id"])))
        found[str(item["project_id"])] = next_step(request, project, partner, lang)
    return found


def next_step(request: Request, project: Project, partner: str, lang: str) -> str:
    if project.status is Status.DRAFTING or (project.draft is not None and project.status is Status.ACTIVE):
        if project.draft is None:
            return gettext(request, "An agreement to put up for confirmation")
        if partner in project.confirmed:
            return gettext(request, "Version %(version)s awaits the other partner's confirmation") % {
                "version": project.draft["version"]
            }
        return gettext(request, "Version %(version)s awaits your side's confirmation") % {
            "version": project.draft["version"]
        }
    if project.status is Status.ACTIVE:
        for index, day in enumerate(project.due_dates(), start=1):
            if f"{partner}|{index}" not in project.reports:
                return gettext(request, "Report %(index)s due by %(day)s") % {
                    "index": index,
                    "day": format_date(date.fromisoformat(day), lang),
                }
        return gettext(request, "Every report filed")
    if project.status is Status.ENDED:
        if partner in project.self_evaluations:
            return gettext(request, "Self-evaluation sent")
        due = datetime.fromisoformat(project.deadline) if project.deadline else None
        return gettext(request, "Self-evaluation due %(deadline)s") % {
            "deadline": format_deadline(due, lang) if due else "—"
        }
    return "—"


# --- a project from a screening decision ----------------------------------------------------------------------


def _new_page(
    request: Request, values: dict[str, str], errors: FormErrors | None = None, status: int = 200
) -> Response:
    found = reads(request)
    departments = found.department_names()
    decisions = []
    for d in found.suitable_decisions():
        department = departments.get(d.department_id)
        owner = pick_name(request, department) if department else d.department_id
        decisions.append((d.decision_id, f"{d.title} — {d.fiscal_year} · {owner}"))
    return render(
        request,
        "evaluation/ws_new.html",
        {
            "decisions": decisions,
            "groups": [(g.id, g.name_ja) for g in found.registered_groups()],
            "form_options": form_options(request),
            "values": values,
            "errors": errors,
            **TIME_HELPERS,
            "breadcrumbs": _crumbs(request, ("/evaluation/projects/new", gettext(request, "Start a project"))),
        },
        status=status,
    )


@router.get("/projects/new")
def new_project(request: Request) -> Response:
    signed_in(request, Role.COORDINATOR)
    return _new_page(request, {})


@router.post("/projects/new")
def start_project(request: Request, form: Form) -> Response:
    principal = signed_in(request, Role.COORDINATOR)
    values = {name: text(form, name) for name in ("screening_decision_id", "group_id", "form")}

    def command() -> Project:
        body = FromScreening.model_validate(values)
        return application(request).create_from_screening(
            page_actor(request, principal), body.screening_decision_id, body.group_id, body.form.value
        )

    return act(
        request,
        command,
        again=lambda errors, status: _new_page(request, values, chosen(request, errors, _blank(values)), status),
        then=lambda project: f"/evaluation/projects/{project.id}",
        notice="project_started",
    )


# --- an adoption's department ---------------------------------------------------------------------------------


def _adoption_page(
    request: Request, proposal_id: UUID, values: dict[str, str], errors: FormErrors | None = None, status: int = 200
) -> Response:
    app = application(request)
    adoption = app.sources.adoption(str(proposal_id))
    if adoption is None:
        raise Refusal("adoption_not_found")
    project_id = adoption_project_id(proposal_id)
    found = reads(request)
    return render(
        request,
        "evaluation/ws_adoption.html",
        {
            "adoption": adoption,
            "project_id": project_id if app.find_project(project_id) is not None else None,
            "group_name": found.group_names().get(adoption["group_id"], adoption["group_id"]),
            "department_options": [(d.id, pick_name(request, d)) for d in found.departments()],
            "values": values,
            "errors": errors,
            **TIME_HELPERS,
            "breadcrumbs": _crumbs(request, (request.url.path, gettext(request, "Name the partnering department"))),
        },
        status=status,
    )


@router.get("/adoptions/{proposal_id}")
def adoption(proposal_id: str, request: Request) -> Response:
    signed_in(request, Role.COORDINATOR)
    return _adoption_page(request, path_uuid(proposal_id, "adoption_not_found"), {})


@router.post("/adoptions/{proposal_id}")
def name_department(proposal_id: str, request: Request, form: Form) -> Response:
    principal = signed_in(request, Role.COORDINATOR)
    pid = path_uuid(proposal_id, "adoption_not_found")
    values = {"department_id": text(form, "department_id")}

    def command() -> Project:
        body = NamedDepartment.model_validate(values)
        return application(request).name_department(page_actor(request, principal), pid, body.department_id)

    return act(
        request,
        command,
        again=lambda errors, status: _adoption_page(
            request, pid, values, chosen(request, errors, _blank(values)), status
        ),
        then=lambda project: f"/evaluation/projects/{project.id}",
        notice="department_named",
    )
