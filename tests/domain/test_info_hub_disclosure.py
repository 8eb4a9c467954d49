"""Disclosure control (秘匿処理), case by case: the expected marks are derived by hand in the comments. Notation:
a table's interior cells x[i][j], its row question's margins a[i], its column question's b[j]; H = suppressed
(hidden), . = published. One mark only is published, never why; the reader knows zeros are always published, so
every hidden count is at least 1 (a multiple choice option also at most answers - 1: its complement is not zero)."""

from __future__ import annotations

import pytest

from kyodo_info_hub.disclosure import CrossTab, Multiple, protect

H, _ = True, False


def test_a_small_count_in_a_distribution_is_hidden_with_the_smallest_other_count() -> None:
    # (5, 2, 0, 4) of 11 answers: the 2 is primary. Alone it is 11 - 5 - 0 - 4 = 2, so one more count must go:
    # the smallest non-zero published one is the 4 (the 0 is never suppressed). Then 2 + 4 = 6 hidden between
    # two cells, each at least 1: each is anything from 1 to 5.
    protection = protect({"q": [5, 2, 0, 4]})
    assert protection.distributions["q"] == (_, H, _, H)


def test_two_small_counts_protect_each_other_and_need_no_complement() -> None:
    # (1, 2, 7) of 10: 1 and 2 are primary; together they are 10 - 7 = 3, each at least 1: either is 1..2.
    assert protect({"q": [1, 2, 7]}).distributions["q"] == (H, H, _)


def test_zeros_are_published_as_zeros() -> None:
    # (0, 1, 0, 6) of 7: the 1 is primary and the 6 its only possible complement (zeros stay): 1 + 6 = 7, each
    # at least 1 → 1..6.
    assert protect({"q": [0, 1, 0, 6]}).distributions["q"] == (_, H, _, H)


def test_small_counts_that_only_fit_as_ones_are_hidden_with_a_larger_count() -> None:
    # (1, 1, 5) of 7: the two 1s sum to 7 - 5 = 2 and each is at least 1 (a zero would be published): both
    # would be 1. The 5 is hidden too: then 7 between three counts, each at least 1: each is 1..5.
    assert protect({"q": [1, 1, 5]}).distributions["q"] == (H, H, H)
    # (2, 1) of 3: both primary; 3 between two counts each at least 1: either is 1..2.
    assert protect({"q": [2, 1]}).distributions["q"] == (H, H)


def test_a_distribution_of_ones_only_cannot_be_protected_and_is_withheld() -> None:
    # (1, 1, 1) of 3: whatever is hidden, three counts of at least 1 sum to 3: each is 1.
    assert protect({"q": [1, 1, 1]}).distributions["q"] is None


def test_a_small_cell_of_a_cross_tab_is_hidden_with_the_cheapest_rectangle() -> None:
    # x = [[1, 4], [5, 6]], a = (5, 11), b = (6, 10). x00 = 1 is primary. No single complement works: with x01
    # also hidden x00 = b0 - x10 = 1; with x10, x00 = a0 - x01 = 1; with a0 or b0 the other line gives it away.
    # Cycles through x00: the interior rectangle x01 + x10 + x11 hides 4 + 5 + 6 = 15 groups; through a margin
    # (x01, b0, b1) 4 + 6 + 10 = 20 or (a0, a1, x10) 5 + 11 + 5 = 21. The cheapest wins: then x00 = t,
    # x01 = 5 - t, x10 = 6 - t, x11 = 5 + t, each at least 1: any t in 1..4.
    protection = protect({"a": [5, 11], "b": [6, 10]}, [CrossTab("a", "b", ((1, 4), (5, 6)))])
    assert protection.crosstabs[0] == ((H, H), (H, H))
    assert protection.distributions == {"a": (_, _), "b": (_, _)}


def test_a_small_margin_next_to_a_zero_is_hidden_with_another_category_and_a_path_through_the_table() -> None:
    # x = [[1, 0], [4, 6]], a = (1, 10), b = (5, 6), 11 groups. Primary: x00 = 1 and a0 = 1. The margin a0 goes
    # first: with x01 = 0 published, a0 = x00, and column 0 gives x00 = 5 - 4. Hiding a1 alone does not help
    # (a1 = x10 + x11 = 10). Another category (a1, 10) and the cheapest path from row 0 to row 1 inside the
    # table (x00 already hidden, then x10: 4; x01 = 0 cannot be used) hide 14 groups: then a0 = x00 = t,
    # x10 = 5 - t, a1 = 11 - t, each at least 1: t in 1..4.
    protection = protect({"a": [1, 10], "b": [5, 6]}, [CrossTab("a", "b", ((1, 0), (4, 6)))])
    assert protection.distributions == {"a": (H, H), "b": (_, _)}
    assert protection.crosstabs[0] == ((H, _), (H, _))


