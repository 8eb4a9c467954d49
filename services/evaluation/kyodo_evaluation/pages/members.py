"""How the committee's pages name its members: by office — 委員長 (chair), 副委員長 (vice-chair), 委員 A, B, … (members)
— never by their login id (the identity provider's subject), which is no name for a person.

Names are personal data the registry keeps encrypted and erasable and publishes on no stream
(contracts/kyodo_contracts/registry_org.py), and a service never calls another: the pages link the registry's public
roster (`/registry/committees/{committee_id}`), where the names are.

A member's letter is their place among the ordinary members of this project's committee: the members it was opened
with (in the order it fixed them: the registry's, by subject — public, so anyone can work a letter out; a letter is
a name for display, not a secret), then each substitute as they joined. Substitutes are appended, never inserted,
so a letter never changes.

It is not the label of the published report, which follows a secret shuffle per project (committee_app.recommend):
the letters' order says nothing of the labels' order, and the public, who reads no points by member, cannot link a
label to a member. A reader who sees the points by letter — a member after scoring, the center after publication —
can match them to the published table by equal points: the letters hide nothing from them, and are not meant to.
"""

from __future__ import annotations

from dataclasses import dataclass

from kyodo_evaluation.committee import CommitteeEvaluation
from kyodo_evaluation.report import label


@dataclass(frozen=True)
class Seat:
    """One member as the pages name them: `office` is "chair", "vice_chair" or "member" (then with its letter)."""

    office: str
    letter: str | None = None


def seats_of(committee: CommitteeEvaluation) -> dict[str, Seat]:
    """Every member of the project's committee by subject → how the pages name them."""
    seats: dict[str, Seat] = {}
    ordinary = 0
    for sub in committee.members:
        if sub == committee.chair_sub:
            seats[sub] = Seat("chair")
        elif sub == committee.vice_chair_sub:
            seats[sub] = Seat("vice_chair")
        else:
            seats[sub] = Seat("member", label(ordinary))
            ordinary += 1
    return seats


def candidates_of(committee: CommitteeEvaluation, serving: list[str]) -> dict[str, Seat]:
    """Members of the evaluation committee today who are not on this project's, numbered as candidates (補充候補 1,
    2, …): a candidate takes the next letter on joining."""
    others = [sub for sub in serving if sub not in committee.members]
    return {sub: Seat("candidate", str(n)) for n, sub in enumerate(others, start=1)}


_OFFICES = ("chair", "vice_chair", "member", "candidate")


def in_seat_order(subs: list[str], seats: dict[str, Seat]) -> list[str]:
    """Officers first (chair, vice-chair), then the members by letter (A … Z, AA …), as the roster lists them."""

    def key(sub: str) -> tuple[int, int, str]:
        seat = seats.get(sub)
        if seat is None:
            return (len(_OFFICES), 0, "")
        letter = seat.letter or ""
        return (_OFFICES.index(seat.office), len(letter), letter)

    return sorted(subs, key=key)
