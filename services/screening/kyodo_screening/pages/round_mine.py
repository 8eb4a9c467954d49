"""On a round's page, for a member of the round's team only: which undecided projects still await *their*
assessment, which they assessed, and where they are recused (a declared interest in the project's department or in
a group it names, as `assess` decides). Only the signed-in member's own state, read from the screening's current
cycle: nobody else learns who assessed what (decisions publish assessments under labels)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING
from uuid import UUID

from kyodo_screening.domain import Round
from kyodo_screening.index import ProjectRow
from kyodo_screening.screening import screening_id
from kyodo_shared.domain.actors import Principal

if TYPE_CHECKING:
    from kyodo_screening.app import ScreeningApplication

ASSESSED, AWAITING, RECUSED = "assessed", "awaiting", "recused"


def own_assessments(
    app: ScreeningApplication, principal: Principal, found: Round, items: list[ProjectRow]
) -> dict[str, str] | None:
    """Per listed project still pending: assessed, awaiting or recused; None for anyone not on the round's team."""
    if principal.sub not in found.team or not found.opened_on:
        return None
    on = date.fromisoformat(str(found.opened_on))
    states: dict[str, str] = {}
    for item in items:
        if item.status != "pending":
            continue
        screening = app.find_screening(screening_id(found.id, UUID(item.project_id)))
        if screening is not None and principal.sub in screening.assessments:
            states[item.project_id] = ASSESSED
            continue
        if screening is not None:
            groups = list(screening.group_ids)
        else:
            project = app.get_project(UUID(item.project_id))
            groups = [str(g) for g in project.record.get("group_ids") or []]
        interested = app.view.interested(principal.sub, item.department_id, groups, on)
        states[item.project_id] = RECUSED if interested else AWAITING
    return states
