"""Proposals HTTP routes for calls: draft, revise, publish, amend, cancel, read and list. Each route parses,
calls one method of the application, and renders — a command from what it read before its save (`followed`).

The list follows the kernel's convention (`kyodo_shared.web.pagination`): `page`/`per_page`, `total` in the
body, `Link` headers to the other pages.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import Request, Response

from kyodo_proposals.routing import Anyone, Coordinator, application, call_view, done, followed
from kyodo_proposals.schemas import Amendment, CallDraft, CallPage, CallSummary, CallView, Reason
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.web.pagination import LINK_HEADER, Paging, paginated
from kyodo_shared.web.routes import actor_of, etag_of, expected_version, service_router

router = service_router(prefix="/calls", tags=["calls"])


@router.post("", status_code=201, response_model=CallView, summary="Draft a call for proposals (募集の作成)")
def draft(body: CallDraft, request: Request, response: Response, principal: Coordinator) -> Any:
    spec = body.spec(TOKYO)
    decision = followed(request, spec=spec)
    call = application(request).draft_call(actor_of(request, principal), spec)
    response.headers["Location"] = f"calls/{call.id}"
    return done(request, response, call, decision, 201)


@router.put("/{call_id}", response_model=CallView, summary="Revise a draft")
def revise(call_id: UUID, body: CallDraft, request: Request, response: Response, principal: Coordinator) -> Any:
    spec = body.spec(TOKYO)
    decision = followed(request, spec=spec)
    call = application(request).revise_call(actor_of(request, principal), expected_version(request), call_id, spec)
    return done(request, response, call, decision)


@router.post("/{call_id}/publication", response_model=CallView, summary="Publish: the board is fixed now (公告)")
def publish(call_id: UUID, request: Request, response: Response, principal: Coordinator) -> Any:
    decision = followed(request, call_id=call_id)
    call = application(request).publish(actor_of(request, principal), expected_version(request), call_id)
    return done(request, response, call, decision)


@router.post("/{call_id}/amendments", response_model=CallView, summary="Amend before the deadline, with a reason")
def amend(call_id: UUID, body: Amendment, request: Request, response: Response, principal: Coordinator) -> Any:
    decision = followed(request, call_id=call_id)
    call = application(request).amend(
        actor_of(request, principal),
        expected_version(request),
        call_id,
        body.changes(),
        body.reason,
        body.deadline,
        body.board,
    )
    return done(request, response, call, decision)


@router.post("/{call_id}/cancellation", response_model=CallView, summary="Cancel the call, with a reason")
def cancel(call_id: UUID, body: Reason, request: Request, response: Response, principal: Coordinator) -> Any:
    decision = followed(request, call_id=call_id)
    call = application(request).cancel(actor_of(request, principal), expected_version(request), call_id, body.reason)
    return done(request, response, call, decision)


@router.get(
    "",
    response_model=CallPage,
    responses=LINK_HEADER,
    summary="Calls, nearest deadline first: published ones for everyone, drafts too for coordinators",
)
def calls(request: Request, response: Response, principal: Anyone, paging: Paging) -> Any:
    items, total = application(request).find_calls(principal, paging.offset, paging.limit)
    summaries = [CallSummary(id=i.call_id, **{k: v for k, v in vars(i).items() if k != "call_id"}) for i in items]
    return paginated(request, response, paging, CallPage, summaries, total)


@router.get("/{call_id}", response_model=CallView, summary="One call, with its rules and amendments")
def get_call(call_id: UUID, request: Request, response: Response, principal: Anyone) -> Any:
    app = application(request)
    call = app.read_call(principal, call_id)
    response.headers["ETag"] = etag_of(call.version)
    return call_view(app, call)
