"""`/me` for the center's coordinators: assessments, calls (after the deadline: awaiting the review, under review,
or the decision on hold for want of quorum), screening rounds with how many projects await a decision, adoptions
awaiting a department, evaluations and new cases."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from fastapi import Request

from kyodo_info_hub.bus.applications import awaiting_assessment
from kyodo_info_hub.pages.home import application, localized, when
from kyodo_info_hub.pages.workspace import me_center_reads, me_reads
from kyodo_info_hub.pages.workspace.cases import listed
from kyodo_info_hub.pages.workspace.common import group_name
from kyodo_shared.domain.actors import Principal, Role

# A blocked decision's reason, one per proposal short of the quorum: 'quorum:<proposal>:<eligible>/<quorum>'.
_QUORUM = re.compile(r"^quorum:[^:]+:(\d+)/(\d+)$")


def part(request: Request, principal: Principal) -> dict[str, Any] | None:
    if not principal.has(Role.COORDINATOR):
        return None
    db = application(request).db
    cases = listed(request, principal, "open")
    rounds = me_reads.open_rounds(request)
    counts = me_center_reads.undecided(db, [r["id"] for r in rounds])
    return {
        "assessments": [
            {"application": a, "applied_at": when(a.applied_at), "href": f"/registry/assessments/{a.group_id}"}
            for a in awaiting_assessment(db)
        ],
        "open_calls": me_reads.calls(request, "open", "manage"),
        "closed_calls": closed_calls(request),
        "rounds": [{**r, "undecided": counts.get(r["id"], 0)} for r in rounds],
        "adoptions": [
            {
                # The call's title, the group and the rank tell two adoptions of one call apart.
                "title": localized(request, a.title_ja, a.title_en) if a.title_ja else None,
                "group": group_name(request, a.group_id),
                "rank": a.rank,
                "adopted_at": when(a.adopted_at),
                "href": f"/evaluation/adoptions/{a.proposal_id}",
            }
            for a in me_center_reads.adoptions_without_department(db)
        ],
        # Projects whose period is over: self-evaluations, then the evaluation committee (M3, in part).
        "evaluations": me_reads.projects_in(request, ("ended", "under_evaluation")),
        # New: raised and not yet routed to any department.
        "new_cases": [c for c in cases if not c["departments"]],
        "overdue_cases": [c for c in cases if c["overdue"]],
    }


def closed_calls(request: Request) -> list[dict[str, Any]]:
    """Calls past their deadline without results: `stage` is awaiting_review (nobody opened the review yet),
    under_review, or decision_blocked with its shortfalls: how many proposals have how many eligible scorers against
    the quorum (the read model knows each proposal by its id only: a proposal's group is sealed until the results)."""
    found = me_reads.calls(request, "closed", "manage")
    known = me_center_reads.reviews(application(request).db, [str(c["id"]) for c in found])
    shown = []
    for call in found:
        review = known.get(str(call["id"]))
        short: Counter[tuple[str, str]] = Counter()
        others = []
        for reason in review.reasons if review else []:
            matched = _QUORUM.match(reason)
            if matched:
                short[(matched[1], matched[2])] += 1
            else:
                others.append(reason)  # a reason in another form (the description's list may grow), as it came
        shortfalls = [{"count": n, "eligible": e, "quorum": q, "text": ""} for (e, q), n in sorted(short.items())]
        shortfalls += [{"count": 0, "eligible": "", "quorum": "", "text": text} for text in others]
        shown.append(
            {
                **call,
                "stage": review.stage if review else "awaiting_review",
                "shortfalls": shortfalls,
                # The remedy: a substitute member scores the proposals short of the quorum (the call's manage page).
                "substitutes_href": f"/proposals/calls/{call['id']}/manage/substitutes",
            }
        )
    return shown
