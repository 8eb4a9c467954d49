"""Portal pages: the group directory (団体一覧) with search and filters, and a group's public page.

The list reads `Portal.groups`, the query of the API's `GET /groups` (search text and field matched
Japanese-normalized), with its filters in a GET form that works without JavaScript. A group's page shows only what
the API publishes: its directory profile, its participation in calls (the published results naming it, as
`/calls/{id}` does) and in collaboration projects (`Evaluations.projects`, as `/collaboration-projects` does), its
register of declared ties in force (関係の登録, `bus.ties`, as the registry publishes it) as a table, and a link to
the registry's public route of its bylaws (the registry keeps the document). No link to the registry's JSON record: a
JSON document is for programs, and the page already shows the ties it holds.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from kyodo_info_hub.api import PortalReads
from kyodo_info_hub.app import DirectoryEntry, Portal
from kyodo_info_hub.bus.ties import ties_of
from kyodo_info_hub.domain import DIRECTORY_STATUSES
from kyodo_info_hub.evaluation import Evaluations, ProjectFilter
from kyodo_info_hub.pages.home import day, listing, localized, when
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router
from kyodo_shared.web.pagination import Paging

router = page_router()
# A group's participation: at most this many calls with results and projects are read for its page.
PARTICIPATION_LIMIT = 200
REGISTRY_API = "/api/registry/groups"


def _group(entry: DirectoryEntry) -> dict[str, Any]:
    return {**vars(entry), "founded": day(entry.founded), "renewal_due": day(entry.renewal_due)}


@router.get("/groups")
def groups(
    request: Request,
    reads: PortalReads,
    paging: Paging,
    q: Annotated[str, Query(max_length=100)] = "",
    field: Annotated[str, Query(max_length=100)] = "",
    area: Annotated[str, Query(max_length=100)] = "",
    status: Annotated[str, Query(pattern=f"^({'|'.join(DIRECTORY_STATUSES)})?$")] = "",
) -> HTMLResponse:
    entries, total = reads.groups(
        offset=paging.offset, limit=paging.limit, query=q, field=field, area=area, status=status
    )
    context = {
        "groups": [_group(e) for e in entries],
        "filters": {"q": q, "field": field, "area": area, "status": status},
        "statuses": DIRECTORY_STATUSES,
        "listing": listing(paging, total),
        "filtered": bool(q or field or area or status),
    }
    return render(request, "portal/groups.html", context)


def _calls_of(request: Request, reads: Portal, group_id: str) -> list[dict[str, Any]]:
    """The calls whose published results name the group's proposals: its rank, score and whether it was selected,
    or that it was set aside (不受理) with the reason."""
    calls, _ = reads.calls("results_published", offset=0, limit=PARTICIPATION_LIMIT)
    found = []
    for call in calls:
        results = call.results or {}
        title = localized(request, call.rules.get("title_ja"), call.rules.get("title_en"))
        for p in results.get("proposals", []):
            if str(p.get("group_id")) == group_id:
                found.append(
                    {
                        "call_id": call.call_id,
                        "title": title,
                        "rank": p.get("rank"),
                        "score": p.get("score"),
                        "selected": bool(p.get("selected")),
                        "set_aside": None,
                    }
                )
        for s in results.get("set_aside", []):
            if str(s.get("group_id")) == group_id:
                found.append(
                    {
                        "call_id": call.call_id,
                        "title": title,
                        "rank": None,
                        "score": None,
                        "selected": False,
                        "set_aside": s.get("reason"),
                    }
                )
    return found


@router.get("/groups/{group_id}")
def group(group_id: str, request: Request, reads: PortalReads) -> HTMLResponse:
    entry = reads.group(group_id)
    if entry is None:
        raise Refusal("group_not_found")
    projects, _ = Evaluations(reads.db).projects(
        ProjectFilter(group_id=entry.group_id), offset=0, limit=PARTICIPATION_LIMIT
    )
    context = {
        "group": _group(entry),
        "calls": _calls_of(request, reads, entry.group_id),
        "projects": [
            {
                **vars(p),
                "title": localized(request, p.title_ja, None),
                "department": localized(request, p.department_name_ja, p.department_name_en),
            }
            for p in projects
        ],
        "ties": [{**vars(t), "declared_at": when(t.declared_at)} for t in ties_of(reads.db, entry.group_id)],
        "bylaws_url": f"{REGISTRY_API}/{entry.group_id}/bylaws",
    }
    return render(request, "portal/group.html", context)
