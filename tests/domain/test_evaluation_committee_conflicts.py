"""The evaluation committee's conflict rules after scoring, as the review board's (tests/domain/test_review_domain.py):
a member declares their own conflict before scoring, never after (they then read the others' scores, so a conflict
declared then would void their score knowing its effect); a coordinator still pins one — also over a member's own
declaration, which it makes unremovable — but never on themselves."""

from __future__ import annotations

from test_evaluation_committee import TRACE, kinds, opened, points, refused, score


def test_a_member_who_has_scored_cannot_declare_their_own_conflict_and_nothing_is_recorded() -> None:
    committee = opened()
    score(committee, "m-2", points(4, 4, 4, 4, 4))
    committee.collect_events()
    with refused("conflict_after_scoring", field="kind", rule="conflict_after_scoring"):
        committee.declare_conflict("m-2", "close_relation", "親族が代表", "m-2", False, TRACE)
    assert (kinds(committee), committee.conflicts, committee.recused("m-2", False)) == ([], {}, False)
    # Another member's score stands in no one else's way: a member who has not scored declares theirs.
    committee.declare_conflict("m-3", "member", "会員です", "m-3", False, TRACE)
    assert (kinds(committee), committee.recused("m-3", False)) == (["ConflictDeclared"], True)


def test_a_coordinator_still_pins_a_conflict_on_a_member_who_scored_and_the_score_stays_to_be_voided() -> None:
    committee = opened()
    score(committee, "m-2", points(4, 4, 4, 4, 4))
    committee.collect_events()
    committee.declare_conflict("m-2", "business", "取引関係", "coord-1", True, TRACE)
    assert (kinds(committee), "m-2" in committee.scores, committee.recused("m-2", False)) == (
        ["ConflictDeclared"],
        True,
        True,
    )
    with refused("conflict_pinned"):
        committee.remove_conflict("m-2", "m-2", TRACE)


def test_a_coordinator_pins_over_a_members_own_declaration_which_the_member_then_cannot_withdraw() -> None:
    committee = opened()
    committee.declare_conflict("m-3", "member", "会員です", "m-3", False, TRACE)
    committee.declare_conflict("m-3", "member", "会員（事務局確認）", "coord-1", True, TRACE)
    assert kinds(committee) == ["ConflictDeclared", "ConflictDeclared"]
    assert committee.conflicts["m-3"] == {
        "kind": "member",
        "reason": "会員（事務局確認）",
        "by": "coord-1",
        "pinned": True,
    }
    with refused("conflict_pinned"):
        committee.remove_conflict("m-3", "m-3", TRACE)


def test_a_coordinator_on_the_committee_cannot_pin_a_conflict_on_themselves_scored_or_not() -> None:
    committee = opened()
    with refused("pin_own_conflict", field="member_sub", rule="pin_own_conflict"):
        committee.declare_conflict("m-4", "member", "会員です", "m-4", True, TRACE)
    score(committee, "m-4", points(3, 3, 3, 3, 3))
    committee.collect_events()
    with refused("pin_own_conflict", field="member_sub", rule="pin_own_conflict"):
        committee.declare_conflict("m-4", "member", "会員です", "m-4", True, TRACE)
    assert (kinds(committee), committee.conflicts) == ([], {})
