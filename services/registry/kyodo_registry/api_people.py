"""Registry HTTP routes for who acts for a group: delegated contacts and the handover of the representative."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response

from kyodo_registry.routing import (
    application,
    done,
    load_for_update,
    require_no_interest,
    require_representative,
    run,
    trace,
)
from kyodo_registry.schemas import ContactRequest, GroupView, HandoverDecision, HandoverProposal, Person
from kyodo_shared.web.app import requires
from kyodo_shared.web.auth import Principal, Role

router = APIRouter(prefix="/groups", tags=["representation"])

Group = Annotated[Principal, Depends(requires(Role.GROUP))]
Coordinator = Annotated[Principal, Depends(requires(Role.COORDINATOR))]
PERSON_FIELDS = {"name", "email", "phone"}


@router.post("/{group_id}/contacts", response_model=GroupView, status_code=201, summary="Add a delegated contact")
async def add_contact(
    group_id: UUID, body: ContactRequest, request: Request, response: Response, principal: Group
) -> Any:
    group = await load_for_update(request, group_id)
    require_representative(group, principal)
    person = body.model_dump(mode="json", include=PERSON_FIELDS)
    group = await run(
        application(request).add_contact,
        group_id,
        body.sub,
        person,
        principal.sub,
        trace(request, principal),
        group.version,
    )
    return done(request, response, group, 201)


@router.post(
    "/{group_id}/contacts/{contact_sub}/removal", response_model=GroupView, summary="Remove a delegated contact"
)
async def remove_contact(
    group_id: UUID, contact_sub: str, request: Request, response: Response, principal: Group
) -> Any:
    group = await load_for_update(request, group_id)
    require_representative(group, principal)
    group = await run(
        application(request).update,
        group_id,
        group.version,
        lambda g: g.remove_contact(contact_sub, principal.sub, trace(request, principal)),
    )
    return done(request, response, group)


@router.post("/{group_id}/handover", response_model=GroupView, summary="Propose a new representative (代表者交代)")
async def propose_handover(
    group_id: UUID, body: HandoverProposal, request: Request, response: Response, principal: Group
) -> Any:
    group = await load_for_update(request, group_id)
    group = await run(
        application(request).update,
        group_id,
        group.version,
        lambda g: g.propose_handover(body.new_representative_sub, principal.sub, trace(request, principal)),
    )
    return done(request, response, group)


@router.post(
    "/{group_id}/handover/confirmation", response_model=GroupView, summary="Accept becoming the representative"
)
async def confirm_handover(group_id: UUID, body: Person, request: Request, response: Response, principal: Group) -> Any:
    group = await load_for_update(request, group_id)
    group = await run(
        application(request).confirm_handover,
        group_id,
        principal.sub,
        body.model_dump(mode="json"),
        trace(request, principal),
        group.version,
    )
    return done(request, response, group)


@router.post(
    "/{group_id}/handover/decision",
    response_model=GroupView,
    summary="A coordinator decides the handover, with a reason",
)
async def decide_handover(
    group_id: UUID, body: HandoverDecision, request: Request, response: Response, principal: Coordinator
) -> Any:
    group = await load_for_update(request, group_id)
    require_no_interest(request, group, principal)
    group = await run(
        application(request).decide_handover,
        group_id,
        body.new_representative_sub,
        body.model_dump(mode="json", include=PERSON_FIELDS),
        body.reason,
        principal.sub,
        trace(request, principal),
        group.version,
    )
    return done(request, response, group)
