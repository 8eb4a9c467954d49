"""Logged-in pages info-hub serves: `/me` (what waits for a person across services, from info-hub's read models), and a
group's or a department's own surveys, training registrations and coordination cases.

- `/me`: the role home page (`me.py`, its reads of other services' read models in `me_reads.py`).
- `/me/surveys`, `/me/surveys/{sid}`: a group answers, draft or submit (`surveys.py`), as
  `PUT /surveys/{sid}/answers/{respondent}`.
- `/me/trainings`, `/me/trainings/{tid}`: register a group (or oneself, staff) and cancel (`trainings.py`), as
  `POST /trainings/{tid}/registrations` and `DELETE /trainings/{tid}/registrations/{rid}`.
- `/me/cases`, `/me/cases/new`, `/me/cases/{cid}`: raise, follow, acknowledge (`cases.py`), as `POST /cases`,
  `GET /cases[/{cid}]` and `POST /cases/{cid}/routings/{did}/acknowledgement`; the center routes and closes
  (`cases_center.py`), as `POST /cases/{cid}/routings` and `POST /cases/{cid}/closure`; it finds the matching
  groups with their reasons, invites groups and links calls or proposals, as `POST /cases/{cid}/suggestions`,
  `/invitations` and `/links`.
- `/me/exchange/{tid}`: a group gives its opinion on an opinion exchange topic (`exchange.py`), as
  `PUT /exchange/topics/{tid}/opinions/{gid}`.
"""

from __future__ import annotations

from fastapi import APIRouter

from kyodo_shared.pages.notices import N_

# Status messages this part's forms redirect with (`?done=<key>`): key → English msgid, marked with N_().
NOTICES: dict[str, str] = {
    "answer_saved": N_("Your draft answer is saved. It is not submitted yet."),
    "answer_submitted": N_("Your answer is submitted. You may revise and submit it again until the survey closes."),
    "training_registered": N_("Your registration is received."),
    "training_registration_cancelled": N_("Your registration is cancelled."),
    "case_raised": N_("Your case is raised. The center will route it to the departments concerned."),
    "case_acknowledged": N_("The case is acknowledged for your department."),
    "case_routed": N_("The case is routed. Each department acknowledges it by its deadline."),
    "case_closed": N_("The case is closed with its outcome."),
    "case_groups_suggested": N_(
        "The matching registered groups are listed with their reasons (none, when no group shares a field or the area)."
    ),
    "case_groups_invited": N_("The groups are invited. Their people now see the case."),
    "case_linked": N_("The link is added to the case."),
    "exchange_opinion_given": N_("Your group's opinion is received. It stays sealed until the period closes."),
}


def routers() -> list[APIRouter]:
    from kyodo_info_hub.pages.workspace import cases, cases_center, exchange, me, surveys, trainings

    return [me.router, surveys.router, trainings.router, cases.router, cases_center.router, exchange.router]
