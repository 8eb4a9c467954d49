"""HTTP routes for departments (部署), their staff and liaison, and the cross-department team (庁内横断的チーム)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel, Field

from kyodo_registry.org.domain import Department, Team
from kyodo_registry.org.http import ShortText, Sub, SubPath, actor_of, expected_version, nudge, org_app
from kyodo_shared.web.access import requires
from kyodo_shared.web.auth import Principal, Role
from kyodo_shared.web.pagination import LINK_HEADER, Page, Paging, paginated
from kyodo_shared.web.preconditions import etag_of
from kyodo_shared.web.routes import service_router
from kyodo_shared.web.schemas import IsoDate, Strict

departments = service_router(prefix="/departments", tags=["departments"])
team = service_router(prefix="/team", tags=["team"])
Coordinator = Annotated[Principal, Depends(requires(Role.COORDINATOR))]
OnDate = Annotated[IsoDate | None, Query(description="A calendar date (Asia/Tokyo); today if omitted.")]


class DepartmentRequest(Strict):
    code: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$", description="The city's code.")]
    name_ja: ShortText
    name_en: ShortText | None = None


class StaffRequest(Strict):
    staff_sub: Sub
    job_title: ShortText
    since: date | None = Field(default=None, description="First day in the department; today if omitted.")


class LiaisonRequest(Strict):
    staff_sub: Sub
    since: date | None = None


class JoinRequest(Strict):
    staff_sub: Sub
    department_id: UUID
    joined_on: date | None = None


class LeaveRequest(Strict):
    left_on: date | None = Field(default=None, description="Last day on the team (inclusive); today if omitted.")


class StaffView(BaseModel):
    staff_sub: str
    job_title: str
    since: date
    until: date | None = None


class DepartmentView(BaseModel):
    id: UUID
    version: int
    code: str
    name_ja: str
    name_en: str | None
    liaison: StaffView | None
    staff: list[StaffView]
    former_staff: list[StaffView]


class DepartmentList(Page[DepartmentView]):
    """One page (page/per_page, `total` over all pages, RFC 8288 `Link` for the others)."""


class StintView(BaseModel):
    staff_sub: str
    department_id: UUID
    joined_on: date
    left_on: date | None


class TeamView(BaseModel):
    version: int
    on: date | None = Field(description="The date asked about; null for the whole history.")
    members: list[StintView]


def department_view(department: Department) -> DepartmentView:
    staff = [StaffView(**s) for s in sorted(department.staff.values(), key=lambda s: s["staff_sub"])]
    liaison = next((s for s in staff if s.staff_sub == department.liaison_sub), None)
    if liaison is not None and department.liaison_since is not None:
        liaison = liaison.model_copy(update={"since": department.liaison_since})
    return DepartmentView(
        id=department.id,
        version=department.version,
        code=department.code,
        name_ja=department.name_ja,
        name_en=department.name_en,
        liaison=liaison,
        staff=staff,
        former_staff=[StaffView(**s) for s in department.history],
    )


def team_view(found: Team | None, on: date | None) -> TeamView:
    stints = [] if found is None else (found.members_on(on) if on is not None else found.stints)
    members = [StintView(**vars(s)) for s in sorted(stints, key=lambda s: (s.joined_on, s.staff_sub))]
    return TeamView(version=found.version if found else 0, on=on, members=members)


def _answer(response: Response, department: Department) -> DepartmentView:
    response.headers["ETag"] = etag_of(department.version)
    return department_view(department)


@departments.post("", status_code=201, response_model=DepartmentView, summary="Register a department (部署の登録)")
def create_department(body: DepartmentRequest, request: Request, response: Response, principal: Coordinator) -> Any:
    department = org_app(request).create_department(
        actor_of(request, principal),
        body.code,
        body.name_ja,
        body.name_en,
    )
    nudge(request)
    response.headers["Location"] = f"departments/{department.id}"
    return _answer(response, department)


@departments.get(
    "", response_model=DepartmentList, responses=LINK_HEADER, summary="Departments with their liaison (public)"
)
def list_departments(request: Request, response: Response, paging: Paging) -> Any:
    found, total = org_app(request).departments(paging.offset, paging.limit)
    return paginated(request, response, paging, DepartmentList, [department_view(d) for d in found], total)


@departments.get("/{department_id}", response_model=DepartmentView, summary="A department (public)")
def get_department(department_id: UUID, request: Request, response: Response) -> Any:
    return _answer(response, org_app(request).get_department(department_id))


@departments.post("/{department_id}/staff", response_model=DepartmentView, summary="Assign staff (職員の配属)")
def assign_staff(
    department_id: UUID, body: StaffRequest, request: Request, response: Response, principal: Coordinator
) -> Any:
    department = org_app(request).assign_staff(
        actor_of(request, principal),
        expected_version(request),
        department_id,
        body.staff_sub,
        body.job_title,
        body.since,
    )
    nudge(request)
    return _answer(response, department)


@departments.delete(
    "/{department_id}/staff/{staff_sub}", response_model=DepartmentView, summary="Unassign staff (配属解除)"
)
def unassign_staff(
    department_id: UUID,
    staff_sub: SubPath,
    request: Request,
    response: Response,
    principal: Coordinator,
    until: Annotated[IsoDate | None, Query(description="Last day in the department; today if omitted.")] = None,
) -> Any:
    department = org_app(request).unassign_staff(
        actor_of(request, principal),
        expected_version(request),
        department_id,
        staff_sub,
        until,
    )
    nudge(request)
    return _answer(response, department)


@departments.put(
    "/{department_id}/liaison", response_model=DepartmentView, summary="Appoint the liaison (連絡担当の指名)"
)
def appoint_liaison(
    department_id: UUID, body: LiaisonRequest, request: Request, response: Response, principal: Coordinator
) -> Any:
    department = org_app(request).appoint_liaison(
        actor_of(request, principal),
        expected_version(request),
        department_id,
        body.staff_sub,
        body.since,
    )
    nudge(request)
    return _answer(response, department)


@team.get("", response_model=TeamView, summary="The team on a date (public)")
def get_team(request: Request, response: Response, on: OnDate = None) -> Any:
    app = org_app(request)
    found = app.team()
    response.headers["ETag"] = etag_of(found.version if found else 0)
    return team_view(found, on or app.today())


@team.get("/history", response_model=TeamView, summary="Every stint on the team, past and present (public)")
def get_team_history(request: Request, response: Response) -> Any:
    found = org_app(request).team()
    response.headers["ETag"] = etag_of(found.version if found else 0)
    return team_view(found, None)


@team.post("/members", response_model=TeamView, summary="A staff member joins the team (チームへの参加)")
def join_team(body: JoinRequest, request: Request, response: Response, principal: Coordinator) -> Any:
    app = org_app(request)
    joined = app.join_team(
        actor_of(request, principal),
        expected_version(request),
        body.staff_sub,
        body.department_id,
        body.joined_on,
    )
    nudge(request)
    response.headers["ETag"] = etag_of(joined.version)
    return team_view(joined, None)


@team.post(
    "/members/{staff_sub}/departure", response_model=TeamView, summary="A member leaves the team (チームからの離脱)"
)
def leave_team(
    staff_sub: SubPath, body: LeaveRequest, request: Request, response: Response, principal: Coordinator
) -> Any:
    app = org_app(request)
    left = app.leave_team(actor_of(request, principal), expected_version(request), staff_sub, body.left_on)
    nudge(request)
    response.headers["ETag"] = etag_of(left.version)
    return team_view(left, None)
