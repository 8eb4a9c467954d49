"""Registry HTTP routes for a group's life after applying: profile, bylaws, ties, renewal, suspension,
reinstatement and dissolution. Each route parses, calls one method of the application, and renders.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import Request, Response

from kyodo_registry.routing import CoordinatorRole, GroupOrCoordinator, GroupRole, application, done
from kyodo_registry.schemas import BylawsUpload, GroupView, ProfileFields, Reason, RenewalRequest, TieRequest
from kyodo_shared.web.routes import actor_of, expected_version, service_router

router = service_router(prefix="/groups", tags=["group life"])


@router.put("/{group_id}/profile", response_model=GroupView, summary="Update the public profile")
def update_profile(
    group_id: UUID, body: ProfileFields, request: Request, response: Response, principal: GroupRole
) -> Any:
    group = application(request).update_profile(
        actor_of(request, principal), expected_version(request), group_id, body.profile()
    )
    return done(request, response, group)


@router.put("/{group_id}/bylaws", response_model=GroupView, summary="File changed bylaws (re-opens criteria 5, 6)")
def change_bylaws(
    group_id: UUID, body: BylawsUpload, request: Request, response: Response, principal: GroupRole
) -> Any:
    group = application(request).change_bylaws(
        actor_of(request, principal), expected_version(request), group_id, body.document()
    )
    return done(request, response, group)


@router.post("/{group_id}/ties", response_model=GroupView, status_code=201, summary="Declare a tie (re-opens 5, 6)")
def declare_tie(group_id: UUID, body: TieRequest, request: Request, response: Response, principal: GroupRole) -> Any:
    group = application(request).declare_tie(
        actor_of(request, principal), expected_version(request), group_id, body.model_dump(mode="json")
    )
    return done(request, response, group, 201)


@router.post("/{group_id}/ties/{tie_id}/withdrawal", response_model=GroupView, summary="End a declared tie")
def withdraw_tie(
    group_id: UUID, tie_id: UUID, body: Reason, request: Request, response: Response, principal: GroupRole
) -> Any:
    group = application(request).withdraw_tie(
        actor_of(request, principal), expected_version(request), group_id, str(tie_id), body.reason
    )
    return done(request, response, group)


@router.post("/{group_id}/renewal", response_model=GroupView, summary="Renew the registration (登録更新)")
def renew(group_id: UUID, body: RenewalRequest, request: Request, response: Response, principal: GroupRole) -> Any:
    group = application(request).renew(
        actor_of(request, principal), expected_version(request), group_id, body.model_dump(mode="json")
    )
    return done(request, response, group)


@router.post("/{group_id}/suspension", response_model=GroupView, summary="Suspend the registration, with a reason")
def suspend(group_id: UUID, body: Reason, request: Request, response: Response, principal: CoordinatorRole) -> Any:
    group = application(request).suspend(actor_of(request, principal), expected_version(request), group_id, body.reason)
    return done(request, response, group)


@router.post("/{group_id}/reinstatement", response_model=GroupView, summary="Reinstate a suspended registration")
def reinstate(group_id: UUID, body: Reason, request: Request, response: Response, principal: CoordinatorRole) -> Any:
    group = application(request).reinstate(
        actor_of(request, principal), expected_version(request), group_id, body.reason
    )
    return done(request, response, group)


@router.post("/{group_id}/dissolution", response_model=GroupView, summary="Record the group's dissolution (解散)")
def dissolve(group_id: UUID, body: Reason, request: Request, response: Response, principal: GroupOrCoordinator) -> Any:
    group = application(request).dissolve(
        actor_of(request, principal), expected_version(request), group_id, body.reason
    )
    return done(request, response, group)