def test_a_cell_isolated_by_zeros_is_protected_through_both_margins() -> None:
    # x = [[1, 0], [0, 5]], a = b = (1, 5), 6 groups. x00 = a0 = b0 = 1 (primary), linked only through the
    # zeros. a1 alone is given away by x11. The cheapest cycle from row 0 to row 1 not using a's margins goes
    # x00 → b0 → b1 → x11: with a1 that hides a1, b1 and x11 (15 groups): then x00 = a0 = b0 = t and
    # x11 = a1 = b1 = 6 - t, each at least 1: t in 1..5.
    protection = protect({"a": [1, 5], "b": [1, 5]}, [CrossTab("a", "b", ((1, 0), (0, 5)))])
    assert protection.distributions == {"a": (H, H), "b": (H, H)}
    assert protection.crosstabs[0] == ((H, _), (_, H))


def test_a_margin_published_by_a_linked_cross_tab_is_not_relied_on() -> None:
    # a × b: x = [[0, 3], [3, 1]], a = (3, 4), b = (3, 4); a × c: [[0, 3], [0, 4]], c = (0, 7). x11 = 1 is
    # primary. Alone, two cycles of 10 groups protect it: (a0, a1, x01): x11 = t, x01 = a0 = 4 - t, a1 = 3 + t,
    # t in 1..3; and (x10, b0, b1) likewise; the tie goes to the first question's margins. But a × c publishes
    # a0 = 0 + 3 and a1 = 0 + 4, so with it that choice leaves x11 = a1 - x10 = 1: the other cycle is taken:
    # x11 = t, x10 = b0 = 4 - t, b1 = 3 + t, each at least 1: t in 1..3.
    ab, ac = CrossTab("a", "b", ((0, 3), (3, 1))), CrossTab("a", "c", ((0, 3), (0, 4)))
    alone = protect({"a": [3, 4], "b": [3, 4]}, [ab])
    assert alone.distributions == {"a": (H, H), "b": (_, _)}
    assert alone.crosstabs[0] == ((_, H), (_, H))
    linked = protect({"a": [3, 4], "b": [3, 4], "c": [0, 7]}, [ab, ac])
    assert linked.distributions == {"a": (_, _), "b": (H, H), "c": (_, _)}
    assert linked.crosstabs == (((_, _), (H, H)), ((_, _), (_, _)))


def test_a_table_of_one_group_cannot_be_protected_and_is_withheld_with_its_distributions() -> None:
    # One group: x00 = a0 = b0 = 1 = the published total, whatever else is hidden.
    protection = protect({"a": [1, 0], "b": [1, 0]}, [CrossTab("a", "b", ((1, 0), (0, 0)))])
    assert protection.crosstabs == (None,)
    assert protection.distributions == {"a": None, "b": None}


def test_a_multiple_choice_option_chosen_by_few_or_by_all_but_few_is_hidden() -> None:
    # 5 answers: money 2 (primary), people 3 (5 - 3 = 2 did not choose it: primary too). A reader knows each hidden
    # option is 1..4 (0 and 5 would be published) and, every answering group having chosen an option, that
    # money + people >= 5: money = 1 with people = 4, or money = 4 with people = 1, … : both protected.
    # 10 answers: people 9 (1 did not) and money 1, both hidden: 1..9 each, summing to at least 10: protected.
    protection = protect({}, [], {"help": Multiple(5, (2, 3)), "more": Multiple(10, (9, 1))})
    assert protection.multiples == {"help": (H, H), "more": (H, H)}


def test_an_option_every_group_chose_and_an_unchosen_one_are_published() -> None:
    # 4 answers: place 4 (all: its complement is 0), money 1 (primary), people 0. money is 1..3 (place alone
    # makes the sum reach 4, so the inequality does not bind): no complement needed, and none could be taken:
    # neither a zero nor an option chosen by all is ever hidden to protect another.
    assert protect({}, [], {"needs": Multiple(4, (4, 1, 0))}).multiples == {"needs": (_, H, _)}


def test_the_same_inputs_give_the_same_marks() -> None:
    tables = [CrossTab("a", "b", ((1, 4, 2), (5, 6, 3)))]
    first = protect({"a": [7, 14], "b": [6, 10, 5]}, tables)
    assert all(protect({"a": [7, 14], "b": [6, 10, 5]}, tables) == first for _ in range(3))


def test_a_cross_tab_whose_totals_differ_from_its_distributions_is_refused() -> None:
    with pytest.raises(ValueError, match="totals differ"):
        protect({"a": [3, 3], "b": [3, 3]}, [CrossTab("a", "b", ((3, 0), (3, 0)))])


def test_a_multiple_choice_answer_without_an_option_is_refused() -> None:
    # 3 answers but only 2 choices in all: one group chose nothing, which the survey part stores as no answer.
    with pytest.raises(ValueError, match="without an option"):
        protect({}, [], {"m": Multiple(3, (1, 1))})
