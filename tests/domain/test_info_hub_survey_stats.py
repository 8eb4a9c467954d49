"""The survey's statistics computed from submitted answers (expected figures derived by hand in the comments)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kyodo_info_hub.survey_stats import Cell, QuestionSpec, compute

FIELD = QuestionSpec("field", "single", True, options=("welfare", "environment", "culture"))
MEMBERS = QuestionSpec("members", "number", True, bands=(Decimal(0), Decimal(10)))
ACTIVITIES = QuestionSpec("activities", "multiple", False, options=("events", "meals", "study"))
FOUNDED = QuestionSpec("founded", "date", False)
NOTES = QuestionSpec("notes", "text", False)
BUDGET = QuestionSpec("budget", "number", False)
QUESTIONS = [FIELD, MEMBERS, ACTIVITIES, FOUNDED, NOTES, BUDGET]


def group(field: str, members: int | str | Decimal, **more: Any) -> dict[str, Any]:
    return {"field": field, "members": members, **more}


# 12 groups answering. welfare: members 3, 4, 8 (band 0-9) and 12, 15, 20 (10+); environment: 5, 6, 7, 9 (0-9)
# and 30, 11 (10+); nobody in culture. An empty choice (activities=[]) is no answer, as the survey part stores it.
ANSWERS = [
    group("welfare", 3, activities=["events"], founded="1975-04-01", notes="秘密のメモ"),
    group("welfare", 4, activities=["events", "meals"], founded="1998-06-30", budget="100"),
    group("welfare", 8, activities=["events"], founded="1999-12-31"),
    group("welfare", "12", activities=["events", "meals"], founded="2019-01-01", notes="x"),
    group("welfare", 15, activities=["events"], founded="2021-05-05"),
    group("welfare", 20, activities=[], founded="2021-05-06", budget=Decimal("2.5")),
    group("environment", 5, activities=["events"], founded="2021-07-07", notes="y"),
    group("environment", 6, activities=[], founded="2024-08-08"),
    group("environment", 7, activities=["events"], notes="z"),
    group("environment", 30, activities=[]),
    group("environment", 11),
    group("environment", Decimal("9")),
]


def test_distributions_percentages_and_number_summaries_follow_the_answers() -> None:
    stats = compute(QUESTIONS, [("field", "members")], ANSWERS, targets=15)
    # 12 of 15 groups answered: 80.0 %.
    assert (stats.targets, stats.answered, stats.response_rate_percent) == (15, 12, "80.0")
    by_key = {q.key: q for q in stats.questions}
    # field (6, 6, 0) of 12: nothing small; zeros published.
    assert by_key["field"].distribution == [
        Cell(category="welfare", count=6, percent="50.0"),
        Cell(category="environment", count=6, percent="50.0"),
        Cell(category="culture", count=0, percent="0.0"),
    ]
    # members bands (7, 5) of 12: 58.33… → 58.3, 41.66… → 41.7. Sum 62 + 68 = 130, mean 130 / 12 = 10.833… → 10.83;
    # sorted 3 4 5 6 7 8 | 9 11 12 15 20 30: median (8 + 9) / 2 = 8.5.
    members = by_key["members"]
    assert [(c.category, c.count, c.percent) for c in members.distribution] == [
        ("0-9", 7, "58.3"),
        ("10+", 5, "41.7"),
    ]
    assert members.summary is not None
    assert (members.summary.mean, members.summary.median) == ("10.83", "8.5")
    # activities: 7 groups answered (the three empty choices are no answer); events chosen by all 7 → 100.0 %
    # (nobody did not: a zero complement, published); meals 2 → hidden; study 0 → published. A reader knows
    # meals is 1..6 (neither 0 nor all 7, which would be published); events alone already makes every answering
    # group have chosen something: meals stays 1..6, no complement needed.
    activities = by_key["activities"]
    assert activities.answers == 7
    assert [(c.count, c.percent, c.suppressed) for c in activities.distribution] == [
        (7, "100.0", False),
        (None, None, True),
        (0, "0.0", False),
    ]
    # founded: 8 answers in the fixed bands of years, zeros published whatever the answers: 1975 → -1979 (1),
    # 1998, 1999 → 1990-1999 (2), 2019 → 2010-2019 (1), 2021 ×3, 2024 → 2020- (4). The 1, 2 and 1 are hidden:
    # 8 - 4 = 4 between three counts each at least 1: one of them is 2, any of them: each is 1..2.
    founded = by_key["founded"]
    assert [(c.category, c.count, c.suppressed) for c in founded.distribution] == [
        ("-1979", None, True),
        ("1980-1989", 0, False),
        ("1990-1999", None, True),
        ("2000-2009", 0, False),
        ("2010-2019", None, True),
        ("2020-", 4, False),
    ]
    # Free text is never published, only how many answered; a question with 2 answers neither.
    assert by_key["notes"].model_dump() == {
        "key": "notes",
        "kind": "text",
        "answers": 4,
        "published": False,
        "distribution": [],
        "summary": None,
    }
    assert (by_key["budget"].answers, by_key["budget"].published, by_key["budget"].summary) == (2, False, None)
    assert "秘密のメモ" not in stats.model_dump_json()


def test_a_cross_tab_hides_its_small_cell_with_the_cheapest_rectangle() -> None:
    # field × members: welfare (3, 3), environment (4, 2), culture (0, 0); margins (6, 6, 0) and (7, 5).
    # environment/10+ = 2 is primary. One more cell never suffices (its row and column give it back); the
    # cheapest cycle is the interior rectangle welfare/0-9 (3), welfare/10+ (3), environment/0-9 (4): 10 groups,
    # cheaper than through the margins (6 + 6 + 3 = 15, 7 + 5 + 4 = 16). Then environment/10+ = t,
    # environment/0-9 = 6 - t, welfare/0-9 = 1 + t, welfare/10+ = 5 - t, each at least 1: t in 1..4 (the reader
    # sees one mark on all four, not which is the small one). The culture row's zeros stay.
    (table,) = compute(QUESTIONS, [("field", "members")], ANSWERS, targets=15).crosstabs
    assert table.published
    assert (table.rows, table.columns, table.total) == (["welfare", "environment", "culture"], ["0-9", "10+"], 12)
    assert [[c.suppressed for c in row] for row in table.cells] == [[True, True], [True, True], [False, False]]
    assert [[(c.count, c.percent) for c in row] for row in table.cells][2] == [(0, "0.0"), (0, "0.0")]
    # Margins of the grand total (12): 6 → 50.0, 7 → 58.3.
    assert [(c.count, c.percent) for c in table.row_totals] == [(6, "50.0"), (6, "50.0"), (0, "0.0")]
    assert [(c.count, c.percent) for c in table.column_totals] == [(7, "58.3"), (5, "41.7")]
    # Means of members per row: welfare and environment hold suppressed cells, culture nobody.
    assert table.row_means == [None, None, None]


def test_row_means_are_given_where_the_row_is_published() -> None:
    # welfare: 1, 2, 3 | 10, 20, 30 → (3, 3), mean 66 / 6 = 11.00; environment: 4, 5, 6 | 11, 12, 13 → (3, 3),
    # mean 51 / 6 = 8.50; culture empty.
    answers = [group("welfare", m) for m in (1, 2, 3, 10, 20, 30)] + [
        group("environment", m) for m in (4, 5, 6, 11, 12, 13)
    ]
    (table,) = compute([FIELD, MEMBERS], [("field", "members")], answers, targets=12).crosstabs
    assert [[c.count for c in row] for row in table.cells] == [[3, 3], [3, 3], [0, 0]]
    assert [c.percent for c in table.cells[0]] == ["25.0", "25.0"]
    assert table.row_means == ["11.00", "8.50", None]


def test_the_result_does_not_depend_on_the_order_of_the_answers() -> None:
    forward = compute(QUESTIONS, [("field", "members")], ANSWERS, targets=15)
    assert compute(QUESTIONS, [("field", "members")], list(reversed(ANSWERS)), targets=15) == forward


def test_a_cross_tab_with_an_optional_question_or_fewer_than_three_groups_is_withheld() -> None:
    optional = compute(QUESTIONS, [("field", "founded")], ANSWERS, targets=15).crosstabs[0]
    assert (optional.published, optional.cells, optional.total) == (False, [], 12)
    stats = compute(QUESTIONS, [("field", "members")], ANSWERS[:2], targets=15)
    # 2 of 15 answered: 13.33… → 13.3 %; nothing but the numbers of answers is published.
    assert stats.response_rate_percent == "13.3"
    assert [(q.answers, q.published) for q in stats.questions][:2] == [(2, False), (2, False)]
    assert stats.crosstabs[0].published is False


def test_no_targets_gives_a_zero_response_rate() -> None:
    assert compute(QUESTIONS, [], [], targets=0).response_rate_percent == "0.0"


def test_a_number_question_with_a_suppressed_band_publishes_no_mean_or_median() -> None:
    # Answers 0, 0, 3 in bands 0-2 / 3-5 / 6-8 / 9+: counts (2, 1, 0, 0), both small: hidden (3 between two
    # counts each at least 1: either is 1..2). With the mean 1.00 (a total of 3) and the median 0, a reader of
    # whole numbers would find the 0-2 band holds exactly 2 (three answers there with median 0 sum to at most
    # 0 + 0 + 2): so neither is published.
    spec = QuestionSpec("staff", "number", True, bands=tuple(map(Decimal, (0, 3, 6, 9))))
    (question,) = compute([spec], [], [{"staff": v} for v in (0, 0, 3)], targets=3).questions
    assert question.published
    assert question.summary is None
    assert [(c.category, c.count, c.suppressed) for c in question.distribution] == [
        ("0-2", None, True),
        ("3-5", None, True),
        ("6-8", 0, False),
        ("9+", 0, False),
    ]


def test_dates_fall_in_fixed_bands_of_years_whatever_the_answers() -> None:
    # Three groups founded 2021, 2022 and 2023: 2020- holds 3, every other band 0, all listed: the categories
    # say nothing about which years were answered.
    founded = [{"founded": f"{year}-04-01"} for year in (2021, 2022, 2023)]
    (question,) = compute([FOUNDED], [], founded, targets=3).questions
    assert [(c.category, c.count) for c in question.distribution] == [
        ("-1979", 0),
        ("1980-1989", 0),
        ("1990-1999", 0),
        ("2000-2009", 0),
        ("2010-2019", 0),
        ("2020-", 3),
    ]


def test_an_empty_choice_or_text_is_no_answer() -> None:
    # Two empty choices and one empty text are no answers: 3 groups answered the choice, none the text.
    answers: list[dict[str, Any]] = [{"activities": [], "notes": ""}, {"activities": []}]
    answers += [{"activities": ["study"]}] * 3
    stats = compute([ACTIVITIES, NOTES], [], answers, targets=5)
    assert [q.answers for q in stats.questions] == [3, 0]


def test_band_labels_hold_every_value_in_the_band() -> None:
    # Edges 0, 5, 10 and an answer 4.5: "0-4" would not hold it, so the next edge is shown, excluded: "0-<5".
    # Three answers per band, so nothing is hidden.
    spec = QuestionSpec("hours", "number", True, bands=(Decimal(0), Decimal(5), Decimal(10)))

    def labels(question: QuestionSpec, *low: object) -> list[str]:
        answers = [{"hours": v} for v in (*low, 6, 7, 8, 12, 13, 14)]
        (statistics,) = compute([question], [], answers, targets=9).questions
        return [c.category for c in statistics.distribution]

    assert labels(spec, "4.5", 1, 2) == ["0-<5", "5-<10", "10+"]
    # Whole-number answers: the usual "0-4"; declared not whole, the answers do not change the labels.
    assert labels(spec, 4, 1, 2) == ["0-4", "5-9", "10+"]
    assert labels(QuestionSpec("hours", "number", True, bands=spec.bands, whole=False), 4, 1, 2) == [
        "0-<5",
        "5-<10",
        "10+",
    ]
    # Below the first edge (the survey part refuses such bands): the first band is open below, "-4".
    assert labels(spec, -3, 1, 2) == ["-4", "5-9", "10+"]


def test_the_mean_of_the_largest_accepted_numbers_is_exact() -> None:
    # Five answers of 999999999999.999999 (|x| < 10^12, 6 places): the sum needs 20 digits; the mean
    # 999999999999.999999 rounds half up to 1000000000000.00; the median is the middle value itself. One answer
    # of -999999999999.999999 and four of 0.000001: sum -999999999999.999995, / 5 = -199999999999.999999
    # → -200000000000.00 (half up, away from zero); median (third of five) 0.000001.
    big = QuestionSpec("budget", "number", True)
    largest = [{"budget": "999999999999.999999"}] * 5
    (question,) = compute([big], [], largest, targets=5).questions
    assert question.summary is not None
    assert (question.summary.mean, question.summary.median) == ("1000000000000.00", "999999999999.999999")
    mixed = [{"budget": "-999999999999.999999"}] + [{"budget": "0.000001"}] * 4
    (question,) = compute([big], [], mixed, targets=5).questions
    assert question.summary is not None
    assert (question.summary.mean, question.summary.median) == ("-200000000000.00", "0.000001")


def test_a_median_is_published_only_from_five_answers_and_a_mean_from_three() -> None:
    # 3 answers 2, 4, 9: mean 15 / 3 = 5.00; a median of 4 would be the middle group's own value, and the group
    # that answered 2 would get 15 - 2 - 4 = 9 for the third: withheld.
    # 4 answers 2, 4, 6, 9: mean 21 / 4 = 5.25; a median of 5 would give 4 × 5.25 - 2 × 5 = 11 = 2 + 9, so the
    # group that answered 2 would learn the 9: withheld.
    # 5 answers 2, 4, 6, 9, 14: mean 35 / 5 = 7.00, median 6 (the third), both published. The group at 2 learns
    # that beside the 6 one other is at most 6 and two at least 6, the three summing to 35 - 2 - 6 = 27: (4, 9, 14),
    # (3, 10, 14), (5, 6, 16), … — no other value pinned.
    members = QuestionSpec("members", "number", True)

    def summary(*values: int) -> tuple[str, str | None]:
        (question,) = compute([members], [], [{"members": v} for v in values], targets=5).questions
        assert question.summary is not None
        return question.summary.mean, question.summary.median

    assert summary(2, 4, 9) == ("5.00", None)
    assert summary(2, 4, 6, 9) == ("5.25", None)
    assert summary(2, 4, 6, 9, 14) == ("7.00", "6")
    (two,) = compute([members], [], [{"members": 2}, {"members": 4}], targets=5).questions
    assert (two.published, two.summary) == (False, None)
