"""Registry HTTP routes for applications: apply, list and search, read, assess, ask for and give information,
re-apply, and the bylaws document.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response

from kyodo_registry.domain import DISSOLVED, LAPSED, REGISTERED, SUSPENDED
from kyodo_registry.index import search
from kyodo_registry.routing import (
    application,
    done,
    is_staff_reader,
    load_for_update,
    public_view,
    require_acting,
    require_no_interest,
    run,
    trace,
    view,
)
from kyodo_registry.schemas import (
    ApplicationRequest,
    AssessmentRequest,
    GroupPage,
    GroupSummary,
    GroupView,
    InformationAnswer,
    InformationRequest,
    PublicGroupView,
    ReapplicationRequest,
)
from kyodo_shared.web.app import etag_of, optional_principal, requires
from kyodo_shared.web.auth import Principal, Role
from kyodo_shared.web.problems import Problem

router = APIRouter(prefix="/groups", tags=["groups"])

# What anyone may list: groups that are or were registered (applications and dissolved groups are not listed).
PUBLIC_STATUSES = (REGISTERED, LAPSED, SUSPENDED)
ALL_STATUSES = ("under_review", "information_requested", REGISTERED, "rejected", LAPSED, SUSPENDED, DISSOLVED)


@router.post("", status_code=201, response_model=GroupView, summary="Apply for registration (登録申請)")
async def apply(
    body: ApplicationRequest,
    request: Request,
    response: Response,
    principal: Annotated[Principal, Depends(requires(Role.GROUP))],
) -> Any:
    today = application(request).today().isoformat()
    ties = [
        {"tie_id": str(uuid.uuid4()), **t.model_dump(mode="json"), "declared_on": today, "withdrawn": False}
        for t in body.ties
    ]
    group = await run(
        application(request).apply_for_registration,
        uuid.uuid4(),
        body.profile(),
        principal.sub,
        body.representative.model_dump(mode="json"),
        {c.value: d.evidence for c, d in body.criteria.items()},
        body.bylaws.document(),
        ties,
        trace(request, principal),
    )
    response.headers["Location"] = f"groups/{group.id}"
    return done(request, response, group, 201)


@router.get("", response_model=GroupPage, summary="List and search groups (団体の検索)")
async def list_groups(
    request: Request,
    principal: Annotated[Principal | None, Depends(optional_principal)],
    status: Annotated[str | None, Query(description="A status; coordinators may list any.")] = None,
    field: Annotated[str, Query(max_length=100, description="A field of activity (分野).")] = "",
    area: Annotated[str, Query(max_length=100)] = "",
    q: Annotated[str, Query(max_length=100, description="Text, Japanese-normalized.")] = "",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Any:
    visible = ALL_STATUSES if is_staff_reader(principal) else PUBLIC_STATUSES
    if status is not None and status not in visible:
        raise Problem(
            422,
            "validation_failed",
            "入力内容に誤りがあります",
            "The request is not valid",
            errors=[{"field": "status", "reason_ja": "指定できない状態です", "reason_en": "not a listable status"}],
        )
    statuses = (status,) if status else visible
    items, total = await run(
        lambda: search(
            request.app.state.kernel.db, statuses=statuses, field=field, area=area, query=q, offset=offset, limit=limit
        )
    )
    return GroupPage(
        items=[GroupSummary(id=g.group_id, **{k: v for k, v in g.__dict__.items() if k != "group_id"}) for g in items],
        total=total,
        offset=offset,
        limit=limit,
    )


@router.get(
    "/{group_id}",
    response_model=GroupView | PublicGroupView,
    summary="Read a group: the full record for its people and coordinators, the public profile for others",
)
async def get_group(
    group_id: UUID,
    request: Request,
    response: Response,
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Any:
    group = await run(application(request).get_group, group_id)
    response.headers["ETag"] = etag_of(group.version)
    if principal is not None and (group.acts_for(principal.sub) or principal.has(Role.COORDINATOR)):
        return view(group, application(request))
    if group.status not in PUBLIC_STATUSES:
        # Applications and dissolved groups are not public: answered as if absent.
        raise Problem(404, "group_not_found", "団体が見つかりません", "Group not found")
    return public_view(group)


@router.get("/{group_id}/bylaws", summary="The bylaws document (会則) as filed")
async def get_bylaws(
    group_id: UUID, request: Request, principal: Annotated[Principal | None, Depends(optional_principal)]
) -> Response:
    group = await run(application(request).get_group, group_id)
    own = principal is not None and (group.acts_for(principal.sub) or principal.has(Role.COORDINATOR))
    if not own and group.status not in PUBLIC_STATUSES:
        raise Problem(404, "group_not_found", "団体が見つかりません", "Group not found")
    sha256 = str(group.bylaws["sha256"])
    content = await run(application(request).document, sha256)
    if content is None:
        raise Problem(404, "document_not_found", "文書が見つかりません", "Document not found")
    return Response(
        content,
        media_type=str(group.bylaws["media_type"]),
        headers={"Digest": f"sha-256={sha256}", "ETag": f'"{sha256}"', "X-Content-Type-Options": "nosniff"},
    )


@router.post("/{group_id}/assessments", response_model=GroupView, summary="Assess one criterion (基準の審査)")
async def assess(
    group_id: UUID,
    body: AssessmentRequest,
    request: Request,
    response: Response,
    principal: Annotated[Principal, Depends(requires(Role.COORDINATOR))],
) -> Any:
    group = await load_for_update(request, group_id)
    require_no_interest(request, group, principal)
    group = await run(
        application(request).assess,
        group_id,
        body.criterion.value,
        body.met,
        body.reason,
        principal.sub,
        trace(request, principal),
        group.version,
    )
    return done(request, response, group)


@router.post("/{group_id}/information-requests", response_model=GroupView, summary="Ask the group for more information")
async def request_information(
    group_id: UUID,
    body: InformationRequest,
    request: Request,
    response: Response,
    principal: Annotated[Principal, Depends(requires(Role.COORDINATOR))],
) -> Any:
    group = await load_for_update(request, group_id)
    require_no_interest(request, group, principal)
    criteria = [c.value for c in body.criteria]
    group = await run(
        application(request).update,
        group_id,
        group.version,
        lambda g: g.request_information(criteria, body.question, principal.sub, trace(request, principal)),
    )
    return done(request, response, group)


@router.post("/{group_id}/information", response_model=GroupView, summary="Answer a request for information")
async def provide_information(
    group_id: UUID,
    body: InformationAnswer,
    request: Request,
    response: Response,
    principal: Annotated[Principal, Depends(requires(Role.GROUP))],
) -> Any:
    group = await load_for_update(request, group_id)
    require_acting(group, principal)
    evidence = {c.value: d.evidence for c, d in body.evidence.items()}
    group = await run(
        application(request).update,
        group_id,
        group.version,
        lambda g: g.provide_information(body.answer, evidence, principal.sub, trace(request, principal)),
    )
    return done(request, response, group)


@router.post("/{group_id}/reapplication", response_model=GroupView, summary="Apply again after a rejection (再申請)")
async def reapply(
    group_id: UUID,
    body: ReapplicationRequest,
    request: Request,
    response: Response,
    principal: Annotated[Principal, Depends(requires(Role.GROUP))],
) -> Any:
    group = await load_for_update(request, group_id)
    require_acting(group, principal)
    group = await run(
        application(request).reapply,
        group_id,
        body.profile(),
        {c.value: d.evidence for c, d in body.criteria.items()},
        body.bylaws.document(),
        principal.sub,
        trace(request, principal),
        group.version,
    )
    return done(request, response, group)
