"""A group's answer (回答) as plain Python: values checked against the questionnaire and normalized, each broken
rule refused naming the question, drafts that may wait for required questions, and one Answer per survey and
respondent, drafted, submitted and revised."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from kyodo_info_hub.survey_answers import Answer, answer_id
from kyodo_info_hub.survey_questionnaire import check_answer
from kyodo_info_hub.survey_stats import QuestionSpec, compute
from kyodo_shared.domain.refusals import Refusal

from support.info_hub_surveys import stored_questionnaire as q

T = {"correlation_id": "c", "causation_id": "c", "actor": "rep-1"}
DURING = "2026-06-10T10:00:00+09:00"


def refused(e: pytest.ExceptionInfo[Refusal], field: str, rule: str) -> None:
    assert (e.value.code, e.value.data) == ("invalid_answer", {"field": field, "rule": rule})


def test_an_answer_is_normalized_against_the_questionnaire() -> None:
    values = {"members": 12, "field": "a", "needs": ["y", "x"], "founded": "2019-04-01", "comment": "", "x": None}
    with pytest.raises(Refusal) as e:
        check_answer(q(), values, complete=False)
    refused(e, "answers.x", "answer_unknown_question")
    del values["x"]
    assert check_answer(q(), values, complete=True) == {
        "members": "12",
        "field": "a",
        "needs": ["x", "y"],  # the questionnaire's order
        "founded": "2019-04-01",
    }


@pytest.mark.parametrize(
    ("values", "field", "rule"),
    [
        ({"field": "a"}, "answers.members", "answer_required"),
        ({"members": 3, "field": "c"}, "answers.field", "answer_option_unknown"),
        ({"members": 3, "field": "a", "needs": ["x", "x"]}, "answers.needs", "answer_option_repeated"),
        ({"members": "many", "field": "a"}, "answers.members", "answer_number_invalid"),
        ({"members": True, "field": "a"}, "answers.members", "answer_number_invalid"),
        ({"members": 501, "field": "a"}, "answers.members", "answer_number_range"),
        ({"members": 3, "field": "a", "volume": "1e12"}, "answers.volume", "answer_number_too_large"),
        ({"members": 3, "field": "a", "volume": "-1e30"}, "answers.volume", "answer_number_too_large"),
        ({"members": 3, "field": "a", "volume": "9" * 40}, "answers.volume", "answer_number_too_large"),
        ({"members": 3, "field": "a", "volume": "1e999999"}, "answers.volume", "answer_number_too_large"),
        ({"members": 3, "field": "a", "volume": "0.0000001"}, "answers.volume", "answer_number_too_precise"),
        (
            {"members": 3, "field": "a", "volume": "1.0000000000000000000000000000001"},
            "answers.volume",
            "answer_number_too_precise",
        ),
        ({"members": 3, "field": "a", "founded": "2019-02-30"}, "answers.founded", "answer_date_invalid"),
        ({"members": 3, "field": "a", "comment": "x" * 5001}, "answers.comment", "answer_text_invalid"),
    ],
)
def test_a_submission_breaking_a_rule_is_refused_naming_the_question(
    values: dict[str, Any], field: str, rule: str
) -> None:
    with pytest.raises(Refusal) as e:
        check_answer(_with_volume(), values, complete=True)
    refused(e, field, rule)


def _with_volume() -> dict[str, Any]:
    """The questionnaire with a number question bounded by nothing of its own (no min, max or bands)."""
    body = q()
    volume = {**body["questions"][0], "key": "volume", "required": False, "min": None, "max": None, "bands": []}
    body["questions"].append(volume)
    return body


def test_every_number_is_bounded_whatever_the_question_s_range_and_the_largest_are_stored_plainly() -> None:
    """|x| < 10^12 with at most 6 decimal places: the largest accepted values, and an exponent written out."""
    for given, kept in [
        ("999999999999.999999", "999999999999.999999"),
        ("-999999999999", "-999999999999"),
        ("1E+3", "1000"),
        (12, "12"),
    ]:
        normalized = check_answer(_with_volume(), {"volume": given}, complete=False)
        assert normalized == {"volume": kept}


def test_a_draft_may_leave_required_questions_for_later() -> None:
    assert check_answer(q(), {"field": "b"}, complete=False) == {"field": "b"}


def test_one_answer_per_survey_and_respondent_drafted_submitted_and_revised() -> None:
    a = Answer("s-1", "g-1", {"field": "a"}, DURING, T)
    assert a.id == answer_id("s-1", "g-1") != answer_id("s-1", "g-2")
    assert a.status == "draft"
    a.submit({"field": "a", "members": "3"}, DURING, T)
    assert (a.status, a.submissions) == ("submitted", 1)
    a.save_draft({"field": "b", "members": "3"}, DURING, T)
    assert a.status == "revising"
    assert a.submitted == {"field": "a", "members": "3"}  # what counts at the close until resubmitted
    a.submit({"field": "b", "members": "3"}, DURING, T)
    assert (a.status, a.submissions, a.submitted) == ("submitted", 2, {"field": "b", "members": "3"})


def test_the_statistics_of_the_largest_accepted_numbers_are_computed() -> None:
    """The bounds leave the close's arithmetic room: five answers at the extremes give a mean and a median (a median
    needs 5 answers). Mean: (999999999999.999999 × 3 − 999999999999.999999 + 0.000001) / 5
    = 1999999999999.999999 / 5 = 399999999999.9999998 → 400000000000.00 (half up). Median, the third of the sorted
    -999999999999.999999, 0.000001, 999999999999.999999 × 3: 999999999999.999999."""
    top, low = "999999999999.999999", "-999999999999.999999"
    values = [check_answer(_with_volume(), {"volume": v}, complete=False) for v in (top, top, low, "0.000001", top)]
    spec = QuestionSpec(key="volume", kind="number", required=False)
    stats = compute([spec], [], [{"volume": Decimal(v["volume"])} for v in values], 5)
    assert stats.questions[0].summary is not None
    assert (stats.questions[0].summary.mean, stats.questions[0].summary.median) == ("400000000000.00", top)
