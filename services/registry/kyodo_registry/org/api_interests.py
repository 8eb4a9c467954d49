"""HTTP routes for declared interests (利害関係の申告) in groups and in departments: declare and withdraw one's own,
coordinators on behalf, public reads by person, by group and by department. A withdrawal names the declaration by
its id, whichever kind it is."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Request, Response
from pydantic import BaseModel, Field

from kyodo_contracts.registry_org import InterestKind
from kyodo_registry.org.domain import Declaration, DepartmentDeclaration, Interests
from kyodo_registry.org.http import ShortText, SubPath, actor_of, expected_version, nudge, org_app
from kyodo_shared.web.access import CurrentPrincipal, requires
from kyodo_shared.web.auth import Principal, Role
from kyodo_shared.web.pagination import LINK_HEADER, Page, Paging, paginated
from kyodo_shared.web.preconditions import etag_of
from kyodo_shared.web.routes import service_router
from kyodo_shared.web.schemas import Strict

router = service_router(prefix="/interests", tags=["interests"])
Coordinator = Annotated[Principal, Depends(requires(Role.COORDINATOR))]


class DeclarationRequest(Strict):
    group_id: UUID
    kind: InterestKind
    note: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="A short public note; no personal data."
    )


class DepartmentDeclarationRequest(Strict):
    department_id: UUID = Field(description="An existing city department (部署).")
    kind: InterestKind
    note: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="A short public note; no personal data."
    )


class WithdrawalRequest(Strict):
    reason: ShortText


class DeclarationView(BaseModel):
    declaration_id: UUID
    person_sub: str
    group_id: UUID
    kind: InterestKind
    note: str | None
    declared_at: datetime
    recorded_by: str
    active: bool
    withdrawn_at: datetime | None
    withdrawal_reason: str | None
    withdrawn_by: str | None


class DepartmentDeclarationView(BaseModel):
    declaration_id: UUID
    person_sub: str
    department_id: UUID
    kind: InterestKind
    note: str | None
    declared_at: datetime
    recorded_by: str
    active: bool
    withdrawn_at: datetime | None
    withdrawal_reason: str | None
    withdrawn_by: str | None


class PersonInterests(BaseModel):
    person_sub: str
    version: int
    declarations: list[DeclarationView] = Field(description="Interests in civic activity groups.")
    department_declarations: list[DepartmentDeclarationView] = Field(description="Interests in city departments.")


class GroupInterests(Page[DeclarationView]):
    """One page of the declarations about a group (page/per_page, `total`, RFC 8288 `Link`)."""


class DepartmentInterests(Page[DepartmentDeclarationView]):
    """One page of the declarations about a department (page/per_page, `total`, RFC 8288 `Link`)."""


def _declared(person_sub: str, d: Declaration | DepartmentDeclaration) -> dict[str, Any]:
    """What a declaration's view shows whatever it names (a group or a department)."""
    return {
        "declaration_id": d.declaration_id,
        "person_sub": person_sub,
        "kind": InterestKind(d.kind),
        "note": d.note,
        "declared_at": datetime.fromisoformat(d.declared_at),
        "recorded_by": d.recorded_by,
        "active": d.active,
        "withdrawn_at": datetime.fromisoformat(d.withdrawn_at) if d.withdrawn_at else None,
        "withdrawal_reason": d.withdrawal_reason,
        "withdrawn_by": d.withdrawn_by,
    }


def declaration_view(person_sub: str, d: Declaration) -> DeclarationView:
    return DeclarationView(group_id=d.group_id, **_declared(person_sub, d))


def department_declaration_view(person_sub: str, d: DepartmentDeclaration) -> DepartmentDeclarationView:
    return DepartmentDeclarationView(department_id=d.department_id, **_declared(person_sub, d))


def person_view(person_sub: str, interests: Interests | None) -> PersonInterests:
    declarations = interests.declarations if interests is not None else []
    departments = interests.department_declarations if interests is not None else []
    return PersonInterests(
        person_sub=person_sub,
        version=interests.version if interests is not None else 0,
        declarations=[declaration_view(person_sub, d) for d in declarations],
        department_declarations=[department_declaration_view(person_sub, d) for d in departments],
    )


def _declare(request: Request, response: Response, person_sub: str, body: DeclarationRequest, by: Principal) -> Any:
    app = org_app(request)
    interests, declaration_id = app.declare_interest(
        actor_of(request, by),
        expected_version(request),
        person_sub,
        body.group_id,
        body.kind.value,
        body.note,
    )
    nudge(request)
    response.headers["ETag"] = etag_of(interests.version)
    response.headers["Location"] = f"interests/people/{person_sub}"
    found = next(d for d in interests.declarations if d.declaration_id == declaration_id)
    return declaration_view(person_sub, found)


