"""Portal pages: calls for proposals (募集) — the open calls with their deadlines, those under review and those
decided; one call's rules, criteria and board; and its published results with the groups' names.

The pages read what the API publishes (`api.py`'s `calls_router`: the `portal_calls` read model through `Portal`,
and `Evaluations.projects_of_calls`), and name each group from the directory the way the open data's `call-results`
does: a group not in the directory (dissolved, or never registered) is said to be so, never shown as a bare id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from kyodo_info_hub.api import portal
from kyodo_info_hub.app import PortalCall
from kyodo_info_hub.domain import CALL_STATUSES
from kyodo_info_hub.evaluation import Evaluations
from kyodo_info_hub.opendata_results import group_names
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router
from kyodo_shared.web.pagination import Paging

router = page_router()

# The list's sections, in the order a reader looks for them: open, under review (closed), decided.
SECTIONS = ("open", "closed", "results_published")
SECTION_SIZE = 20


@dataclass(frozen=True)
class CallItem:
    call: PortalCall
    deadline: datetime


def _item(call: PortalCall) -> CallItem:
    return CallItem(call, datetime.fromisoformat(call.deadline))


@router.get("/calls")
def calls(
    request: Request,
    paging: Paging,
    status: Annotated[str | None, Query(pattern=f"^({'|'.join(CALL_STATUSES)})$")] = None,
) -> HTMLResponse:
    """Without `status`: a section per state with its first calls; with it, that state's calls page by page."""
    reads = portal(request)
    sections: list[dict[str, Any]] = []
    for state in (status,) if status else SECTIONS:
        offset, limit = (paging.offset, paging.limit) if status else (0, SECTION_SIZE)
        found, total = reads.calls(state, offset=offset, limit=limit)
        sections.append({"status": state, "items": [_item(c) for c in found], "total": total})
    listing = {"page": paging.page, "per_page": paging.per_page, "total": sections[0]["total"] if status else 0}
    return render(request, "portal/calls.html", {"sections": sections, "chosen": status, **listing})


def _call(request: Request, call_id: str) -> PortalCall:
    found = portal(request).call(call_id)
    if found is None:
        raise Refusal("call_not_found")
    return found


@router.get("/calls/{call_id}")
def call(call_id: str, request: Request) -> HTMLResponse:
    found = _call(request, call_id)
    # People read the criteria by name: the priority order of ties names them, not their keys.
    by_key = {c["key"]: c for c in found.rules.get("criteria", [])}
    return render(request, "portal/call.html", {"item": _item(found), "rules": found.rules, "criteria_by_key": by_key})


def _group_name(names: dict[str, str], group_id: Any) -> str | None:
    return names.get(str(group_id))


@router.get("/calls/{call_id}/results")
def call_results(call_id: str, request: Request) -> HTMLResponse:
    """Only once published: before, the call's results are not found, as nothing of them exists in public."""
    found = _call(request, call_id)
    results = found.results
    item, rules = _item(found), found.rules
    if results is None:  # nothing of them exists in public yet: say so, as a page that is not found
        return render(request, "portal/call_results.html", {"item": item, "rules": rules, "results": None}, status=404)
    reads = portal(request)
    proposals = sorted(results.get("proposals", []), key=lambda p: (p["rank"], str(p["proposal_id"])))
    set_aside = sorted(results.get("set_aside", []), key=lambda s: str(s["proposal_id"]))
    names = group_names(reads.db, (str(p["group_id"]) for p in [*proposals, *set_aside]))
    adopted = Evaluations(reads.db).projects_of_calls([found.call_id]).get(found.call_id, [])
    projects = {p.proposal_id: p for p in adopted}
    ranked = [
        {**p, "group_name": _group_name(names, p["group_id"]), "project": projects.get(str(p["proposal_id"]))}
        for p in proposals
    ]
    aside = [{**s, "group_name": _group_name(names, s["group_id"])} for s in set_aside]
    return render(
        request,
        "portal/call_results.html",
        {
            "item": item,
            "rules": rules,
            "results": results,
            "ranked": ranked,
            "set_aside": aside,
            "criteria": found.rules.get("criteria", []),
        },
    )
