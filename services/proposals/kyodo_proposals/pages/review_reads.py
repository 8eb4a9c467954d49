"""What a board member's pages read beyond the API's queries: the member's OWN part of a call's review (the proposals
they scored, the conflicts recorded against them and why they are recused), the calls whose board they sit on, and
who confirms the decision. Never anyone else's scores or conflicts: those only through the API's queries, which
decide who may read them (`board_proposals`, `scores_seen`, `decision_preview`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from kyodo_proposals.app import ProposalsApplication
from kyodo_proposals.decision import label_index
from kyodo_proposals.domain import Call
from kyodo_proposals.pages import reads
from kyodo_shared.domain.actors import Principal

# Enough for years of calls on one page.
SHOWN = 200


@dataclass(frozen=True)
class OwnConflict:
    kind: str
    reason: str
    pinned: bool  # recorded by a coordinator: the member cannot remove it


@dataclass(frozen=True)
class OwnReview:
    """The signed-in member's own part of the review."""

    quorum: int
    scored: frozenset[str]  # proposal ids the member scored
    conflicts: dict[str, OwnConflict]  # proposal id → the conflict recorded against the member


def own_review(app: ProposalsApplication, call_id: UUID, sub: str) -> OwnReview:
    """Read after `board_proposals` has let the member in (it refuses anyone not on the board). Keys are
    "member|proposal", split at the last "|" (a sub may hold one itself): the member's own entries are those whose
    member is exactly `sub`, never another sub that merely begins with it."""
    review = app.get_review(call_id)
    conflicts = {
        proposal: OwnConflict(str(c["kind"]), str(c["reason"]), bool(c["pinned"]))
        for (member, proposal), c in ((key.rsplit("|", 1), c) for key, c in review.conflicts.items())
        if member == sub
    }
    scored = frozenset(proposal for member, proposal in (key.rsplit("|", 1) for key in review.scores) if member == sub)
    return OwnReview(int(review.quorum), scored, conflicts)


def recusal_cause(own: OwnReview, proposal_id: str) -> str:
    """Why the member is recused: their own declared conflict, one a coordinator pinned, or (neither recorded here)
    the interest in the proposing group they declared in the registry."""
    conflict = own.conflicts.get(proposal_id)
    if conflict is None:
        return "interest"
    return "pinned" if conflict.pinned else "declared"


def board_calls(app: ProposalsApplication, principal: Principal) -> list[Call]:
    """The calls (published and later) whose board the member sits on: fixed at publication, or joined as a
    substitute once the review opened."""
    items, _ = app.find_calls(principal, 0, SHOWN)
    found = []
    for item in items:
        call = app.get_call(UUID(item.call_id))
        if any(member == principal.sub for member, _ in reads.board_of(app, call.id)):
            found.append(call)
    return found


def group_name(app: ProposalsApplication, group_id: str) -> str:
    found = app.view.group(group_id)
    return found[0] if found else group_id


@dataclass(frozen=True)
class Confirmer:
    sub: str | None  # None: nobody can confirm now (chair and vice-chair recused, no valid acting chair)
    role: str  # "chair", "vice_chair", "acting_chair" or "none"


def confirmer_of(app: ProposalsApplication, call_id: UUID) -> Confirmer:
    """Who confirms the decision, as the decision itself resolves it (an acting chair from the registry)."""
    review = app.get_review(call_id)
    sub = app.confirmer(app.get_call(call_id), review)
    if sub is None:
        return Confirmer(None, "none")
    role = "chair" if sub == review.chair_sub else "vice_chair" if sub == review.vice_chair_sub else "acting_chair"
    return Confirmer(sub, role)


def criteria_of(call: Call) -> list[dict[str, Any]]:
    return [dict(c) for c in call.spec["criteria"]]


@dataclass(frozen=True)
class Member:
    """A board member as the board's pages show them: their office on the call's board, a letter for the others
    (`board_offices`), and whether it is the reader."""

    office: str  # "chair", "vice_chair" or "member"
    label: str  # the member's letter ("" for the officers)
    you: bool

    @property
    def order(self) -> tuple[int, int]:
        """Officers first, then by letter as the letters were given (A … Z, AA: not the string's order)."""
        return (["chair", "vice_chair", "member"].index(self.office), label_index(self.label))


def members_of(app: ProposalsApplication, principal: Principal, call_id: UUID) -> dict[str, Member]:
    """Every member of the call's board by sub, as shown to `principal` (a member of it)."""
    found = {}
    for sub, office in app.board_offices(principal, call_id).items():
        kind, _, letter = office.partition(":")
        found[sub] = Member(kind, letter, sub == principal.sub)
    return found
