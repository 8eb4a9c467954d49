"""Registry HTTP routes for a group's life after applying: profile, bylaws, ties, renewal, suspension,
reinstatement and dissolution.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response

from kyodo_registry.routing import (
    application,
    done,
    load_for_update,
    require_acting,
    require_no_interest,
    require_representative,
    run,
    trace,
)
from kyodo_registry.schemas import (
    BylawsUpload,
    GroupView,
    ProfileFields,
    Reason,
    RenewalRequest,
    TieRequest,
)
from kyodo_shared.web.app import requires
from kyodo_shared.web.auth import Principal, Role

router = APIRouter(prefix="/groups", tags=["group life"])

Group = Annotated[Principal, Depends(requires(Role.GROUP))]
Coordinator = Annotated[Principal, Depends(requires(Role.COORDINATOR))]
GroupOrCoordinator = Annotated[Principal, Depends(requires(Role.GROUP, Role.COORDINATOR))]


@router.put("/{group_id}/profile", response_model=GroupView, summary="Update the public profile")
async def update_profile(
    group_id: UUID, body: ProfileFields, request: Request, response: Response, principal: Group
) -> Any:
    group = await load_for_update(request, group_id)
    require_acting(group, principal)
    profile = body.profile()
    group = await run(
        application(request).update,
        group_id,
        group.version,
        lambda g: g.update_profile(profile, principal.sub, trace(request, principal)),
    )
    return done(request, response, group)


@router.put("/{group_id}/bylaws", response_model=GroupView, summary="File changed bylaws (re-opens criteria 5, 6)")
async def change_bylaws(
    group_id: UUID, body: BylawsUpload, request: Request, response: Response, principal: Group
) -> Any:
    group = await load_for_update(request, group_id)
    require_acting(group, principal)
    group = await run(
        application(request).change_bylaws,
        group_id,
        body.document(),
        principal.sub,
        trace(request, principal),
        group.version,
    )
    return done(request, response, group)


@router.post("/{group_id}/ties", response_model=GroupView, status_code=201, summary="Declare a tie (re-opens 5, 6)")
async def declare_tie(group_id: UUID, body: TieRequest, request: Request, response: Response, principal: Group) -> Any:
    group = await load_for_update(request, group_id)
    require_acting(group, principal)
    tie = {
        "tie_id": str(uuid.uuid4()),
        **body.model_dump(mode="json"),
        "declared_on": application(request).today().isoformat(),
        "withdrawn": False,
    }
    group = await run(
        application(request).update,
        group_id,
        group.version,
        lambda g: g.declare_tie(tie, principal.sub, trace(request, principal)),
    )
    return done(request, response, group, 201)


@router.post("/{group_id}/ties/{tie_id}/withdrawal", response_model=GroupView, summary="End a declared tie")
async def withdraw_tie(
    group_id: UUID, tie_id: UUID, body: Reason, request: Request, response: Response, principal: Group
) -> Any:
    group = await load_for_update(request, group_id)
    require_acting(group, principal)
    group = await run(
        application(request).update,
        group_id,
        group.version,
        lambda g: g.withdraw_tie(str(tie_id), body.reason, principal.sub, trace(request, principal)),
    )
    return done(request, response, group)


@router.post("/{group_id}/renewal", response_model=GroupView, summary="Renew the registration (登録更新)")
async def renew(group_id: UUID, body: RenewalRequest, request: Request, response: Response, principal: Group) -> Any:
    group = await load_for_update(request, group_id)
    require_acting(group, principal)
    group = await run(
        application(request).renew,
        group_id,
        body.model_dump(mode="json"),
        principal.sub,
        trace(request, principal),
        group.version,
    )
    return done(request, response, group)


@router.post("/{group_id}/suspension", response_model=GroupView, summary="Suspend the registration, with a reason")
async def suspend(group_id: UUID, body: Reason, request: Request, response: Response, principal: Coordinator) -> Any:
    group = await load_for_update(request, group_id)
    require_no_interest(request, group, principal)
    group = await run(
        application(request).update,
        group_id,
        group.version,
        lambda g: g.suspend(body.reason, principal.sub, trace(request, principal)),
    )
    return done(request, response, group)


@router.post("/{group_id}/reinstatement", response_model=GroupView, summary="Reinstate a suspended registration")
async def reinstate(group_id: UUID, body: Reason, request: Request, response: Response, principal: Coordinator) -> Any:
    group = await load_for_update(request, group_id)
    group = await run(
        application(request).reinstate, group_id, body.reason, principal.sub, trace(request, principal), group.version
    )
    return done(request, response, group)


@router.post("/{group_id}/dissolution", response_model=GroupView, summary="Record the group's dissolution (解散)")
async def dissolve(
    group_id: UUID, body: Reason, request: Request, response: Response, principal: GroupOrCoordinator
) -> Any:
    group = await load_for_update(request, group_id)
    # The representative dissolves the group (contacts may not), or a coordinator with no interest in it.
    if principal.has(Role.COORDINATOR) and principal.sub != group.representative_sub:
        require_no_interest(request, group, principal)
    else:
        require_representative(group, principal)
    group = await run(
        application(request).update,
        group_id,
        group.version,
        lambda g: g.dissolve(body.reason, principal.sub, trace(request, principal)),
    )
    return done(request, response, group)
