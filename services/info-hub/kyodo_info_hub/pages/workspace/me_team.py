"""`/me` for members of the cross-department team (庁内横断的チーム): the open screening rounds whose team (fixed
when the round opened) includes them, each with how many projects await a decision, linking to the round's page.

Which of those projects still await *their* assessment is on the screening service's round page, for the signed-in
member only: info-hub never learns who assessed what (decisions publish the assessments under labels, and linking
people to them would undo that)."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from kyodo_info_hub.pages.home import application, localized, when
from kyodo_info_hub.pages.workspace import me_center_reads
from kyodo_shared.domain.actors import Principal, Role


def part(request: Request, principal: Principal) -> dict[str, Any] | None:
    if not principal.has(Role.TEAM):
        return None
    db = application(request).db
    rounds = me_center_reads.team_rounds(db, principal.sub)
    counts = me_center_reads.undecided(db, [r.round_id for r in rounds])
    return {
        "rounds": [
            {
                "title": localized(request, r.title_ja, r.title_en),
                "status": r.status,
                "deadline": when(r.self_check_deadline),
                "undecided": counts.get(r.round_id, 0),
                "href": f"/screening/rounds/{r.round_id}",
            }
            for r in rounds
        ]
    }
