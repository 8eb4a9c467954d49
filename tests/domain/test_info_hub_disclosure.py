"""Disclosure control (秘匿処理), case by case: the expected marks are derived by hand in the comments. Notation:
a table's interior cells x[i][j], its row question's margins a[i], its column question's b[j]; P = primary
(1 or 2 groups), S = secondary (complementary), . = published."""

from __future__ import annotations

import pytest

from kyodo_info_hub.disclosure import CrossTab, protect

P, S = "primary", "secondary"


def test_a_small_count_in_a_distribution_is_hidden_with_the_smallest_other_count() -> None:
    # (5, 2, 0, 4) of 11 answers: the 2 is primary. Alone it is 11 - 5 - 0 - 4 = 2, so one more count must go:
    # the smallest non-zero published one is the 4 (the 0 is never suppressed). Then 2 + 4 = 6 hidden between
    # two cells: each is anything from 0 to 6.
    protection = protect({"q": [5, 2, 0, 4]})
    assert protection.distributions["q"] == (None, P, None, S)


def test_two_small_counts_protect_each_other_and_need_no_complement() -> None:
    # (1, 2, 7) of 10: 1 and 2 are primary; together they are 10 - 7 = 3, so either is 0..3.
    assert protect({"q": [1, 2, 7]}).distributions["q"] == (P, P, None)


def test_zeros_are_published_as_zeros() -> None:
    # (0, 1, 0, 6) of 7: the 1 is primary and the 6 its only possible complement (zeros stay): 1 + 6 = 7 → 0..7.
    assert protect({"q": [0, 1, 0, 6]}).distributions["q"] == (None, P, None, S)


def test_a_small_cell_of_a_cross_tab_is_hidden_with_the_cheapest_rectangle() -> None:
    # x = [[1, 4], [5, 6]], a = (5, 11), b = (6, 10). x00 = 1 is primary. No single complement works: with x01
    # also hidden x00 = b0 - x10 = 1; with x10, x00 = a0 - x01 = 1; with a0 or b0 the other line gives it away.
    # Cycles through x00: the interior rectangle x01 + x10 + x11 hides 4 + 5 + 6 = 15 groups; through a margin
    # (x01, b0, b1) 4 + 6 + 10 = 20 or (a0, a1, x10) 5 + 11 + 5 = 21. The cheapest wins: then x00 = t,
    # x01 = 5 - t, x10 = 6 - t, x11 = 5 + t for any t in 0..5.
    protection = protect({"a": [5, 11], "b": [6, 10]}, [CrossTab("a", "b", ((1, 4), (5, 6)))])
    assert protection.crosstabs[0] == ((P, S), (S, S))
    assert protection.distributions == {"a": (None, None), "b": (None, None)}


def test_a_small_margin_next_to_a_zero_is_hidden_with_another_category_and_a_path_through_the_table() -> None:
    # x = [[1, 0], [4, 6]], a = (1, 10), b = (5, 6), 11 groups. Primary: x00 = 1 and a0 = 1. The margin a0 goes
    # first: with x01 = 0 published, a0 = x00, and column 0 gives x00 = 5 - 4. Hiding a1 alone does not help
    # (a1 = x10 + x11 = 10). Another category (a1, 10) and the cheapest path from row 0 to row 1 inside the
    # table (x00 already hidden, then x10: 4; x01 = 0 cannot be used) hide 14 groups: then a0 = x00 = t,
    # x10 = 5 - t, a1 = 11 - t for t in 0..5.
    protection = protect({"a": [1, 10], "b": [5, 6]}, [CrossTab("a", "b", ((1, 0), (4, 6)))])
    assert protection.distributions == {"a": (P, S), "b": (None, None)}
    assert protection.crosstabs[0] == ((P, None), (S, None))


def test_a_cell_isolated_by_zeros_is_protected_through_both_margins() -> None:
    # x = [[1, 0], [0, 5]], a = b = (1, 5), 6 groups. x00 = a0 = b0 = 1 (primary), linked only through the
    # zeros. a1 alone is given away by x11. The cheapest cycle from row 0 to row 1 not using a's margins goes
    # x00 → b0 → b1 → x11: with a1 that hides a1, b1 and x11 (15 groups): then x00 = a0 = b0 = t and
    # x11 = a1 = b1 = 6 - t for t in 0..6.
    protection = protect({"a": [1, 5], "b": [1, 5]}, [CrossTab("a", "b", ((1, 0), (0, 5)))])
    assert protection.distributions == {"a": (P, S), "b": (P, S)}
    assert protection.crosstabs[0] == ((P, None), (None, S))


def test_a_margin_published_by_a_linked_cross_tab_is_not_relied_on() -> None:
    # a × b: x = [[0, 3], [3, 1]], a = (3, 4), b = (3, 4); a × c: [[0, 3], [0, 4]], c = (0, 7). x11 = 1 is
    # primary. Alone, two cycles of 10 groups protect it: (a0, a1, x01) and (x10, b0, b1); the tie goes to the
    # first question's margins. But a × c publishes a0 = 0 + 3 and a1 = 0 + 4, so with it that choice leaves
    # x11 = a1 - x10 = 1: the other cycle is taken: x11 = t, x10 = 4 - t, b0 = 4 - t, b1 = 3 + t, t in 0..4.
    ab, ac = CrossTab("a", "b", ((0, 3), (3, 1))), CrossTab("a", "c", ((0, 3), (0, 4)))
    alone = protect({"a": [3, 4], "b": [3, 4]}, [ab])
    assert alone.distributions == {"a": (S, S), "b": (None, None)}
    assert alone.crosstabs[0] == ((None, S), (None, P))
    linked = protect({"a": [3, 4], "b": [3, 4], "c": [0, 7]}, [ab, ac])
    assert linked.distributions == {"a": (None, None), "b": (S, S), "c": (None, None)}
    assert linked.crosstabs == (((None, None), (S, P)), ((None, None), (None, None)))


def test_a_table_of_one_group_cannot_be_protected_and_is_withheld_with_its_distributions() -> None:
    # One group: x00 = a0 = b0 = 1 = the published total, whatever else is hidden.
    protection = protect({"a": [1, 0], "b": [1, 0]}, [CrossTab("a", "b", ((1, 0), (0, 0)))])
    assert protection.crosstabs == (None,)
    assert protection.distributions == {"a": None, "b": None}


def test_categories_listed_only_when_seen_count_as_holding_a_group() -> None:
    # Years (1, 5): each listed year holds at least one group, so with both hidden the first is 1..5, not 0..6.
    assert protect({"y": [1, 5]}, present=frozenset({"y"})).distributions["y"] == (P, S)
    # Years (1, 1, 1): every listed year holds exactly one group, whatever is hidden: withheld.
    assert protect({"y": [1, 1, 1]}, present=frozenset({"y"})).distributions["y"] is None


def test_the_same_inputs_give_the_same_marks() -> None:
    tables = [CrossTab("a", "b", ((1, 4, 2), (5, 6, 3)))]
    first = protect({"a": [7, 14], "b": [6, 10, 5]}, tables)
    assert all(protect({"a": [7, 14], "b": [6, 10, 5]}, tables) == first for _ in range(3))


def test_a_cross_tab_whose_totals_differ_from_its_distributions_is_refused() -> None:
    with pytest.raises(ValueError, match="totals differ"):
        protect({"a": [3, 3], "b": [3, 3]}, [CrossTab("a", "b", ((3, 0), (3, 0)))])
