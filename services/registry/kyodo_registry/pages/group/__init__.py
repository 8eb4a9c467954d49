"""The group's workspace (its representative and contacts): apply, answer, renew, profile, bylaws, ties, contacts,
handover, dissolution.
"""

from __future__ import annotations

from fastapi import APIRouter

from kyodo_shared.pages.notices import N_

# Status messages this part's forms redirect with (`?done=<key>`): key → English msgid, marked with N_().
NOTICES: dict[str, str] = {
    "applied": N_("Your application was sent. The center assesses the six criteria and tells you its decision."),
    "information_sent": N_("Your answer was sent to the center."),
    "reapplied": N_("Your application was sent again. The six criteria are assessed anew."),
    "renewed": N_("The registration was renewed."),
    "profile_updated": N_("The profile was saved."),
    "bylaws_filed": N_("The bylaws were filed. The center checks criteria 5 and 6 again."),
    "tie_declared": N_("The tie was declared."),
    "tie_withdrawn": N_("The tie was ended."),
    "contact_added": N_("The contact was added."),
    "contact_removed": N_("The contact was removed."),
    "handover_proposed": N_("The handover was proposed. It takes effect when the new representative confirms."),
    "handover_confirmed": N_("You are now the group's representative."),
    "dissolution_filed": N_("The group's dissolution was filed."),
}


def routers() -> list[APIRouter]:
    from kyodo_registry.pages.group import apply, bylaws_file, dissolution, life, people, review, workspace

    return [
        apply.router,
        workspace.router,
        review.router,
        life.router,
        people.router,
        dissolution.router,
        bylaws_file.router,
    ]
