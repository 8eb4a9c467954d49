"""The proposals service's pages: the coordinator's calls, and a group's sealed proposal with its receipt.

Each page reads this service's own store and read models through the same application queries as its API; each form
posts here (pages/actions.py in the kit). None calls another service.

- `calls`: `/proposals/calls` (every call for a coordinator; open calls and own proposals for a group) and
  `/proposals/calls/new` (draft a call);
- `manage`, `manage_review`: `/proposals/calls/{cid}/manage` (revise, publish, amend, cancel, open the review,
  substitutes, pinned conflicts);
- `proposal`: `/proposals/calls/{cid}/proposal` (submit, revise, withdraw) and `…/proposal/receipt` (the file);
- `results`: `/proposals/calls/{cid}/my-results` (a group's own scores and comments after the decision);
- `review`, `review_proposal`, `review_decision`: a board member's `/proposals/review` (their calls),
  `/proposals/calls/{cid}/review` (the proposals), `…/review/proposals/{pid}` (read, conflict, score) and
  `…/review/decision` (the ranking; the chair or acting chair confirms).
"""

from __future__ import annotations

from fastapi import APIRouter

from kyodo_shared.pages.notices import N_

# Status messages the forms redirect with (`?done=<key>`): key → English msgid, marked with N_().
NOTICES: dict[str, str] = {
    "call_drafted": N_("The call was drafted. Check it and publish it when it is ready."),
    "call_revised": N_("The draft was revised."),
    "call_published": N_("The call was published: its board and rules are fixed now."),
    "call_amended": N_("The amendment was published with its reason."),
    "call_cancelled": N_("The call was cancelled."),
    "review_opened": N_("The review was opened: the final proposals went to the board."),
    "substitute_added": N_("The substitute member was added."),
    "conflict_pinned": N_("The member's conflict was recorded and pinned."),
    "proposal_submitted": N_("Your proposal was submitted. Keep its signed receipt."),
    "proposal_revised": N_("Your proposal was revised. Keep the new signed receipt."),
    "proposal_withdrawn": N_("Your proposal was withdrawn."),
    "proposal_scored": N_("Your score was submitted; it is final. The other members' scores are shown below."),
    "conflict_declared": N_("Your conflict was recorded: you are recused from this proposal."),
    "conflict_removed": N_("Your conflict was removed: you review this proposal again."),
    "results_published": N_("The decision was confirmed and the results were published."),
}


def routers() -> list[APIRouter]:
    # Imported here: the page modules import the application, which main imports this package beside.
    from kyodo_proposals.pages import (
        calls,
        manage,
        manage_review,
        proposal,
        results,
        review,
        review_decision,
        review_proposal,
    )

    # `calls` first: `/calls/new` before any `/calls/{call_id}/…`.
    return [
        calls.router,
        manage.router,
        manage_review.router,
        proposal.router,
        results.router,
        review.router,
        review_proposal.router,
        review_decision.router,
    ]


def notices() -> dict[str, str]:
    return dict(NOTICES)
