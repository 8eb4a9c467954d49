"""`/me` for the center's coordinators: assessments, calls, screening rounds, evaluations and new cases."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from kyodo_info_hub.bus.applications import awaiting_assessment
from kyodo_info_hub.pages.home import application, when
from kyodo_info_hub.pages.workspace import me_reads
from kyodo_info_hub.pages.workspace.cases import listed
from kyodo_shared.domain.actors import Principal, Role


def part(request: Request, principal: Principal) -> dict[str, Any] | None:
    if not principal.has(Role.COORDINATOR):
        return None
    cases = listed(request, principal, "open")
    return {
        "assessments": [
            {"application": a, "applied_at": when(a.applied_at), "href": f"/registry/assessments/{a.group_id}"}
            for a in awaiting_assessment(application(request).db)
        ],
        "open_calls": me_reads.calls(request, "open", "manage"),
        "closed_calls": me_reads.calls(request, "closed", "manage"),
        "rounds": me_reads.open_rounds(request),
        # Projects whose period is over: self-evaluations, then the evaluation committee (M3, in part).
        "evaluations": me_reads.projects_in(request, ("ended", "under_evaluation")),
        # New: raised and not yet routed to any department.
        "new_cases": [c for c in cases if not c["departments"]],
        "overdue_cases": [c for c in cases if c["overdue"]],
    }
