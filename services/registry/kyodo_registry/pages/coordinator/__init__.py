"""The coordinator's registry workspace: the assessment queue (`/registry/assessments`), one group's six criteria
side by side with its evidence and bylaws (`/registry/assessments/{id}`), every group to decide on
(`/registry/decisions`), and the decisions on a group (`/registry/decisions/{id}`: suspension, reinstatement,
dissolution, handover). Coordinators only: anyone else gets the kit's 403 page, and the application still refuses a
coordinator with an interest in the group.
"""

from __future__ import annotations

from fastapi import APIRouter

from kyodo_shared.pages.notices import N_

# Status messages this part's forms redirect with (`?done=<key>`): key → English msgid, marked with N_().
NOTICES: dict[str, str] = {
    "assessed": N_("The assessment was recorded."),
    "assessed_registered": N_("The assessment was recorded: every criterion is met, so the group is now registered."),
    "assessed_rejected": N_("The assessment was recorded: a criterion is not met, so the application is rejected."),
    "information_requested": N_("The group was asked for more information."),
    "suspended": N_("The registration was suspended."),
    "reinstated": N_("The registration was reinstated."),
    "dissolved": N_("The group's dissolution was recorded."),
    "handover_decided": N_("The handover was decided: the group has a new representative."),
}


def routers() -> list[APIRouter]:
    from kyodo_registry.pages.coordinator import assessment, decisions, groups, queue

    return [queue.router, assessment.router, groups.router, decisions.router]
