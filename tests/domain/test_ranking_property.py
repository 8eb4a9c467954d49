"""The published decision rule's ranking, for generated calls and scores (hypothesis): exact — every score equals
the formula computed here independently in fractions —, independent of the order the proposals come in, of how the
proposals and the members are named, and consistent — scores never rise down the ranking, only passing proposals
are selected, the first `select` of them, and a tie is marked on both sides of it."""

from __future__ import annotations

import hashlib
import random as stdlib_random
from fractions import Fraction
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from kyodo_proposals.ranking import CallRule, CriterionRule, Entry, Ranking, rank

SEED = b"published-seed"


@st.composite
def rules(draw: st.DrawFn) -> CallRule:
    count = draw(st.integers(1, 4))
    criteria = tuple(
        CriterionRule(key=f"c{i}", weight=draw(st.integers(1, 3)), max_points=draw(st.integers(1, 10)))
        for i in range(count)
    )
    tie_rule = draw(st.sampled_from(["lottery", "criteria_priority_then_lottery"]))
    priority = tuple(draw(st.permutations([c.key for c in criteria]))) if tie_rule != "lottery" else ()
    return CallRule(
        criteria=criteria,
        formula=draw(st.sampled_from(["weighted_sum_of_means", "percent_of_maximum"])),
        passing_score=Fraction(draw(st.integers(0, 60)), draw(st.integers(1, 3))),
        select=draw(st.integers(1, 3)),
        tie_rule=tie_rule,
        priority=priority,
    )


@st.composite
def calls(draw: st.DrawFn) -> tuple[CallRule, list[Entry]]:
    rule = draw(rules())
    entries = []
    for n in range(draw(st.integers(1, 6))):
        members = draw(st.integers(1, 4))
        # Few distinct points, so equal scores (ties) come often.
        scores = {
            f"m{m}": {c.key: draw(st.integers(0, min(c.max_points, 2))) for c in rule.criteria} for m in range(members)
        }
        entries.append(Entry(f"p{n}", hashlib.sha256(f"content {n}".encode()).hexdigest(), scores))
    return rule, entries


def expected_score(rule: CallRule, entry: Entry) -> Fraction:
    """The formula as the call publishes it, computed without the service's code."""
    scorers = len(entry.scores)
    weighted = Fraction(0)
    for c in rule.criteria:
        weighted += c.weight * Fraction(sum(points[c.key] for points in entry.scores.values()), scorers)
    if rule.formula == "weighted_sum_of_means":
        return weighted
    return 100 * weighted / sum(c.weight * c.max_points for c in rule.criteria)


def shape(ranking: Ranking) -> list[tuple[object, ...]]:
    return [(e.proposal_id, e.rank, e.score, e.passes, e.selected, e.tie_broken) for e in ranking.entries]


@settings(max_examples=200, deadline=None)
@given(calls(), st.randoms(use_true_random=False))
def test_the_ranking_is_exact_and_the_same_whatever_order_the_proposals_come_in(
    call: tuple[CallRule, list[Entry]], random: stdlib_random.Random
) -> None:
    rule, entries = call
    ranking = rank(rule, entries, SEED)
    by_id = {e.proposal_id: e for e in entries}
    for ranked in ranking.entries:
        assert ranked.score == expected_score(rule, by_id[ranked.proposal_id])
        assert isinstance(ranked.score, Fraction)
    shuffled = list(entries)
    random.shuffle(shuffled)
    assert shape(rank(rule, shuffled, SEED)) == shape(ranking)


@settings(max_examples=200, deadline=None)
@given(calls())
def test_names_of_proposals_and_members_change_nothing_but_the_names(call: tuple[CallRule, list[Entry]]) -> None:
    rule, entries = call
    renamed = [
        Entry(f"other-{e.proposal_id}", e.content_hash, {f"x-{m}": p for m, p in reversed(list(e.scores.items()))})
        for e in entries
    ]
    original = shape(rank(rule, entries, SEED))
    assert [(f"other-{row[0]}", *row[1:]) for row in original] == shape(rank(rule, renamed, SEED))


@settings(max_examples=200, deadline=None)
@given(calls())
def test_scores_never_rise_down_the_ranking_and_the_first_passing_ones_are_selected(
    call: tuple[CallRule, list[Entry]],
) -> None:
    rule, entries = call
    ranked = rank(rule, entries, SEED).entries
    assert [e.rank for e in ranked] == list(range(1, len(entries) + 1))
    assert all(a.score >= b.score for a, b in pairwise(ranked))
    assert all(e.passes == (e.score >= rule.passing_score) for e in ranked)
    passing = [e.proposal_id for e in ranked if e.passes]
    assert [e.proposal_id for e in ranked if e.selected] == passing[: rule.select]
    for i, entry in enumerate(ranked):
        neighbours = [ranked[j].score for j in (i - 1, i + 1) if 0 <= j < len(ranked)]
        assert entry.tie_broken == (entry.score in neighbours)
