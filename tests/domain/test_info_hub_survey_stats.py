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


def group(field: str, members: int | str, **more: Any) -> dict[str, Any]:
    return {"field": field, "members": members, **more}


# 12 groups answering. welfare: members 3, 4, 8 (band 0-9) and 12, 15, 20 (10+); environment: 5, 6, 7, 9 (0-9)
# and 30, 11 (10+); nobody in culture.
ANSWERS = [
    group("welfare", 3, activities=["events"], founded="2019-04-01", notes="秘密のメモ"),
    group("welfare", 4, activities=["events", "meals"], founded="2019-06-30", budget="100"),
    group("welfare", 8, activities=["events"], founded="2019-12-31"),
    group("welfare", "12", activities=["events", "meals"], founded="2020-01-01", notes="x"),
    group("welfare", 15, activities=["events"], founded="2021-05-05"),
    group("welfare", 20, activities=[], founded="2021-05-06", budget=Decimal("2.5")),
    group("environment", 5, activities=["events"], founded="2021-07-07", notes="y"),
    group("environment", 6, activities=[], founded="2021-08-08"),
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
    # activities: 10 groups answered (an empty choice is an answer); events 7 → 70.0 %, meals 2 → primary
    # (an independent count: nothing else to hide), study 0 → published.
    activities = by_key["activities"]
    assert activities.answers == 10
    assert [(c.count, c.percent, c.suppressed) for c in activities.distribution] == [
        (7, "70.0", None),
        (None, None, "primary"),
        (0, "0.0", None),
    ]
    # founded: 8 answers, years 2019 ×3, 2020 ×1, 2021 ×4. 2020 is primary; the smallest other count, 2019's 3,
    # hides it: 1 + 3 = 4 between two years each known to hold a group → 2020 is 1..3.
    founded = by_key["founded"]
    assert [(c.category, c.count, c.suppressed) for c in founded.distribution] == [
        ("2019", None, "secondary"),
        ("2020", None, "primary"),
        ("2021", 4, None),
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
    # cheaper than through the margins (6 + 6 + 3 = 15, 7 + 5 + 4 = 16). The culture row's zeros stay.
    (table,) = compute(QUESTIONS, [("field", "members")], ANSWERS, targets=15).crosstabs
    assert table.published
    assert (table.rows, table.columns, table.total) == (["welfare", "environment", "culture"], ["0-9", "10+"], 12)
    assert [[c.suppressed for c in row] for row in table.cells] == [
        ["secondary", "secondary"],
        ["secondary", "primary"],
        [None, None],
    ]
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
    # Answers 0, 0, 3 in bands 0-2 / 3-5 / 6-8 / 9+: counts (2, 1, 0, 0), both small: primary. With the mean 1.00
    # (a total of 3) and the median 0, a reader of whole numbers would find the 0-2 band holds exactly 2 (three
    # answers there with median 0 sum to at most 0 + 0 + 2): so neither is published.
    spec = QuestionSpec("staff", "number", True, bands=tuple(map(Decimal, (0, 3, 6, 9))))
    (question,) = compute([spec], [], [{"staff": v} for v in (0, 0, 3)], targets=3).questions
    assert question.published
    assert question.summary is None
    assert [(c.category, c.count, c.suppressed) for c in question.distribution] == [
        ("0-2", None, "primary"),
        ("3-5", None, "primary"),
        ("6-8", 0, None),
        ("9+", 0, None),
    ]
