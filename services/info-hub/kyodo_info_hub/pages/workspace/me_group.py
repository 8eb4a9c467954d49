"""`/me` for a group's representative and contacts: their groups' standing, open calls, the published results of
the calls they proposed to, projects with what waits for the group in each (M4), surveys, trainings and cases."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from kyodo_info_hub import news_index
from kyodo_info_hub.bus.applications import applications_of
from kyodo_info_hub.pages.home import application, localized, when
from kyodo_info_hub.pages.workspace import me_evaluation_reads, me_reads
from kyodo_info_hub.pages.workspace.cases import listed
from kyodo_info_hub.pages.workspace.common import groups_of
from kyodo_info_hub.pages.workspace.surveys import waiting
from kyodo_info_hub.pages.workspace.trainings import registered
from kyodo_shared.domain.actors import Principal, Role


def part(request: Request, principal: Principal) -> dict[str, Any] | None:
    groups = groups_of(request, principal)
    if not groups and not principal.has(Role.GROUP):
        return None
    registered_ids = [g.id for g in groups if g.status == "registered"]
    applications = {a.group_id: a for a in applications_of(application(request).db, [g.id for g in groups])}
    return {
        "groups": [{"party": g, "application": applications.get(g.id)} for g in groups],
        # A call is open to registered groups only (the proposals service refuses the others).
        "calls": me_reads.calls(request, "open", "proposal") if registered_ids else [],
        "results": me_evaluation_reads.call_results(request, [g.id for g in groups]),
        "group_names": {g.id: g.name.text for g in groups},
        # Its groups' projects, each with the draft awaiting the group's confirmation (its representative's), the
        # group's reports due or overdue and its self-evaluation due (contacts report and self-evaluate too).
        "projects": me_evaluation_reads.partner_projects(
            request,
            [g.id for g in groups],
            "group",
            confirms=me_evaluation_reads.represented(request, principal.sub),
            acts={g.id for g in groups},
        ),
        # Opinion exchange: topics whose comment period is running, where a registered group gives its opinion.
        "topics": open_topics(request) if registered_ids else [],
        "surveys": [s for s in waiting(request, principal, groups) if s["status"] != "submitted"],
        "trainings": registered(request, principal) if principal.has(Role.GROUP) else [],
        # Its groups' open cases: raised by them, or they were invited to (GET /cases lists both).
        "cases": listed(request, principal, "open") if groups else [],
    }


def open_topics(request: Request) -> list[dict[str, Any]]:
    """Published topics whose comment period has begun (the latest closing first), each linking to the group's page
    for its opinion; a topic published before its period opens waits until then."""
    app = application(request)
    now = app.now()
    entries, _ = news_index.list_topics(app.db, ["published"], 0, 50)
    found = []
    for e in entries:
        opens, closes = when(e.opens_at), when(e.closes_at)
        if opens is not None and closes is not None and opens <= now < closes:
            title = localized(request, e.title_ja, e.title_en)
            found.append({"href": f"/me/exchange/{e.topic_id}", "title": title, "closes_at": closes})
    return sorted(found, key=lambda t: t["closes_at"])
