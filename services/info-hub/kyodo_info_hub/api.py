"""info-hub public routes: the directory of civic activity groups (JSON, paginated, searchable) and open data."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from kyodo_info_hub import calls, opendata
from kyodo_info_hub.directory import get_group, list_groups
from kyodo_shared.store.db import Database
from kyodo_shared.web.problems import Problem

router = APIRouter(prefix="/groups", tags=["directory"])


class GroupEntry(BaseModel):
    id: str
    name: str
    purpose: str
    fields_of_activity: list[str]
    area: str
    founded: str | None
    members_count: int | None
    website: str | None
    status: str = Field(description="registered, lapsed (更新切れ) or suspended (登録停止).")
    status_reason: str
    renewal_due: str | None
    registered_at: str


class GroupPage(BaseModel):
    items: list[GroupEntry]
    total: int
    page: int
    per_page: int


def _db(request: Request) -> Database:
    db: Database = request.app.state.kernel.db
    return db


@router.get("", response_model=GroupPage, summary="Directory of registered groups (団体一覧)")
async def directory(
    request: Request,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
    q: Annotated[str, Query(max_length=100, description="Search text; Japanese is normalized.")] = "",
    field: Annotated[str, Query(max_length=100, description="A field of activity (活動分野).")] = "",
    area: Annotated[str, Query(max_length=100, description="Area of activity (活動地域).")] = "",
    status: Annotated[str, Query(pattern="^(registered|lapsed|suspended)?$")] = "",
) -> Any:
    entries, total = await asyncio.to_thread(
        lambda: list_groups(
            _db(request),
            offset=(page - 1) * per_page,
            limit=per_page,
            query=q,
            field=field,
            area=area,
            status=status,
        )
    )
    items = [GroupEntry(id=e.group_id, **{k: v for k, v in vars(e).items() if k != "group_id"}) for e in entries]
    return GroupPage(items=items, total=total, page=page, per_page=per_page)


@router.get("/{group_id}", response_model=GroupEntry, summary="One registered group")
async def group(group_id: str, request: Request) -> Any:
    entry = await asyncio.to_thread(get_group, _db(request), group_id)
    if entry is None:
        raise Problem(404, "group_not_found", "団体が見つかりません", "Group not found")
    return GroupEntry(id=entry.group_id, **{k: v for k, v in vars(entry).items() if k != "group_id"})


open_data = APIRouter(prefix="/open-data", tags=["open data"])

Service = Annotated[str, Query(pattern=r"^[a-z][a-z0-9-]{0,40}$", description="e.g. registry")]


@open_data.get("/checkpoints", summary="Mirrored signed checkpoints of a service (監査チェックポイント)")
async def mirrored_checkpoints(request: Request, service: Service) -> Any:
    items = await asyncio.to_thread(opendata.checkpoints, _db(request), service)
    return {"service": service, "items": items}


@open_data.get("/keys", summary="Checkpoint public keys seen for a service (検証用公開鍵)")
async def mirrored_keys(request: Request, service: Service) -> Any:
    return {"service": service, "keys": await asyncio.to_thread(opendata.keys, _db(request), service)}


calls_router = APIRouter(prefix="/calls", tags=["calls"])


class PortalCallView(BaseModel):
    id: str
    status: str = Field(description="open (募集中), closed (締切), results_published (結果公表) or cancelled (中止).")
    status_reason: str
    deadline: str = Field(description="Asia/Tokyo.")
    rules: dict[str, Any] = Field(description="Title, description, criteria with weights and maximum points, etc.")
    amendments: list[dict[str, Any]]
    results: dict[str, Any] | None = Field(description="Published results: scores, means, selected, reasons, seed.")


class PortalCallPage(BaseModel):
    items: list[PortalCallView]
    total: int
    page: int
    per_page: int


def _portal(call: calls.PortalCall) -> PortalCallView:
    return PortalCallView(id=call.call_id, **{k: v for k, v in vars(call).items() if k != "call_id"})


@calls_router.get("", response_model=PortalCallPage, summary="Calls for proposals (募集一覧), open ones first")
async def list_portal_calls(
    request: Request,
    status: Annotated[str, Query(pattern="^(open|closed|results_published|cancelled)$")] = "open",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Any:
    items, total = await asyncio.to_thread(calls.list_calls, _db(request), status, (page - 1) * per_page, per_page)
    return PortalCallPage(items=[_portal(c) for c in items], total=total, page=page, per_page=per_page)


@calls_router.get("/{call_id}", response_model=PortalCallView, summary="One call with its criteria and deadline")
async def portal_call(call_id: str, request: Request) -> Any:
    call = await asyncio.to_thread(calls.get_call, _db(request), call_id)
    if call is None:
        raise Problem(404, "call_not_found", "募集が見つかりません", "Call not found")
    return _portal(call)
