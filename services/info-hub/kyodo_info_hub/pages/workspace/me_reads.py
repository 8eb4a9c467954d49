"""What `/me` reads of info-hub's read models of other services' streams (never calling those services): published
calls (`portal_calls`), collaboration projects (`evaluation_projects`) and screening rounds (`screening_rounds`).
Each item carries the link to the owning service's page (the agreed URL map).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from kyodo_info_hub.app import Portal
from kyodo_info_hub.pages.home import application, call_card, localized, when

SHOWN = 50


def calls(request: Request, status: str, page: str) -> list[dict[str, Any]]:
    """Published calls in one status, the nearest deadline first, each linking to `/proposals/calls/{cid}/<page>`."""
    found, _ = Portal(application(request).db).calls(status, offset=0, limit=SHOWN)
    return [{**call_card(request, c), "href": f"/proposals/calls/{c.call_id}/{page}"} for c in found]


def projects_of(request: Request, partner_ids: list[str], partner: str = "group") -> list[dict[str, Any]]:
    """The collaboration projects these groups (or, `partner="department"`, these departments) partner, as the
    evaluation stream told info-hub (its stage: created, agreed, ended, under evaluation, reported)."""
    if not partner_ids:
        return []
    column = "department_id" if partner == "department" else "group_id"
    marks = ", ".join(["%s"] * len(partner_ids))
    with application(request).db.transaction(read_only=True) as tx:
        rows = tx.fetchall(
            f"SELECT project_id, title_ja, stage FROM evaluation_projects WHERE {column} IN ({marks}) "  # noqa: S608
            "ORDER BY created_sequence DESC LIMIT %s",
            (*partner_ids, SHOWN),
        )
    return [
        {"id": str(r[0]), "title": str(r[1]), "stage": str(r[2]), "href": f"/evaluation/projects/{r[0]}"} for r in rows
    ]


def projects_in(request: Request, stages: tuple[str, ...]) -> list[dict[str, Any]]:
    """Every collaboration project at one of `stages` (the center's: those at the evaluation stage), newest first."""
    marks = ", ".join(["%s"] * len(stages))
    with application(request).db.transaction(read_only=True) as tx:
        rows = tx.fetchall(
            f"SELECT project_id, title_ja, stage FROM evaluation_projects WHERE stage IN ({marks}) "  # noqa: S608
            "ORDER BY created_sequence DESC LIMIT %s",
            (*stages, SHOWN),
        )
    return [
        {"id": str(r[0]), "title": str(r[1]), "stage": str(r[2]), "href": f"/evaluation/projects/{r[0]}"} for r in rows
    ]


def open_rounds(request: Request, department_ids: list[str] | None = None) -> list[dict[str, Any]]:
    """Screening rounds not closed (self-checks open, or awaiting decisions), the soonest self-check deadline first;
    only those whose scope includes one of `department_ids` when given."""
    with application(request).db.transaction(read_only=True) as tx:
        rows = tx.fetchall(
            "SELECT round_id, title_ja, title_en, status, self_check_deadline, department_ids FROM screening_rounds "
            "WHERE status <> 'closed' ORDER BY self_check_deadline, round_id"
        )
    found = []
    for r in rows:
        scope = [str(d) for d in json.loads(str(r[5]))]
        if department_ids is not None and not set(scope) & set(department_ids):
            continue
        found.append(
            {
                "id": str(r[0]),
                "title": localized(request, str(r[1]), r[2]),
                "status": str(r[3]),
                "deadline": when(str(r[4])),
                "departments": scope,
                "href": f"/screening/rounds/{r[0]}",
            }
        )
    return found
