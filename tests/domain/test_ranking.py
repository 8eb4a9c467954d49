"""The proposals ranking: exact scores under the published formula, the passing line, selection, and both tie rules."""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable, Mapping
from fractions import Fraction

import pytest

from kyodo_proposals.ranking import (
    CallRule,
    CriterionRule,
    Entry,
    Formula,
    Ranking,
    TieRule,
    fraction_display,
    lottery_key,
    rank,
    seed_commitment,
)

SEED = b"revealed-with-the-results"


def content(name: str) -> str:
    """A stand-in for the hex SHA-256 of a proposal's canonical content."""
    return hashlib.sha256(name.encode()).hexdigest()


def rule(
    criteria: tuple[tuple[str, int, int], ...] = (("a", 1, 5), ("b", 1, 5)),
    formula: Formula = "weighted_sum_of_means",
    passing: Fraction = Fraction(0),
    select: int = 1,
    tie_rule: TieRule = "lottery",
    priority: tuple[str, ...] = (),
) -> CallRule:
    return CallRule(tuple(CriterionRule(*c) for c in criteria), formula, passing, select, tie_rule, priority)


def entry(proposal_id: str, *scores: Mapping[str, int], digest: str | None = None) -> Entry:
    members = {f"m{i}": dict(points) for i, points in enumerate(scores)}
    return Entry(proposal_id, digest or content(proposal_id), members)


def order(ranking: Ranking) -> list[str]:
    return [e.proposal_id for e in ranking.entries]


def test_a_clear_winner_ranks_first_and_is_selected() -> None:
    result = rank(rule(), [entry("low", {"a": 2, "b": 3}), entry("high", {"a": 5, "b": 4})], SEED)
    assert order(result) == ["high", "low"]
    assert [e.rank for e in result.entries] == [1, 2]
    assert result.entries[0].score == 9
    assert result.selected == ("high",)
    assert not any(e.tie_broken for e in result.entries)


def test_weights_change_the_order() -> None:
    proposals = [entry("strong-a", {"a": 5, "b": 1}), entry("strong-b", {"a": 1, "b": 5})]
    assert order(rank(rule((("a", 3, 5), ("b", 1, 5))), proposals, SEED)) == ["strong-a", "strong-b"]
    assert order(rank(rule((("a", 1, 5), ("b", 3, 5))), proposals, SEED)) == ["strong-b", "strong-a"]


def test_means_are_exact_fractions_over_the_scorers() -> None:
    result = rank(rule(), [entry("p", {"a": 1, "b": 5}, {"a": 2, "b": 4}, {"a": 2, "b": 5})], SEED)
    assert result.entries[0].criterion_means == {"a": Fraction(5, 3), "b": Fraction(14, 3)}
    assert result.entries[0].score == Fraction(19, 3)


def test_the_percent_formula_value_is_exact_not_rounded() -> None:
    result = rank(rule((("a", 1, 3),), formula="percent_of_maximum"), [entry("p", {"a": 2})], SEED)
    score = result.entries[0].score
    assert score == Fraction(200, 3)
    assert isinstance(score, Fraction)
    published = result.to_dict()["entries"][0]
    assert published["score"] == "200/3"
    assert published["score_display"] == "66.67"


def test_the_percent_formula_weighs_each_criterion_against_its_maximum() -> None:
    # 100 × (2×4 + 1×3) / (2×5 + 1×10) = 1100/20 = 55
    call = rule((("a", 2, 5), ("b", 1, 10)), formula="percent_of_maximum")
    assert rank(call, [entry("p", {"a": 4, "b": 3})], SEED).entries[0].score == 55


def test_below_the_passing_score_is_never_selected_even_if_select_allows() -> None:
    call = rule(passing=Fraction(6), select=5)
    result = rank(call, [entry("pass", {"a": 3, "b": 3}), entry("fail", {"a": 3, "b": 2})], SEED)
    by_id = {e.proposal_id: e for e in result.entries}
    assert (by_id["pass"].passes, by_id["pass"].selected) == (True, True)
    assert (by_id["fail"].passes, by_id["fail"].selected) == (False, False)
    assert result.selected == ("pass",)


def test_fewer_passing_than_select_selects_only_those_that_pass() -> None:
    call = rule(passing=Fraction(15, 2), select=3)
    proposals = [entry("x", {"a": 5, "b": 5}), entry("y", {"a": 4, "b": 4}), entry("z", {"a": 1, "b": 1})]
    result = rank(call, proposals, SEED)
    assert result.selected == ("x", "y")
    assert [e.passes for e in result.entries] == [True, True, False]


