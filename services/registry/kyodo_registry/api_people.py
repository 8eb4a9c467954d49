"""Registry HTTP routes for who acts for a group: delegated contacts and the handover of the representative."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import Request, Response

from kyodo_registry.routing import CoordinatorRole, GroupRole, application, done
from kyodo_registry.schemas import ContactRequest, GroupView, HandoverDecision, HandoverProposal, Person
from kyodo_shared.web.routes import actor_of, expected_version, service_router

router = service_router(prefix="/groups", tags=["representation"])

PERSON_FIELDS = {"name", "email", "phone"}


@router.post("/{group_id}/contacts", response_model=GroupView, status_code=201, summary="Add a delegated contact")
def add_contact(
    group_id: UUID, body: ContactRequest, request: Request, response: Response, principal: GroupRole
) -> Any:
    group = application(request).add_contact(
        actor_of(request, principal),
        expected_version(request),
        group_id,
        body.sub,
        body.model_dump(mode="json", include=PERSON_FIELDS),
    )
    return done(request, response, group, 201)


@router.post(
    "/{group_id}/contacts/{contact_sub}/removal", response_model=GroupView, summary="Remove a delegated contact"
)
def remove_contact(group_id: UUID, contact_sub: str, request: Request, response: Response, principal: GroupRole) -> Any:
    group = application(request).remove_contact(
        actor_of(request, principal), expected_version(request), group_id, contact_sub
    )
    return done(request, response, group)


@router.post("/{group_id}/handover", response_model=GroupView, summary="Propose a new representative (代表者交代)")
def propose_handover(
    group_id: UUID, body: HandoverProposal, request: Request, response: Response, principal: GroupRole
) -> Any:
    group = application(request).propose_handover(
        actor_of(request, principal), expected_version(request), group_id, body.new_representative_sub
    )
    return done(request, response, group)


@router.post(
    "/{group_id}/handover/confirmation", response_model=GroupView, summary="Accept becoming the representative"
)
def confirm_handover(group_id: UUID, body: Person, request: Request, response: Response, principal: GroupRole) -> Any:
    group = application(request).confirm_handover(
        actor_of(request, principal), expected_version(request), group_id, body.model_dump(mode="json")
    )
    return done(request, response, group)


@router.post(
    "/{group_id}/handover/decision",
    response_model=GroupView,
    summary="A coordinator decides the handover, with a reason",
)
def decide_handover(
    group_id: UUID, body: HandoverDecision, request: Request, response: Response, principal: CoordinatorRole
) -> Any:
    group = application(request).decide_handover(
        actor_of(request, principal),
        expected_version(request),
        group_id,
        body.new_representative_sub,
        body.model_dump(mode="json", include=PERSON_FIELDS),
        body.reason,
    )
    return done(request, response, group)
