"""The coordination window (総合的な窓口) with a login: `/me/cases` (the cases the viewer may see, as `GET /cases`
lists them), `/me/cases/new` (a group's representative or contact, or a department's liaison, raises a case: `POST
/cases`, `raise_case`, the body `CaseIn`), `/me/cases/{cid}` (the case as `GET /cases/{cid}` shows it to this
reader; a routed department's liaison acknowledges it: `POST /cases/{cid}/routings/{did}/acknowledgement`,
`acknowledge_case`, which takes no If-Match in the API either).

Field names are `CaseIn`'s JSON paths (`group_id`, `problem_ja`, `fields_of_activity.0`, `urgency`, …), so the
API's errors land beside them.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from kyodo_info_hub.api_cases import case_view
from kyodo_info_hub.cases import Case
from kyodo_info_hub.cases_schemas import CaseIn, CaseSummary
from kyodo_info_hub.pages.home import Text, application, listing, localized, when
from kyodo_info_hub.pages.workspace.cases_center_view import center_forms, history, invited, link_choices, links
from kyodo_info_hub.pages.workspace.common import (
    crumb_text,
    department_names,
    departments_of,
    group_name,
    groups_of,
    me_crumbs,
)
from kyodo_shared.domain.actors import Principal, Role
from kyodo_shared.pages.actions import Form, act, page_actor, signed_in, text
from kyodo_shared.pages.forms import FormErrors
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.paths import path_uuid
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router
from kyodo_shared.web.pagination import Paging

router = page_router("/me/cases")
# Who may read cases through the API (any authenticated role); raising: a group's people, a liaison, the center.
READERS = tuple(Role)
FIELD_SLOTS = 3
NO_FILTER = {"status": "", "urgency": "", "department_id": "", "overdue": ""}


def listed(request: Request, principal: Principal, status: str = "") -> list[dict[str, Any]]:
    """The cases this reader may see, newest first, as `GET /cases?status=` lists them (one page of 100: the role
    pages' lists of open cases)."""
    return cases_page(request, principal, status, 0, 100)[0]


def cases_page(
    request: Request, principal: Principal, status: str, offset: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """A page of the cases this reader may see, newest first, and how many there are in all."""
    filters = {**NO_FILTER, "status": status}
    items, total = application(request).list_cases(page_actor(request, principal), filters, offset, limit)
    return [
        {
            **CaseSummary.model_validate(i).model_dump(),
            "raised_at": when(i["raised_at"]),
            "href": f"/me/cases/{i['case_id']}",
            "raiser": raiser_name(request, i["raiser_kind"], i["raiser_id"]),
        }
        for i in items
    ], total


def raiser_name(request: Request, kind: str, party: str | None) -> Text | None:
    """Who raised a case: the group's or the department's name (None for a citizen, whom the center raised for)."""
    if kind == "group":
        return group_name(request, party)
    if kind == "department" and party:
        return department_names(request, [party])[0].name
    return None


def _cases(request: Request) -> tuple[str, str]:
    return ("/me/cases", gettext(request, "Coordination cases"))


@router.get("")
def my_cases(request: Request, paging: Paging) -> HTMLResponse:
    """Page by page, in the kernel's convention (`?page=`, `?per_page=`), as the API lists them."""
    principal = signed_in(request, *READERS)
    groups = [g for g in groups_of(request, principal) if g.status is not None]
    _, liaison = departments_of(request, principal)
    cases, total = cases_page(request, principal, "", paging.offset, paging.limit)
    context = {
        "cases": cases,
        "listing": listing(paging, total),
        "may_raise": bool(groups or liaison),
        # The center and auditors list every case; the caption says whose cases the others see.
        "sees_all": principal.has(Role.COORDINATOR) or principal.has(Role.AUDITOR),
        "coordinator": principal.has(Role.COORDINATOR),
        "breadcrumbs": me_crumbs(request, _cases(request)),
    }
    return render(request, "workspace/cases.html", context)


def _new_page(
    request: Request,
    principal: Principal,
    *,
    typed: dict[str, Any] | None = None,
    errors: FormErrors | None = None,
    status: int = 200,
) -> HTMLResponse:
    groups = [g for g in groups_of(request, principal) if g.status is not None]
    _, liaison = departments_of(request, principal)
    departments = department_names(request, sorted(liaison)) if principal.has(Role.STAFF) else []
    raiser = "group" if groups else "department"
    fields = list(typed["fields_of_activity"]) if typed else []
    context = {
        "groups": groups if principal.has(Role.GROUP) else [],
        "departments": departments,
        "raiser": typed["raiser"] if typed else raiser,
        "values": typed or {"urgency": "normal"},
        "fields": fields + [""] * (FIELD_SLOTS - len(fields)),
        "errors": errors,
        "breadcrumbs": me_crumbs(request, _cases(request), ("/me/cases/new", gettext(request, "Raise a case"))),
    }
    return render(request, "workspace/case_new.html", context, status=status)


@router.get("/new")
def new_case(request: Request) -> HTMLResponse:
    principal = signed_in(request, Role.GROUP, Role.STAFF)
    return _new_page(request, principal)


def _typed(form: FormData) -> dict[str, Any]:
    """The form as `CaseIn`'s JSON: the party chosen by the raiser kind, blank optional texts left out."""
    raiser = text(form, "raiser")
    body: dict[str, Any] = {
        "raiser": raiser,
        "problem_ja": text(form, "problem_ja"),
        "fields_of_activity": [v for v in (text(form, f"fields_of_activity.{n}") for n in range(FIELD_SLOTS)) if v],
        "area": text(form, "area"),
        "urgency": text(form, "urgency") or "normal",
    }
    party = "group_id" if raiser == "group" else "department_id"
    if text(form, party):
        body[party] = text(form, party)
    if text(form, "problem_en"):
        body["problem_en"] = text(form, "problem_en")
    return body


@router.post("/new")
def raise_case(request: Request, form: Form) -> Response:
    """As `POST /cases` (a group's people name their group, a liaison their department)."""
    principal = signed_in(request, Role.GROUP, Role.STAFF)
    typed = _typed(form)

    def command() -> Case:
        body = CaseIn.model_validate(typed)
        return application(request).raise_case(
            page_actor(request, principal),
            body.raiser,
            body.group_id or body.department_id,
            body.problem_ja,
            body.problem_en,
            body.fields_of_activity,
            body.area,
            body.urgency,
            None,
        )

    return act(
        request,
        command,
        again=lambda errors, status: _new_page(request, principal, typed=typed, errors=errors, status=status),
        then=lambda case: f"/me/cases/{case.id}",
        notice="case_raised",
    )


def case_page_of(
    request: Request,
    principal: Principal,
    case_id: UUID,
    errors: FormErrors | None = None,
    status: int = 200,
    typed: dict[str, Any] | None = None,
) -> HTMLResponse:
    """The case as this reader may see it, its invitations and links; for the center, its forms' choices
    (`cases_center_view.py`) with what was typed into one refused (`cases_center.py`)."""
    app, actor = application(request), page_actor(request, principal)
    case, access = app.read_case(actor, case_id)
    shown = case_view(app, actor, case, access)
    _, liaison = departments_of(request, principal)
    named = {d.id: d.name for d in department_names(request, [r["department_id"] for r in shown.routings])}
    routings = [
        {
            **r,
            "name": named[r["department_id"]],
            "acknowledge_by": when(r["acknowledge_by"]),
            "acknowledged_at": when(r.get("acknowledged_at")),
            "mine": r["department_id"] in liaison,
        }
        for r in shown.routings
    ]
    raiser = raiser_name(request, shown.raiser_kind, shown.raiser_id)
    closing = shown.closing or {}
    problem = localized(request, shown.problem_ja, shown.problem_en)
    context = {
        "case": shown,
        "problem": problem,
        "raised_at": when(shown.raised_at),
        "raiser": raiser,
        "routings": routings,
        "closing": shown.closing,
        "outcome_reason": closing and localized(request, closing["reason_ja"], closing.get("reason_en")),
        "closed_at": closing and when(closing.get("closed_at")),
        "errors": errors,
        "center": center_forms(request, principal, shown),
        "invited": invited(request, shown),
        "links": links(request, shown),
        "history": history(request, actor, case_id, shown),
        "link_choices": link_choices(request, shown) if principal.has(Role.COORDINATOR) else [],
        "typed": typed or {},
        # Home › My page › Coordination cases › the case, named by the start of its problem.
        "breadcrumbs": me_crumbs(request, _cases(request), (f"/me/cases/{case_id}", crumb_text(problem.text))),
    }
    return render(request, "workspace/case.html", context, status=status)


@router.get("/{case_id}")
def case_page(case_id: str, request: Request) -> HTMLResponse:
    principal = signed_in(request, *READERS)
    return case_page_of(request, principal, path_uuid(case_id, "case_not_found"))


@router.post("/{case_id}/routings/{department_id}/acknowledgement")
def acknowledge(case_id: str, department_id: str, request: Request, form: Form) -> Response:
    """As `POST /cases/{cid}/routings/{did}/acknowledgement`: the department's liaison takes the case up."""
    principal = signed_in(request, Role.STAFF)
    cid = path_uuid(case_id, "case_not_found")
    did = path_uuid(department_id, "case_not_found")
    return act(
        request,
        lambda: application(request).acknowledge_case(page_actor(request, principal), cid, did),
        again=lambda errors, status: case_page_of(request, principal, cid, errors, status),
        then=f"/me/cases/{cid}",
        notice="case_acknowledged",
    )
