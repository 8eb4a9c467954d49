"""The review aggregate's conflict rules: a member declares their own conflict before scoring a proposal, never after
(they then read the others' scores, and the chair the decision's ranking: a conflict declared then would void their
score knowing its effect), and a coordinator still pins one on a proposal the member has scored."""

from __future__ import annotations

import uuid

import pytest

from kyodo_proposals.review import Review, typed_points
from kyodo_shared.domain.refusals import Refusal

TRACE = {"correlation_id": "c", "causation_id": "c", "actor": "m-1"}
CRITERIA = [{"key": "need", "name_ja": "必要性", "max_points": 10, "weight": 1}]
GREEN, FOOD = str(uuid.uuid4()), str(uuid.uuid4())


def opened() -> Review:
    entries = [{"proposal_id": pid, "group_id": str(uuid.uuid4()), "version": 1} for pid in (GREEN, FOOD)]
    review = Review(uuid.uuid4(), entries, [], ["m-1", "m-2", "m-3"], "m-1", "m-2", 2, TRACE)
    review.score("m-1", GREEN, {"need": 7}, "所見", CRITERIA, False, TRACE)
    return review


def test_a_member_who_has_scored_a_proposal_cannot_declare_their_own_conflict_with_it_and_nothing_is_recorded() -> None:
    review = opened()
    pending = len(review.collect_events())
    assert pending == 2  # opened, scored
    with pytest.raises(Refusal) as refused:
        review.declare_conflict("m-1", GREEN, "member", "会員です", "m-1", False)
    assert refused.value.code == "conflict_after_scoring"
    assert refused.value.data == {"field": "proposal_id"}
    assert review.collect_events() == []
    assert review.conflicts == {}
    assert review.recused("m-1", GREEN, False) is False


def test_a_member_declares_a_conflict_with_a_proposal_they_have_not_scored() -> None:
    review = opened()
    review.declare_conflict("m-1", FOOD, "member", "会員です", "m-1", False)
    assert review.conflicts[f"m-1|{FOOD}"] == {"kind": "member", "reason": "会員です", "pinned": False, "own": True}
    # Another member's score on the proposal does not stand in the way of one's own declaration.
    review.score("m-2", GREEN, {"need": 5}, "所見", CRITERIA, False, TRACE)
    review.declare_conflict("m-3", GREEN, "officer", "理事", "m-3", False)
    assert review.recused("m-3", GREEN, False)


def test_a_coordinator_still_pins_a_conflict_on_a_proposal_the_member_scored_which_the_member_cannot_remove() -> None:
    review = opened()
    review.declare_conflict("m-1", GREEN, "business", "取引関係", "coord-1", True)
    assert review.conflicts[f"m-1|{GREEN}"] == {"kind": "business", "reason": "取引関係", "pinned": True, "own": False}
    assert review.recused("m-1", GREEN, False)
    with pytest.raises(Refusal) as refused:
        review.remove_conflict("m-1", GREEN, "m-1")
    assert refused.value.code == "conflict_pinned"


def test_a_coordinator_on_the_board_cannot_pin_their_own_conflict_and_nothing_is_recorded() -> None:
    review = opened()
    review.collect_events()
    for proposal in (GREEN, FOOD):  # scored or not: a coordinator pins others' conflicts only
        with pytest.raises(Refusal) as refused:
            review.declare_conflict("m-1", proposal, "business", "取引関係", "m-1", True)
        assert refused.value.code == "own_conflict_pinned"
        assert refused.value.data == {"field": "member_sub"}
    assert review.collect_events() == []
    assert review.conflicts == {}


@pytest.mark.parametrize(("typed", "points"), [("7", 7), ("０", 0), ("１０", 10), (" 8 ", 8)])
def test_points_typed_in_ascii_or_full_width_digits_are_read_as_the_same_whole_numbers(typed: str, points: int) -> None:
    assert typed_points(typed, CRITERIA[0], "points.need") == points


@pytest.mark.parametrize("typed", ["٨", "८", "①", "²", "11", "-1", "7.5", "", "1e1", "0x7", "７点"])
def test_points_in_other_scripts_digits_or_beyond_the_maximum_are_refused_naming_the_criterion(typed: str) -> None:
    with pytest.raises(Refusal) as refused:
        typed_points(typed, CRITERIA[0], "points.need")
    assert refused.value.code == "invalid_points"
    assert refused.value.data == {
        "field": "points.need",
        "criterion_ja": "必要性",
        "criterion_en": "必要性",
        "max": "10",
    }
    # The score itself answers the same refusal, without a field.
    with pytest.raises(Refusal) as scored:
        opened().score("m-2", GREEN, {"need": 11}, "所見", CRITERIA, False, TRACE)
    assert (scored.value.code, scored.value.data["max"]) == ("invalid_points", "10")