def _declare_department(
    request: Request, response: Response, person_sub: str, body: DepartmentDeclarationRequest, by: Principal
) -> Any:
    app = org_app(request)
    interests, declaration_id = app.declare_department_interest(
        actor_of(request, by), expected_version(request), person_sub, body.department_id, body.kind.value, body.note
    )
    nudge(request)
    response.headers["ETag"] = etag_of(interests.version)
    response.headers["Location"] = f"interests/people/{person_sub}"
    found = next(d for d in interests.department_declarations if d.declaration_id == declaration_id)
    return department_declaration_view(person_sub, found)


def _withdraw(
    request: Request, response: Response, person_sub: str, declaration_id: UUID, body: WithdrawalRequest, by: Principal
) -> Any:
    app = org_app(request)
    interests = app.withdraw_interest(
        actor_of(request, by), expected_version(request), person_sub, declaration_id, body.reason
    )
    nudge(request)
    response.headers["ETag"] = etag_of(interests.version)
    return person_view(person_sub, interests)


@router.post("/me", status_code=201, response_model=DeclarationView, summary="Declare one's own interest (申告)")
def declare_own(body: DeclarationRequest, request: Request, response: Response, principal: CurrentPrincipal) -> Any:
    return _declare(request, response, principal.sub, body, principal)


@router.post(
    "/me/departments",
    status_code=201,
    response_model=DepartmentDeclarationView,
    summary="Declare one's own interest in a department (部署との利害関係の申告)",
)
def declare_own_department(
    body: DepartmentDeclarationRequest, request: Request, response: Response, principal: CurrentPrincipal
) -> Any:
    return _declare_department(request, response, principal.sub, body, principal)


@router.post(
    "/me/{declaration_id}/withdrawal",
    response_model=PersonInterests,
    summary="Withdraw one's own declaration (a group's or a department's)",
)
def withdraw_own(
    declaration_id: UUID, body: WithdrawalRequest, request: Request, response: Response, principal: CurrentPrincipal
) -> Any:
    return _withdraw(request, response, principal.sub, declaration_id, body, principal)


@router.post(
    "/people/{person_sub}",
    status_code=201,
    response_model=DeclarationView,
    summary="Record a declaration on a person's behalf (代理登録)",
)
def declare_on_behalf(
    person_sub: SubPath, body: DeclarationRequest, request: Request, response: Response, principal: Coordinator
) -> Any:
    return _declare(request, response, person_sub, body, principal)


@router.post(
    "/people/{person_sub}/departments",
    status_code=201,
    response_model=DepartmentDeclarationView,
    summary="Record a declaration about a department on a person's behalf (代理登録)",
)
def declare_department_on_behalf(
    person_sub: SubPath,
    body: DepartmentDeclarationRequest,
    request: Request,
    response: Response,
    principal: Coordinator,
) -> Any:
    return _declare_department(request, response, person_sub, body, principal)


@router.post(
    "/people/{person_sub}/{declaration_id}/withdrawal",
    response_model=PersonInterests,
    summary="Record a withdrawal on a person's behalf (a group's or a department's)",
)
def withdraw_on_behalf(
    person_sub: SubPath,
    declaration_id: UUID,
    body: WithdrawalRequest,
    request: Request,
    response: Response,
    principal: Coordinator,
) -> Any:
    return _withdraw(request, response, person_sub, declaration_id, body, principal)


@router.get("/people/{person_sub}", response_model=PersonInterests, summary="A person's declarations (public)")
def of_person(person_sub: SubPath, request: Request, response: Response) -> Any:
    interests = org_app(request).interests_of(person_sub)
    response.headers["ETag"] = etag_of(interests.version if interests is not None else 0)
    return person_view(person_sub, interests)


@router.get(
    "/groups/{group_id}",
    response_model=GroupInterests,
    responses=LINK_HEADER,
    summary="Declarations about a group (public)",
)
def about_group(group_id: UUID, request: Request, response: Response, paging: Paging) -> Any:
    found = org_app(request).interests_in(group_id)
    page = [declaration_view(sub, d) for sub, d in found[paging.offset : paging.offset + paging.limit]]
    return paginated(request, response, paging, GroupInterests, page, len(found))


@router.get(
    "/departments/{department_id}",
    response_model=DepartmentInterests,
    responses=LINK_HEADER,
    summary="Declarations about a department (public)",
)
def about_department(department_id: UUID, request: Request, response: Response, paging: Paging) -> Any:
    found = org_app(request).interests_in_department(department_id)
    page = [department_declaration_view(sub, d) for sub, d in found[paging.offset : paging.offset + paging.limit]]
    return paginated(request, response, paging, DepartmentInterests, page, len(found))
