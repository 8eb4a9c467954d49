"""The coordination window (総合的な窓口) over HTTP: cases raised by groups, departments' liaisons or the center;
routing and acknowledgements; matching groups and invitations; links and the outcome; and the month's published
figures (public). A case is read by its parties, the center and auditors; to anyone else it does not exist (404).
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from kyodo_info_hub import cases_index
from kyodo_info_hub.cases import Case
from kyodo_info_hub.cases_app import CaseCommands
from kyodo_info_hub.cases_queries import ALL, INVITED
from kyodo_info_hub.cases_schemas import (
    MONTH,
    CaseIn,
    CasePage,
    CaseSummary,
    CaseView,
    ClosureIn,
    FiguresPage,
    FiguresView,
    HistoryEntry,
    HistoryPage,
    InvitationIn,
    LinkIn,
    RoutingIn,
)
from kyodo_shared.domain.actors import Actor, Role
from kyodo_shared.web.access import requires
from kyodo_shared.web.auth import Principal
from kyodo_shared.web.pagination import LINK_HEADER, Paging, paginated
from kyodo_shared.web.routes import actor_of, answered, etag_of, expected_version, service_router

Coordinator = Annotated[Principal, Depends(requires(Role.COORDINATOR))]
# A case is raised by a group's people, a department's liaison (staff) or the center.
Raiser = Annotated[Principal, Depends(requires(Role.GROUP, Role.STAFF, Role.COORDINATOR))]
Liaison = Annotated[Principal, Depends(requires(Role.STAFF))]
Authenticated = Annotated[Principal, Depends(requires(*Role))]
Month = Annotated[str, Path(pattern=MONTH, description="YYYY-MM (Asia/Tokyo)")]

statistics = service_router(prefix="/cases/statistics", tags=["coordination window"])
router = service_router(prefix="/cases", tags=["coordination window"])


def application(request: Request) -> CaseCommands:
    app: CaseCommands = request.app.state.kernel.application
    return app


def case_view(app: CaseCommands, actor: Actor, case: Case, access: str = ALL) -> CaseView:
    """The case as this reader may see it. The center and auditors see who acted (a raiser's or a liaison's sub);
    other parties the same without them. An invited group's people see what their history shows (the problem, its
    fields, area and urgency, the links and the outcome) and, of the matching, only their own group's suggestion and
    invitation: no departments or their acknowledgements, no other groups considered or invited."""
    center = actor.has(Role.COORDINATOR) or actor.has(Role.AUDITOR)
    contact = app.case_contact(actor, case)
    routings = [dict(r) for _, r in sorted(case.routings.items())]
    if not center:
        for routing in routings:
            routing.pop("acknowledged_by", None)
    suggestions, invited = case.suggestions, sorted(case.invited.items())
    if access == INVITED:
        mine = set(app.people.groups_of(actor.sub)) if actor.has(Role.GROUP) else set()
        routings = []
        suggestions = [s for s in suggestions if s.get("group_id") in mine]
        invited = [(g, at) for g, at in invited if g in mine]
    return CaseView(
        id=case.id,
        version=case.version,
        raiser_kind=case.raiser_kind,
        raiser_id=case.raiser_id,
        raised_by=case.raised_by if center else None,
        on_behalf=case.on_behalf,
        problem_ja=case.problem_ja,
        problem_en=case.problem_en,
        fields_of_activity=case.fields_of_activity,
        area=case.area,
        urgency=case.urgency,
        raised_at=case.raised_at,
        status="closed" if case.closed else "open",
        routings=routings,
        suggestions=suggestions,
        invited=[{"group_id": g, "invited_at": at} for g, at in invited],
        links=case.links,
        closing=case.closing,
        contact=contact,
        contact_erased=bool(case.contact and actor.has(Role.COORDINATOR) and contact is None),
    )


def _changed(request: Request, response: Response, actor: Actor, case: Case, status: int = 200) -> CaseView:
    answered(request, response, case.version, status)
    return case_view(application(request), actor, case)


# --- the month's figures (public) ------------------------------------------------------------------------------


@statistics.get(
    "", response_model=FiguresPage, responses=LINK_HEADER, summary="Published monthly figures, newest first"
)
def figures_list(request: Request, response: Response, paging: Paging) -> Any:
    db = request.app.state.kernel.db
    items, total = cases_index.figures_list(db, paging.offset, paging.limit)
    return paginated(request, response, paging, FiguresPage, [FiguresView.model_validate(i) for i in items], total)


@statistics.get("/{month}", response_model=FiguresView, summary="One month's published figures (月次の公表)")
def figures(month: Month, request: Request) -> Any:
    published = application(request).figures_of(month)
    return FiguresView.model_validate({**published.figures, "published_at": published.published_at})


@statistics.post(
    "/{month}", status_code=201, response_model=FiguresView, summary="Publish a past month that has no figures yet"
)
def publish_figures(month: Month, request: Request, response: Response, principal: Coordinator) -> Any:
    published = application(request).publish_past_figures(actor_of(request, principal), month)
    answered(request, response, published.version, 201)
    return FiguresView.model_validate({**published.figures, "published_at": published.published_at})


# --- cases --------------------------------------------------------------------------------------------------------


@router.post("", status_code=201, response_model=CaseView, summary="Raise a case (相談の受付)")
def raise_case(body: CaseIn, request: Request, response: Response, principal: Raiser) -> Any:
    actor = actor_of(request, principal)
    case = application(request).raise_case(
        actor,
        body.raiser,
        body.group_id or body.department_id,
        body.problem_ja,
        body.problem_en,
        body.fields_of_activity,
        body.area,
        body.urgency,
        body.contact.model_dump(mode="json", exclude_none=True) if body.contact else None,
    )
    response.headers["Location"] = f"cases/{case.id}"
    return _changed(request, response, actor, case, 201)


@router.get("", response_model=CasePage, responses=LINK_HEADER, summary="Cases the caller may see, newest first")
def cases(
    request: Request,
    response: Response,
    principal: Authenticated,
    paging: Paging,
    status: Annotated[str | None, Query(pattern=r"^(open|closed)$")] = None,
    urgency: Annotated[str | None, Query(pattern=r"^(low|normal|high)$")] = None,
    department_id: Annotated[UUID | None, Query()] = None,
    overdue: Annotated[bool | None, Query(description="Only cases with an overdue acknowledgement (true).")] = None,
) -> Any:
    filters = {"status": status or "", "urgency": urgency or "", "department_id": str(department_id or "")}
    filters["overdue"] = "yes" if overdue else ""
    items, total = application(request).list_cases(actor_of(request, principal), filters, paging.offset, paging.limit)
    return paginated(request, response, paging, CasePage, [CaseSummary.model_validate(i) for i in items], total)


@router.get(
    "/{case_id}",
    response_model=CaseView,
    summary="A case for its parties, the center and auditors (an invited group's people: their part of it)",
)
def read_case(case_id: UUID, request: Request, response: Response, principal: Authenticated) -> Any:
    app, actor = application(request), actor_of(request, principal)
    case, access = app.read_case(actor, case_id)
    response.headers["ETag"] = etag_of(case.version)
    return case_view(app, actor, case, access)


@router.get(
    "/{case_id}/history",
    response_model=HistoryPage,
    summary="The case's history in order (an invited group's: the raising and its part from its invitation on)",
)
def case_history(case_id: UUID, request: Request, principal: Authenticated) -> Any:
    entries = application(request).case_history(actor_of(request, principal), case_id)
    return HistoryPage(items=[HistoryEntry.model_validate(e) for e in entries])


@router.post("/{case_id}/routings", response_model=CaseView, summary="Route to departments (取次, If-Match)")
def route(case_id: UUID, body: RoutingIn, request: Request, response: Response, principal: Coordinator) -> Any:
    actor = actor_of(request, principal)
    case = application(request).route_case(actor, expected_version(request), case_id, body.department_ids)
    return _changed(request, response, actor, case)


@router.post(
    "/{case_id}/routings/{department_id}/acknowledgement",
    response_model=CaseView,
    summary="The routed department's liaison acknowledges the case (受付確認)",
)
def acknowledge(case_id: UUID, department_id: UUID, request: Request, response: Response, principal: Liaison) -> Any:
    actor = actor_of(request, principal)
    case = application(request).acknowledge_case(actor, case_id, department_id)
    return _changed(request, response, actor, case)


@router.post(
    "/{case_id}/suggestions",
    response_model=CaseView,
    summary="Suggest matching registered groups, each with its reasons (fields, area) (If-Match)",
)
def suggest(case_id: UUID, request: Request, response: Response, principal: Coordinator) -> Any:
    actor = actor_of(request, principal)
    case = application(request).suggest_groups(actor, expected_version(request), case_id)
    return _changed(request, response, actor, case)


@router.post("/{case_id}/invitations", response_model=CaseView, summary="Invite registered groups (If-Match)")
def invite(case_id: UUID, body: InvitationIn, request: Request, response: Response, principal: Coordinator) -> Any:
    actor = actor_of(request, principal)
    case = application(request).invite_groups(actor, expected_version(request), case_id, body.group_ids)
    return _changed(request, response, actor, case)


@router.post("/{case_id}/links", response_model=CaseView, summary="Link a call or a proposal the case led to")
def link(case_id: UUID, body: LinkIn, request: Request, response: Response, principal: Coordinator) -> Any:
    actor = actor_of(request, principal)
    case = application(request).link_case(actor, expected_version(request), case_id, body.kind, body.target_id)
    return _changed(request, response, actor, case)


@router.post("/{case_id}/closure", response_model=CaseView, summary="Close with the outcome and its reason")
def close(case_id: UUID, body: ClosureIn, request: Request, response: Response, principal: Coordinator) -> Any:
    actor = actor_of(request, principal)
    case = application(request).close_case(
        actor, expected_version(request), case_id, body.outcome, body.reason_ja, body.reason_en
    )
    return _changed(request, response, actor, case)


ROUTERS: list[APIRouter] = [statistics, router]
