"""Proposals HTTP routes for calls: draft, revise, publish, amend, cancel, read and list."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response

from kyodo_proposals.app import TOKYO
from kyodo_proposals.domain import DRAFT, Call
from kyodo_proposals.http import app_of, run, trace
from kyodo_proposals.index import list_calls
from kyodo_proposals.schemas import Amendment, CallDraft, CallPage, CallSummary, CallView, Reason
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.web.app import etag_of, optional_principal, require_if_match, requires
from kyodo_shared.web.auth import Principal, Role

router = APIRouter(prefix="/calls", tags=["calls"])
Coordinator = Annotated[Principal, Depends(requires(Role.COORDINATOR))]
PUBLIC_STATUSES = ("published", "closed", "in_review", "decided", "results_published", "cancelled")


def _view(call: Call) -> CallView:
    return CallView(
        id=call.id,
        version=call.version,
        status=call.status,
        status_reason=call.status_reason,
        rules=call.spec,
        board=call.board,
        chair_sub=call.chair_sub,
        vice_chair_sub=call.vice_chair_sub,
        seed_commitment=call.seed_commitment,
        published_at=call.published_at,
        closed_at=call.closed_at,
        amendments=call.amendments,
    )


def _done(request: Request, response: Response, call: Call, status: int = 200) -> CallView:
    request.app.state.kernel.nudge()
    response.headers["ETag"] = etag_of(call.version)
    response.status_code = status
    return _view(call)


async def _for_update(request: Request, call_id: UUID) -> Call:
    call = await run(app_of(request).get_call, call_id)
    require_if_match(request, call.version)
    return call


@router.post("", status_code=201, response_model=CallView, summary="Draft a call for proposals (募集の作成)")
async def draft(body: CallDraft, request: Request, response: Response, principal: Coordinator) -> Any:
    app = app_of(request)
    call = await run(
        app.draft_call,
        uuid.uuid4(),
        body.spec(TOKYO, app.minimum_extension_days),
        principal.sub,
        trace(request, principal),
    )
    response.headers["Location"] = f"calls/{call.id}"
    return _done(request, response, call, 201)


@router.put("/{call_id}", response_model=CallView, summary="Revise a draft")
async def revise(call_id: UUID, body: CallDraft, request: Request, response: Response, principal: Coordinator) -> Any:
    call = await _for_update(request, call_id)
    spec = body.spec(TOKYO, app_of(request).minimum_extension_days)
    call = await run(
        app_of(request).update,
        call_id,
        call.version,
        lambda c: c.revise_draft(spec, principal.sub, trace(request, principal)),
    )
    return _done(request, response, call)


@router.post("/{call_id}/publication", response_model=CallView, summary="Publish: the board is fixed now (公告)")
async def publish(call_id: UUID, request: Request, response: Response, principal: Coordinator) -> Any:
    call = await _for_update(request, call_id)
    call = await run(app_of(request).publish, call_id, call.version, principal.sub, trace(request, principal))
    return _done(request, response, call)


@router.post("/{call_id}/amendments", response_model=CallView, summary="Amend before the deadline, with a reason")
async def amend(call_id: UUID, body: Amendment, request: Request, response: Response, principal: Coordinator) -> Any:
    call = await _for_update(request, call_id)
    call = await run(
        app_of(request).amend,
        call_id,
        call.version,
        body.changes(),
        body.reason,
        body.deadline.astimezone(TOKYO),
        principal.sub,
        trace(request, principal),
        body.board,
    )
    return _done(request, response, call)


@router.post("/{call_id}/cancellation", response_model=CallView, summary="Cancel the call, with a reason")
async def cancel(call_id: UUID, body: Reason, request: Request, response: Response, principal: Coordinator) -> Any:
    call = await _for_update(request, call_id)
    call = await run(
        app_of(request).cancel, call_id, call.version, body.reason, principal.sub, trace(request, principal)
    )
    return _done(request, response, call)


@router.get("", response_model=CallPage, summary="Calls: published ones for everyone, drafts for coordinators")
async def calls(
    request: Request,
    principal: Annotated[Principal | None, Depends(optional_principal)],
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Any:
    coordinator = principal is not None and principal.has(Role.COORDINATOR)
    statuses = (DRAFT, *PUBLIC_STATUSES) if coordinator else PUBLIC_STATUSES
    items, total = await run(list_calls, request.app.state.kernel.db, statuses, offset, limit)
    summaries = [CallSummary(id=i.call_id, **{k: v for k, v in vars(i).items() if k != "call_id"}) for i in items]
    return CallPage(items=summaries, total=total, offset=offset, limit=limit)


@router.get("/{call_id}", response_model=CallView, summary="One call, with its rules and amendments")
async def get_call(
    call_id: UUID,
    request: Request,
    response: Response,
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Any:
    call = await run(app_of(request).get_call, call_id)
    if call.status == DRAFT and not (principal is not None and principal.has(Role.COORDINATOR)):
        raise Refusal("call_not_found")
    response.headers["ETag"] = etag_of(call.version)
    return _view(call)
