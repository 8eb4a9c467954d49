"""`/me` for department staff and liaisons: their departments, screening rounds, projects and routed cases."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from kyodo_info_hub.pages.workspace import me_evaluation_reads, me_reads
from kyodo_info_hub.pages.workspace.cases import listed
from kyodo_info_hub.pages.workspace.common import Party, departments_of
from kyodo_info_hub.pages.workspace.trainings import registered
from kyodo_shared.domain.actors import Principal, Role


def part(request: Request, principal: Principal) -> dict[str, Any] | None:
    if not principal.has(Role.STAFF):
        return None
    departments, liaison = departments_of(request, principal)
    ids = [d.id for d in departments]
    cases = [c for c in listed(request, principal, "open") if set(c["departments"] or []) & set(ids)]
    return {
        "departments": [_department(d, liaison) for d in departments],
        "rounds": me_reads.open_rounds(request, ids) if ids else [],
        # Its departments' collaboration projects: agreements to confirm, reports and self-evaluations (M1), which
        # the department's liaison gives (its other staff see what waits for the liaison).
        "projects": me_evaluation_reads.partner_projects(request, ids, "department", confirms=liaison, acts=liaison),
        "cases": cases,
        "trainings": registered(request, principal),
    }


def _department(d: Party, liaison: set[str]) -> dict[str, Any]:
    return {"id": d.id, "name": d.name, "liaison": d.id in liaison}
