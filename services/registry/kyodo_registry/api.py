"""Registry HTTP routes for applications: apply, list and search, read, assess, ask for and give information,
re-apply, and the bylaws document. Each route parses, calls one method of the application, and renders.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Query, Request, Response
from fastapi.exceptions import RequestValidationError

from kyodo_registry.documents import MEDIA_TYPES
from kyodo_registry.domain import GroupStatus
from kyodo_registry.routing import Anyone, CoordinatorRole, GroupRole, application, done, public_view, view
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
from kyodo_shared.web.pagination import LINK_HEADER, Paging, paginated
from kyodo_shared.web.routes import actor_of, document_responses, etag_of, expected_version, service_router

router = service_router(prefix="/groups", tags=["groups"])


@router.post("", status_code=201, response_model=GroupView, summary="Apply for registration (登録申請)")
def apply(body: ApplicationRequest, request: Request, response: Response, principal: GroupRole) -> Any:
    group = application(request).apply_for_registration(
        actor_of(request, principal),
        body.profile(),
        body.representative.model_dump(mode="json"),
        {c.value: d.evidence for c, d in body.criteria.items()},
        body.bylaws.document(),
        [t.model_dump(mode="json") for t in body.ties],
    )
    response.headers["Location"] = f"groups/{group.id}"
    return done(request, response, group, 201)


@router.get("", response_model=GroupPage, responses=LINK_HEADER, summary="List and search groups (団体の検索)")
def list_groups(
    request: Request,
    response: Response,
    principal: Anyone,
    paging: Paging,
    status: Annotated[str | None, Query(description="A status; coordinators may list any.")] = None,
    field: Annotated[str, Query(max_length=100, description="A field of activity (分野).")] = "",
    area: Annotated[str, Query(max_length=100)] = "",
    q: Annotated[str, Query(max_length=100, description="Text, Japanese-normalized.")] = "",
) -> Any:
    app = application(request)
    if status is not None and status not in app.listable(principal):
        # The same answer as any other invalid parameter: 422 naming the field.
        raise RequestValidationError([{"loc": ("status",), "type": "enum", "msg": "not a listable status"}])
    items, total = app.find_groups(
        principal, GroupStatus(status) if status else None, field, area, q, paging.offset, paging.limit
    )
    summaries = [GroupSummary(id=g.group_id, **{k: v for k, v in vars(g).items() if k != "group_id"}) for g in items]
    return paginated(request, response, paging, GroupPage, summaries, total)


@router.get(
    "/{group_id}",
    response_model=GroupView | PublicGroupView,
    summary="Read a group: the full record for its people and coordinators, the public profile for others",
)
def get_group(group_id: UUID, request: Request, response: Response, principal: Anyone) -> Any:
    record = application(request).read_group(principal, group_id)
    response.headers["ETag"] = etag_of(record.group.version)
    return view(record) if record.full else public_view(record.group)


@router.get(
    "/{group_id}/bylaws",
    response_class=Response,
    responses=document_responses(MEDIA_TYPES),
    summary="The bylaws document (会則) as filed",
)
def get_bylaws(group_id: UUID, request: Request, principal: Anyone) -> Response:
    bylaws = application(request).bylaws(principal, group_id)
    return Response(
        bylaws.content,
        media_type=bylaws.media_type,
        headers={
            "Digest": f"sha-256={bylaws.sha256}",
            "ETag": f'"{bylaws.sha256}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("/{group_id}/assessments", response_model=GroupView, summary="Assess one criterion (基準の審査)")
def assess(
    group_id: UUID, body: AssessmentRequest, request: Request, response: Response, principal: CoordinatorRole
) -> Any:
    group = application(request).assess(
        actor_of(request, principal), expected_version(request), group_id, body.criterion.value, body.met, body.reason
    )
    return done(request, response, group)


@router.post("/{group_id}/information-requests", response_model=GroupView, summary="Ask the group for more information")
def request_information(
    group_id: UUID, body: InformationRequest, request: Request, response: Response, principal: CoordinatorRole
) -> Any:
    group = application(request).request_information(
        actor_of(request, principal),
        expected_version(request),
        group_id,
        [c.value for c in body.criteria],
        body.question,
    )
    return done(request, response, group)


@router.post("/{group_id}/information", response_model=GroupView, summary="Answer a request for information")
def provide_information(
    group_id: UUID, body: InformationAnswer, request: Request, response: Response, principal: GroupRole
) -> Any:
    group = application(request).provide_information(
        actor_of(request, principal),
        expected_version(request),
        group_id,
        body.answer,
        {c.value: d.evidence for c, d in body.evidence.items()},
    )
    return done(request, response, group)


@router.post("/{group_id}/reapplication", response_model=GroupView, summary="Apply again after a rejection (再申請)")
def reapply(
    group_id: UUID, body: ReapplicationRequest, request: Request, response: Response, principal: GroupRole
) -> Any:
    group = application(request).reapply(
        actor_of(request, principal),
        expected_version(request),
        group_id,
        body.profile(),
        {c.value: d.evidence for c, d in body.criteria.items()},
        body.bylaws.document(),
    )
    return done(request, response, group)
