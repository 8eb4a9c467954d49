"""The organisation's pages for coordinators: departments, the team, committees and declared interests."""

from __future__ import annotations

from fastapi import APIRouter

from kyodo_shared.pages.notices import N_

# Status messages this part's forms redirect with (`?done=<key>`): key → English msgid, marked with N_().
NOTICES: dict[str, str] = {
    "department_registered": N_("The department is registered."),
    "staff_assigned": N_("The staff member is assigned to the department."),
    "staff_unassigned": N_("The staff member is unassigned from the department."),
    "liaison_appointed": N_("The liaison is appointed."),
    "team_joined": N_("The staff member joined the team."),
    "team_left": N_("The member's departure from the team is recorded."),
    "committee_established": N_("The committee is established."),
    "member_appointed": N_("The member is appointed for the term."),
    "officers_changed": N_("The chair and vice-chair are recorded."),
    "membership_ended": N_("The membership is ended."),
    "acting_chair_recorded": N_("The acting chair's election is recorded."),
    "interest_declared": N_("The declaration is recorded."),
    "interest_withdrawn": N_("The declaration is withdrawn."),
}


def routers() -> list[APIRouter]:
    from kyodo_registry.pages.org import committee_manage, committees, departments, interests, team

    return [departments.router, team.router, committees.router, committee_manage.router, interests.router]