def test_select_caps_the_number_selected_in_rank_order() -> None:
    proposals = [entry(str(i), {"a": i, "b": 0}) for i in range(5)]
    assert rank(rule(select=2), proposals, SEED).selected == ("4", "3")


def lottery_order(seed: bytes, *proposal_ids: str) -> list[str]:
    """The expected order of tied proposals, computed independently of the module under test."""
    return sorted(proposal_ids, key=lambda p: hashlib.sha256(seed + bytes.fromhex(content(p))).digest())


def test_a_tie_under_the_lottery_follows_sha256_of_seed_and_content_hash() -> None:
    tied = [entry("first", {"a": 4, "b": 2}), entry("second", {"a": 3, "b": 3}), entry("last", {"a": 1, "b": 1})]
    result = rank(rule(), tied, SEED)
    assert order(result) == [*lottery_order(SEED, "first", "second"), "last"]
    assert [e.tie_broken for e in result.entries] == [True, True, False]
    assert result.entries[0].score == result.entries[1].score
    assert [e.rank for e in result.entries] == [1, 2, 3]  # no shared ranks
    expected_key = hashlib.sha256(SEED + bytes.fromhex(content("first"))).hexdigest()
    assert next(e.lottery_key for e in result.entries if e.proposal_id == "first") == expected_key


def test_changing_the_seed_can_change_the_lottery_order() -> None:
    tied = [entry("p", {"a": 3, "b": 3}), entry("q", {"a": 3, "b": 3})]
    orders = {tuple(order(rank(rule(), tied, f"seed-{i}".encode()))) for i in range(64)}
    assert orders == {("p", "q"), ("q", "p")}
    for i in range(8):
        seed = f"seed-{i}".encode()
        assert order(rank(rule(), tied, seed)) == lottery_order(seed, "p", "q")


def test_the_lottery_never_orders_by_id() -> None:
    hashes = {"x": content("one"), "y": content("two")}
    winner = min(hashes, key=lambda k: hashlib.sha256(SEED + bytes.fromhex(hashes[k])).digest())
    loser = "y" if winner == "x" else "x"
    # Name the lottery's winner so that it sorts last by id: the lottery must still put it first.
    proposals = [
        entry("zzz", {"a": 2, "b": 2}, digest=hashes[winner]),
        entry("aaa", {"a": 2, "b": 2}, digest=hashes[loser]),
    ]
    assert order(rank(rule(), proposals, SEED)) == ["zzz", "aaa"]


def test_a_tie_under_criteria_priority_is_broken_by_the_first_priority_mean() -> None:
    tied = [entry("a-heavy", {"a": 5, "b": 1}), entry("b-heavy", {"a": 1, "b": 5})]
    for i in range(8):  # whatever the lottery would say
        seed = f"seed-{i}".encode()
        by_b = rank(rule(tie_rule="criteria_priority_then_lottery", priority=("b", "a")), tied, seed)
        by_a = rank(rule(tie_rule="criteria_priority_then_lottery", priority=("a", "b")), tied, seed)
        assert order(by_b) == ["b-heavy", "a-heavy"]
        assert order(by_a) == ["a-heavy", "b-heavy"]
        assert all(e.tie_broken for e in by_b.entries)


def test_criteria_priority_falls_to_the_next_priority_then_to_the_lottery() -> None:
    criteria = (("a", 1, 5), ("b", 1, 5), ("c", 1, 5))
    call = rule(criteria, tie_rule="criteria_priority_then_lottery", priority=("a", "b"))
    next_priority = [entry("c-heavy", {"a": 3, "b": 1, "c": 5}), entry("b-heavy", {"a": 3, "b": 5, "c": 1})]
    assert order(rank(call, next_priority, SEED)) == ["b-heavy", "c-heavy"]
    same_means = [entry("p", {"a": 3, "b": 3, "c": 3}), entry("q", {"a": 3, "b": 3, "c": 3})]
    assert order(rank(call, same_means, SEED)) == lottery_order(SEED, "p", "q")


