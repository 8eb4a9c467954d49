"""Registry HTTP routes: apply for registration, read an application, assess a criterion."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from kyodo_registry.app import RegistryApplication, StaleVersion
from kyodo_registry.domain import Group, RegistryError
from kyodo_shared.auth import Principal, Role, require_role
from kyodo_shared.contracts.registry import Criterion
from kyodo_shared.problems import Problem
from kyodo_shared.web import CurrentPrincipal, etag_of, require_if_match, requires

router = APIRouter(prefix="/groups", tags=["groups"])

Text = Annotated[str, Field(min_length=1, max_length=2000)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Representative(_Strict):
    """Personal data of the group's representative (代表者): kept inside the registry, never published."""

    name: ShortText
    email: EmailStr
    phone: Annotated[str, Field(pattern=r"^\+?[0-9][0-9\-]{6,19}$")]


class Declaration(_Strict):
    evidence: Text


class ApplicationRequest(_Strict):
    """An application for registration as a civic activity group (市民活動団体登録申請)."""

    name: ShortText
    purpose: Text
    fields_of_activity: Annotated[list[ShortText], Field(min_length=1, max_length=20)]
    area: ShortText
    representative: Representative
    criteria: dict[Criterion, Declaration] = Field(description="Evidence for each of the six criteria.")


class AssessmentRequest(_Strict):
    criterion: Criterion
    met: bool
    reason: Text


class AssessmentView(BaseModel):
    met: bool
    reason: str
    assessor_sub: str


class GroupView(BaseModel):
    id: UUID
    version: int
    status: str
    name: str
    purpose: str
    fields_of_activity: list[str]
    area: str
    representative_sub: str
    representative: dict[str, str] | None = None
    representative_erased: bool = False
    declarations: dict[str, str]
    assessments: dict[str, AssessmentView]


def _view(group: Group, app: RegistryApplication, *, with_personal_data: bool) -> GroupView:
    representative = app.representative_of(group) if with_personal_data else None
    return GroupView(
        id=group.id,
        version=group.version,
        status=group.status,
        name=group.profile["name"],
        purpose=group.profile["purpose"],
        fields_of_activity=group.profile["fields_of_activity"],
        area=group.profile["area"],
        representative_sub=group.representative_sub,
        representative=representative,
        representative_erased=with_personal_data and representative is None,
        declarations=group.declarations,
        assessments={k: AssessmentView(**v) for k, v in group.assessments.items()},
    )


def _app(request: Request) -> RegistryApplication:
    app: RegistryApplication = request.app.state.kernel.application
    return app


def _trace(request: Request, principal: Principal) -> dict[str, str]:
    return {
        "correlation_id": request.state.correlation_id,
        "causation_id": str(uuid.uuid4()),
        "actor": principal.sub,
    }


def _problem(error: RegistryError) -> Problem:
    status = {"group_not_found": 404, "criteria_not_declared": 422, "unknown_criterion": 422}.get(error.code, 409)
    return Problem(status, error.code, error.message_ja, error.message_en)


@router.post("", status_code=201, response_model=GroupView, summary="Apply for registration (登録申請)")
async def apply(
    body: ApplicationRequest,
    request: Request,
    response: Response,
    principal: Annotated[Principal, Depends(requires(Role.GROUP))],
) -> Any:
    profile = {
        "name": body.name,
        "purpose": body.purpose,
        "fields_of_activity": list(body.fields_of_activity),
        "area": body.area,
    }
    declarations = {c.value: d.evidence for c, d in body.criteria.items()}
    try:
        group = await asyncio.to_thread(
            _app(request).apply_for_registration,
            uuid.uuid4(),
            profile,
            principal.sub,
            body.representative.model_dump(mode="json"),
            declarations,
            _trace(request, principal),
        )
    except RegistryError as error:
        raise _problem(error) from None
    request.app.state.kernel.nudge()
    response.headers["ETag"] = etag_of(group.version)
    response.headers["Location"] = f"groups/{group.id}"
    return _view(group, _app(request), with_personal_data=True)


@router.get("/{group_id}", response_model=GroupView, summary="Read an application or registered group")
async def get_group(group_id: UUID, request: Request, response: Response, principal: CurrentPrincipal) -> Any:
    try:
        group = await asyncio.to_thread(_app(request).get_group, group_id)
    except RegistryError as error:
        raise _problem(error) from None
    is_representative = principal.sub == group.representative_sub
    if not (is_representative or principal.has(Role.COORDINATOR)):
        require_role(principal, Role.COORDINATOR)
    response.headers["ETag"] = etag_of(group.version)
    return _view(group, _app(request), with_personal_data=True)


@router.post("/{group_id}/assessments", response_model=GroupView, summary="Assess one criterion (基準の審査)")
async def assess(
    group_id: UUID,
    body: AssessmentRequest,
    request: Request,
    response: Response,
    principal: Annotated[Principal, Depends(requires(Role.COORDINATOR))],
) -> Any:
    application = _app(request)
    try:
        group = await asyncio.to_thread(application.get_group, group_id)
    except RegistryError as error:
        raise _problem(error) from None
    require_if_match(request, group.version)
    if group.representative_sub == principal.sub:
        # Facts such as "represents group G" come from the registry's own data, never from the token.
        raise Problem(
            403,
            "conflict_of_interest",
            "利害関係があるため審査できません",
            "Conflict of interest",
            detail_ja="自らが代表する団体の申請は審査できません。",
            detail_en="You cannot assess a group you represent.",
        )
    try:
        group = await asyncio.to_thread(
            application.assess,
            group_id,
            body.criterion.value,
            body.met,
            body.reason,
            principal.sub,
            _trace(request, principal),
            group.version,
        )
    except StaleVersion:
        raise Problem(412, "precondition_failed", "他の更新と競合しました", "The resource has changed") from None
    except RegistryError as error:
        raise _problem(error) from None
    request.app.state.kernel.nudge()
    response.headers["ETag"] = etag_of(group.version)
    return _view(group, _app(request), with_personal_data=True)
