"""What a case's page shows of its matching, invitations and links (`/me/cases/{cid}`), from the case as
`GET /cases/{cid}` shows it to this reader (`CaseView`) and info-hub's own read models (the directory, the portal's
calls, the adoptions of proposals): names for ids, and for the center the forms' choices.

- the invited groups and the calls or proposals the case led to: every reader the API shows them to;
- the case's history in order, as `GET /cases/{cid}/history` shows it to this reader (`case_history`: an invited
  group's people see the raising and their part from their invitation on);
- for a coordinator: the departments it may still be routed to, the matching groups with their reasons (the
  fields of activity they share with the case, the area when the same), and the registered groups it may invite.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from fastapi import Request

from kyodo_info_hub.app import Portal
from kyodo_info_hub.cases_schemas import CaseView
from kyodo_info_hub.pages.home import Text, application, localized, when
from kyodo_info_hub.pages.workspace.common import department_names, group_name
from kyodo_shared.domain.actors import Actor, Principal, Role


def invited(request: Request, shown: CaseView) -> list[dict[str, Any]]:
    return [
        {"group_id": i["group_id"], "name": group_name(request, i["group_id"]), "at": when(i["invited_at"])}
        for i in shown.invited
    ]


def history(request: Request, actor: Actor, case_id: UUID, shown: CaseView) -> list[dict[str, Any]]:
    """What happened to the case, in order (info-hub's query table: a step just taken may follow a moment later,
    so the closing, which the case itself shows, ends the list at once when the table has not caught up)."""
    entries = application(request).case_history(actor, case_id)
    found = [{"kind": e["kind"], "at": when(e["at"]), "position": e["position"]} for e in entries]
    closed_at = (shown.closing or {}).get("closed_at")
    if closed_at and not any(e["kind"] == "Closed" for e in found):
        found.append({"kind": "Closed", "at": when(closed_at), "position": None})
    return found


def link_choices(request: Request, shown: CaseView) -> list[dict[str, Any]]:
    """For a coordinator's link: the calls info-hub knows (the portal's, the latest deadline first) and the adopted
    proposals (the latest first), by title, as `kind:id` values; those linked already left out (at most 200 each;
    any other is linked by its id)."""
    linked = {f"{x['kind']}:{x['target_id']}" for x in shown.links}
    with application(request).db.transaction(read_only=True) as tx:
        calls = tx.fetchall("SELECT call_id, rules FROM portal_calls ORDER BY deadline DESC, call_id LIMIT 200")
        adopted = tx.fetchall(
            "SELECT proposal_id, title_ja, group_id FROM hub_adoptions ORDER BY adopted_at DESC, proposal_id LIMIT 200"
        )
    found = []
    for call_id, rules in calls:
        texts = json.loads(str(rules))
        title = localized(request, texts.get("title_ja"), texts.get("title_en"))
        found.append({"value": f"call:{call_id}", "kind": "call", "title": title, "group": None})
    for proposal_id, title_ja, group_id in adopted:
        title = Text(str(title_ja or proposal_id), "ja")
        group = group_name(request, str(group_id))
        found.append({"value": f"proposal:{proposal_id}", "kind": "proposal", "title": title, "group": group})
    return [c for c in found if c["value"] not in linked]


def links(request: Request, shown: CaseView) -> list[dict[str, Any]]:
    """Each link with where it leads: a call's portal page (its title, when info-hub knows the call); an adopted
    proposal's call results (its title); otherwise the id alone."""
    app = application(request)
    portal = Portal(app.db)
    found = []
    for link in shown.links:
        target, title, href = link["target_id"], None, None
        if link["kind"] == "call":
            call = portal.call(target)
            if call is not None:
                title = localized(request, call.rules.get("title_ja"), call.rules.get("title_en"))
                href = f"/calls/{target}"
        else:
            with app.db.transaction(read_only=True) as tx:
                row = tx.fetchone("SELECT call_id, title_ja FROM hub_adoptions WHERE proposal_id = %s", (target,))
            if row is not None:
                title, href = Text(str(row[1]), "ja"), f"/calls/{row[0]}/results"
        found.append({**link, "title": title, "href": href, "at": when(link["linked_at"])})
    return found


def center_forms(request: Request, principal: Principal, shown: CaseView) -> dict[str, Any] | None:
    """For a coordinator: the departments the case may still be routed to (every department info-hub knows), the
    matching groups (the last suggestion) with their reasons and whether invited, and the other registered groups
    of the directory it may invite (not the raising group, none invited already)."""
    if not principal.has(Role.COORDINATOR):
        return None
    app = application(request)
    with app.db.transaction(read_only=True) as tx:
        rows = tx.fetchall("SELECT department_id FROM hub_departments ORDER BY code, department_id")
    routed = {r["department_id"] for r in shown.routings}
    taken = {i["group_id"] for i in shown.invited}
    suggested = [
        {**s, "fields": _fields(s), "area": (s.get("reasons") or {}).get("area"), "invited": s["group_id"] in taken}
        for s in shown.suggestions
    ]
    if shown.raiser_kind == "group" and shown.raiser_id:
        taken.add(shown.raiser_id)
    offered = taken | {s["group_id"] for s in suggested}
    others = [g for g in app.people.registered_groups() if g.group_id not in offered]
    invitable = [s for s in suggested if not s["invited"]]
    return {
        "departments": department_names(request, [str(r[0]) for r in rows if str(r[0]) not in routed]),
        "suggestions": suggested,
        "invitable": invitable,
        "others": [(g.group_id, g.name) for g in others],
        "matching": _matching(suggested, invitable),
    }


def _matching(suggested: list[dict[str, Any]], invitable: list[dict[str, Any]]) -> str:
    """Where the invitation form stands with the matching groups, so it is worded for it: `none` found (not searched
    yet, or none matches), `some` not invited yet, or `all` invited already."""
    if not suggested:
        return "none"
    return "some" if invitable else "all"


def _fields(suggestion: dict[str, Any]) -> list[str]:
    """The fields of activity a matching group shares with the case: none when it matches by the area alone (the
    reasons then hold no `fields`, as a group matching by a field alone holds no `area`)."""
    return list((suggestion.get("reasons") or {}).get("fields") or [])
