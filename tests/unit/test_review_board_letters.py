"""Board members' letters on the review pages sort as they were given — A … Z, AA, AB — not as strings ("AA" before
"B"), so 28 members besides the officers are listed A to Z, then AA and AB."""

from __future__ import annotations

import random

from kyodo_proposals.decision import label, label_index
from kyodo_proposals.pages.review_reads import Member


def test_every_label_gives_back_its_index() -> None:
    assert [label(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]
    assert all(label_index(label(i)) == i for i in range(800))
    assert label_index("") == -1


def test_28_members_and_the_officers_are_listed_officers_first_then_a_to_z_then_aa_and_ab() -> None:
    members = [Member("member", label(i), i == 27) for i in range(28)]
    members += [Member("vice_chair", "", False), Member("chair", "", False)]
    random.Random(7).shuffle(members)
    shown = sorted(members, key=lambda m: m.order)
    assert [m.office for m in shown[:2]] == ["chair", "vice_chair"]
    assert [m.label for m in shown[2:]] == [label(i) for i in range(28)]
    assert [m.label for m in shown[-4:]] == ["Y", "Z", "AA", "AB"]