@pytest.mark.parametrize(
    ("proposals", "message"),
    [
        ([entry("p", {"a": 6, "b": 1})], "within 0..5"),
        ([entry("p", {"a": -1, "b": 1})], "within 0..5"),
        ([entry("p", {"a": True, "b": 1})], "not an integer"),
        ([entry("p", {"a": 2})], "missing criteria"),
        ([entry("p", {"a": 2, "b": 2}, {"a": 2})], "missing criteria"),
        ([entry("p", {"a": 2, "b": 2, "z": 1})], "unknown"),
        ([entry("p")], "no scorers"),
        ([entry("p", {"a": 1, "b": 1}, digest="not-hex")], "not hex"),
        ([entry("p", {"a": 1, "b": 1}, digest="ab")], "not a SHA-256"),
        ([entry("p", {"a": 1, "b": 1}), entry("p", {"a": 2, "b": 1}, digest=content("q"))], "ids must be unique"),
        ([entry("p", {"a": 1, "b": 1}), entry("q", {"a": 2, "b": 1}, digest=content("p"))], "share a content hash"),
    ],
)
def test_invalid_entries_are_refused(proposals: list[Entry], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rank(rule(), proposals, SEED)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: rule(tie_rule="criteria_priority_then_lottery", priority=("nope",)), "unknown criteria"),
        (lambda: rule(tie_rule="criteria_priority_then_lottery"), "needs a priority"),
        (lambda: rule(priority=("a", "a")), "repeat"),
        (lambda: rule((("a", 0, 5),)), "weight"),
        (lambda: rule((("a", 1, 0),)), "max_points"),
        (lambda: rule((("a", 1, 5), ("a", 2, 5))), "unique"),
        (lambda: rule(()), "at least one"),
        (lambda: rule(select=0), "select"),
        (lambda: rule(passing=0.5), "Fraction"),  # type: ignore[arg-type]
        (lambda: rule(formula="median"), "formula"),  # type: ignore[arg-type]
        (lambda: rule(tie_rule="by_id"), "tie rule"),  # type: ignore[arg-type]
    ],
)
def test_invalid_rules_are_refused(build: Callable[[], CallRule], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def test_an_empty_seed_is_refused() -> None:
    with pytest.raises(ValueError, match="seed"):
        rank(rule(), [entry("p", {"a": 1, "b": 1})], b"")


def test_input_order_does_not_change_the_result() -> None:
    proposals = [
        entry("p", {"a": 3, "b": 3}, {"a": 2, "b": 4}),
        entry("q", {"a": 4, "b": 2}),
        entry("r", {"a": 5, "b": 1}),
        entry("s", {"a": 5, "b": 5}),
        entry("t", {"a": 0, "b": 1}),
    ]
    for tie_rule, priority in (("lottery", ()), ("criteria_priority_then_lottery", ("b",))):
        call = rule(passing=Fraction(5), select=2, tie_rule=tie_rule, priority=priority)  # type: ignore[arg-type]
        results = {json.dumps(rank(call, list(p), SEED).to_dict()) for p in itertools.permutations(proposals)}
        assert len(results) == 1


def floats_in(value: object) -> list[object]:
    if isinstance(value, float):
        return [value]
    if isinstance(value, dict):
        return [f for v in value.values() for f in floats_in(v)]
    if isinstance(value, list | tuple):
        return [f for v in value for f in floats_in(v)]
    return []


def test_fractions_never_become_floats_in_to_dict() -> None:
    call = rule((("a", 2, 5), ("b", 1, 7)), formula="percent_of_maximum", passing=Fraction(50))
    proposals = [entry("p", {"a": 4, "b": 3}, {"a": 1, "b": 6}, {"a": 5, "b": 0}), entry("q", {"a": 3, "b": 3})]
    result = rank(call, proposals, SEED)
    published = json.loads(json.dumps(result.to_dict()))
    assert floats_in(published) == []
    for shown, exact in zip(published["entries"], result.entries, strict=True):
        assert Fraction(shown["score"]) == exact.score  # recomputable exactly from the published text
        assert {k: Fraction(v) for k, v in shown["criterion_means"].items()} == exact.criterion_means
        assert all("/" in v for v in shown["criterion_means"].values())
    assert rank(rule(), [entry("p", {"a": 3, "b": 3})], SEED).to_dict()["entries"][0]["score"] == "6/1"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Fraction(200, 3), "66.67"),
        (Fraction(1, 8), "0.13"),  # half-up, not banker's rounding
        (Fraction(5, 1000), "0.01"),
        (Fraction(1, 3), "0.33"),
        (Fraction(6), "6.00"),
        (Fraction(0), "0.00"),
        (Fraction(-1, 8), "-0.13"),
        (Fraction(-1, 1000), "0.00"),
    ],
)
def test_the_display_rounds_half_up_to_two_places(value: Fraction, shown: str) -> None:
    assert fraction_display(value) == shown


def test_the_seed_commitment_and_lottery_key_are_plain_sha256() -> None:
    digest = content("p")
    assert seed_commitment(SEED) == hashlib.sha256(SEED).hexdigest()
    assert lottery_key(SEED, digest) == hashlib.sha256(SEED + bytes.fromhex(digest)).digest()
