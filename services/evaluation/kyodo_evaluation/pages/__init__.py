"""The evaluation service's pages: a collaboration project's agreement, reports and self-evaluations, for its partners
and the coordinator.

Each page reads this service's own store and read models through the same application queries as its API; each form
posts here (pages/actions.py in the kit). None calls another service.
"""

from __future__ import annotations

from fastapi import APIRouter

from kyodo_shared.pages.notices import N_

# Status messages the forms redirect with (`?done=<key>`): key → English msgid, marked with N_().
NOTICES: dict[str, str] = {
    "project_started": N_("The project was started."),
    "department_named": N_("The partnering department was named and the project created."),
    "criteria_set": N_("The evaluation criteria were saved."),
    "agreement_drafted": N_("The version was put up for both partners to confirm."),
    "agreement_confirmed": N_("Your side's confirmation was recorded."),
    "agreement_concluded": N_(
        "Both partners have now confirmed this version: the agreement is concluded and in force."
    ),
    "report_filed": N_("The report was filed."),
    "self_evaluation_sent": N_("Your self-evaluation was sent. Keep the receipt."),
    "committee_opened": N_("The committee took the project up: its members are fixed as of today."),
    "committee_conflict_declared": N_("Your conflict was recorded: you are recused from this evaluation."),
    "committee_conflict_removed": N_("Your conflict was withdrawn."),
    "committee_conflict_pinned": N_("The member's conflict was recorded; only the center can change it."),
    "committee_substitute_added": N_("The substitute joined the committee for this project."),
    "committee_scored": N_("Your score was recorded. It is final; the other members' scores are now shown."),
    "committee_recommended": N_("The recommendation was confirmed and the evaluation report published."),
}


def routers() -> list[APIRouter]:
    # Imported here: the page modules import the application, which main imports this package beside.
    from kyodo_evaluation.pages import agreement, committee, committee_actions, listing, project, reports, selfeval

    # listing first: its /projects/new must match before project's /projects/{project_id}.
    pages = [listing.router, project.router, agreement.router, reports.router, selfeval.router]
    return [*pages, committee.router, committee_actions.router]


def notices() -> dict[str, str]:
    return dict(NOTICES)
