"""info-hub's public routes: the group directory, calls for proposals, and open data. Anyone may read them.

Lists follow the kernel's convention (`kyodo_shared.web.pagination`): `page`/`per_page`, `total` in the body,
`Link` headers to the other pages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from kyodo_info_hub.api_evaluation import CallProjectView, call_project
from kyodo_info_hub.app import DirectoryEntry, Portal, PortalCall
from kyodo_info_hub.domain import CALL_STATUSES, DIRECTORY_STATUSES
from kyodo_info_hub.evaluation import CallProject, Evaluations
from kyodo_info_hub.opendata_results import group_names
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.web.pagination import LINK_HEADER, Page, Paging, paginated
from kyodo_shared.web.routes import service_router


def portal(request: Request) -> Portal:
    return Portal(request.app.state.kernel.db)


PortalReads = Annotated[Portal, Depends(portal)]


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


class GroupPage(Page[GroupEntry]):
    pass


def _group(entry: DirectoryEntry) -> GroupEntry:
    return GroupEntry(id=entry.group_id, **{k: v for k, v in vars(entry).items() if k != "group_id"})


router = service_router(prefix="/groups", tags=["directory"])


@router.get("", response_model=GroupPage, responses=LINK_HEADER, summary="Directory of registered groups (団体一覧)")
def directory(
    request: Request,
    response: Response,
    reads: PortalReads,
    paging: Paging,
    q: Annotated[str, Query(max_length=100, description="Search text; Japanese is normalized.")] = "",
    field: Annotated[str, Query(max_length=100, description="A field of activity (活動分野).")] = "",
    area: Annotated[str, Query(max_length=100, description="Area of activity (活動地域).")] = "",
    status: Annotated[str, Query(pattern=f"^({'|'.join(DIRECTORY_STATUSES)})?$")] = "",
) -> Any:
    entries, total = reads.groups(
        offset=paging.offset, limit=paging.limit, query=q, field=field, area=area, status=status
    )
    return paginated(request, response, paging, GroupPage, [_group(e) for e in entries], total)


@router.get("/{group_id}", response_model=GroupEntry, summary="One registered group")
def group(group_id: str, reads: PortalReads) -> Any:
    entry = reads.group(group_id)
    if entry is None:
        raise Refusal("group_not_found")
    return _group(entry)


GROUP_NAME = (
    "The group's name in the directory (団体一覧), read when answering; null when the group is not in it: "
    "dissolved, or never registered."
)


class ResultEntryView(BaseModel):
    """A proposal of the results as the decision published it (`proposals.call.results_published`), with its group's
    name beside the id."""

    model_config = ConfigDict(extra="allow")  # the contract's other fields, as published

    proposal_id: str
    group_id: str
    group_name: str | None = Field(description=GROUP_NAME)


class RankedProposalView(ResultEntryView):
    """A proposal the board scored: rank, exact score (`n/d`) and `score_display`, criterion means, recusals,
    passes, selected, tie_broken, lottery_key, and each reviewer label's points (`scores`)."""


class SetAsideView(ResultEntryView):
    """A proposal kept from the board at the deadline (不受理), with the `reason` — never its content."""


class CallResultsView(BaseModel):
    model_config = ConfigDict(extra="allow")  # selected, reasons, seed: as published

    proposals: list[RankedProposalView] = Field(description="Every scored proposal, with its group's name.")
    set_aside: list[SetAsideView] = Field(
        default_factory=list, description="Proposals set aside at the deadline, with the reason and the group's name."
    )


def _named(entry: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    return {**entry, "group_name": names.get(str(entry["group_id"]))}


def _results(results: dict[str, Any] | None, names: Mapping[str, str]) -> CallResultsView | None:
    if results is None:
        return None
    return CallResultsView.model_validate(
        {
            **results,
            "proposals": [_named(p, names) for p in results.get("proposals", [])],
            "set_aside": [_named(s, names) for s in results.get("set_aside", [])],
        }
    )


def _group_ids(calls: list[PortalCall]) -> set[str]:
    results = [c.results for c in calls if c.results is not None]
    return {str(e["group_id"]) for r in results for e in [*r.get("proposals", []), *r.get("set_aside", [])]}


class PortalCallView(BaseModel):
    id: str
    status: str = Field(description="open (募集中), closed (締切), results_published (結果公表) or cancelled (中止).")
    status_reason: str
    deadline: str = Field(description="Asia/Tokyo.")
    rules: dict[str, Any] = Field(description="Title, description, criteria with weights and maximum points, etc.")
    amendments: list[dict[str, Any]]
    results: CallResultsView | None = Field(
        description="Published results: scores, means, selected, set-aside proposals with the reason, reasons, seed; "
        "each proposal with its group's name from the directory (`group_name`, null if the group is not in it)."
    )
    collaboration_projects: list[CallProjectView] = Field(
        description="Adopted proposals that became collaboration projects (協働事業), with each project's "
        "recommendation once its evaluation report is published."
    )


class PortalCallPage(Page[PortalCallView]):
    pass


def _portal_call(call: PortalCall, projects: list[CallProject], names: Mapping[str, str]) -> PortalCallView:
    return PortalCallView(
        id=call.call_id,
        **{k: v for k, v in vars(call).items() if k not in ("call_id", "results")},
        results=_results(call.results, names),
        collaboration_projects=[call_project(p) for p in projects],
    )


def _portal_calls(reads: Portal, calls: list[PortalCall]) -> list[PortalCallView]:
    # The results link to the projects the evaluation stream says their adopted proposals became, and name each
    # group as the directory does now (one query for the page).
    projects = Evaluations(reads.db).projects_of_calls([c.call_id for c in calls])
    names = group_names(reads.db, _group_ids(calls))
    return [_portal_call(c, projects.get(c.call_id, []), names) for c in calls]


calls_router = service_router(prefix="/calls", tags=["calls"])


@calls_router.get(
    "",
    response_model=PortalCallPage,
    responses=LINK_HEADER,
    summary="Calls for proposals (募集一覧): open ones unless asked, nearest deadline first",
)
def list_portal_calls(
    request: Request,
    response: Response,
    reads: PortalReads,
    paging: Paging,
    status: Annotated[str, Query(pattern=f"^({'|'.join(CALL_STATUSES)})$")] = "open",
) -> Any:
    calls, total = reads.calls(status, offset=paging.offset, limit=paging.limit)
    return paginated(request, response, paging, PortalCallPage, _portal_calls(reads, calls), total)


@calls_router.get("/{call_id}", response_model=PortalCallView, summary="One call with its criteria and deadline")
def portal_call(call_id: str, reads: PortalReads) -> Any:
    call = reads.call(call_id)
    if call is None:
        raise Refusal("call_not_found")
    return _portal_calls(reads, [call])[0]


open_data = service_router(prefix="/open-data", tags=["open data"])

Service = Annotated[str, Query(pattern=r"^[a-z][a-z0-9-]{0,40}$", description="e.g. registry")]


# Not paged: a verifier (`kyodo audit verify --checkpoints-url`) reads a service's checkpoints in one response.
@open_data.get("/checkpoints", summary="Mirrored signed checkpoints of a service (監査チェックポイント)")
def mirrored_checkpoints(service: Service, reads: PortalReads) -> Any:
    return {"service": service, "items": reads.checkpoints(service)}


@open_data.get("/keys", summary="Checkpoint public keys seen for a service (検証用公開鍵)")
def mirrored_keys(service: Service, reads: PortalReads) -> Any:
    return {"service": service, "keys": reads.keys(service)}


routers = [router, calls_router, open_data]
