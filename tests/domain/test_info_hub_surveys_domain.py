"""The Survey aggregate as plain Python: a questionnaire's rules (each refusal naming its field), the window's
states, the target set snapshot at the opening, reminders naming who has not submitted, submissions only by targets
while open, and the close recording only what it is given (answers: `test_info_hub_surveys_answers.py`)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kyodo_info_hub.survey_questionnaire import check_questionnaire
from kyodo_info_hub.surveys import Status, Survey
from kyodo_shared.domain.refusals import Refusal

from support.info_hub_surveys import CLOSES, OPENS
from support.info_hub_surveys import stored_questionnaire as q

T = {"correlation_id": "c", "causation_id": "c", "actor": "coord-1"}
BEFORE, DURING, AFTER = "2026-05-20T10:00:00+09:00", "2026-06-10T10:00:00+09:00", "2026-06-30T17:00:00+09:00"


def refused(code: str, field: str, rule: str) -> Any:
    def check(e: pytest.ExceptionInfo[Refusal]) -> None:
        assert (e.value.code, e.value.data) == (code, {"field": field, "rule": rule})

    return check


def opened(groups: list[str] | None = None) -> Survey:
    s = Survey(q(), BEFORE, T)
    s.invite("inv-1", "招待された会", None, BEFORE, T)
    s.announce(BEFORE, T)
    assert s.open(groups if groups is not None else ["g-2", "g-1"], OPENS, T)
    return s


def test_a_questionnaire_that_closes_before_it_opens_is_refused_naming_closes_at() -> None:
    with pytest.raises(Refusal) as e:
        check_questionnaire(q(closes_at=OPENS, opens_at=CLOSES))
    refused("invalid_survey", "closes_at", "survey_closes_before_opening")(e)


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        (
            lambda b: b["questions"][1].update(options=b["questions"][1]["options"][:1]),
            "questions.1.options",
            "survey_options_needed",
        ),
        (
            lambda b: b["questions"][3].update(options=[{"key": "a", "label_ja": "A"}]),
            "questions.3.options",
            "survey_options_not_allowed",
        ),
        (lambda b: b["questions"][2].update(key="members"), "questions.2.key", "survey_question_repeated"),
        (lambda b: b["questions"][0].update(section="nowhere"), "questions.0.section", "survey_section_unknown"),
        (lambda b: b["questions"][0].update(min="600"), "questions.0.max", "survey_number_range"),
        (lambda b: b["questions"][0].update(bands=["0", "30", "10"]), "questions.0.bands", "survey_bands_ascending"),
        (lambda b: b["questions"][1].update(bands=["1"]), "questions.1.kind", "survey_number_only"),
        (lambda b: b.update(reminder_days=[3, 3]), "reminder_days", "survey_reminder_repeated"),
        # The window is 29 days 8 hours: a reminder 30 days before the close would come before the opening.
        (lambda b: b.update(reminder_days=[3, 30]), "reminder_days.1", "survey_reminder_outside_window"),
        (lambda b: b.update(reminder_days=[0]), "reminder_days.0", "survey_reminder_days"),
        (lambda b: b.update(reminder_days=[1000000]), "reminder_days.0", "survey_reminder_days"),
        (lambda b: b["questions"][0].update(max="1000000000000"), "questions.0.max", "survey_number_too_large"),
        (lambda b: b["questions"][0].update(min="0.0000001"), "questions.0.min", "survey_number_too_precise"),
        (lambda b: b["questions"][0].update(min="many"), "questions.0.min", "survey_number_invalid"),
        (lambda b: b["questions"][0].update(min=None), "questions.0.min", "survey_bands_need_min"),
        # Bands from 10 with answers allowed from 0: 0–9 would be counted under the first band's label "10–29".
        (lambda b: b["questions"][0].update(bands=["10", "30"]), "questions.0.bands", "survey_bands_below_min"),
        (lambda b: b["questions"][0].update(bands=["0", "600"]), "questions.0.bands", "survey_bands_outside_range"),
        (
            lambda b: b["questions"][0].update(min="5", bands=["0", "5"]),
            "questions.0.bands",
            "survey_bands_outside_range",
        ),
        (
            lambda b: b["questions"][0].update(min="-1e13", max=None, bands=["-1e13"]),
            "questions.0.min",
            "survey_number_too_large",
        ),
        (lambda b: b.update(crosstabs=[["field", "needs"]]), "crosstabs.0", "crosstab_question"),
        (lambda b: b.update(crosstabs=[["field", "field"]]), "crosstabs.0", "crosstab_question"),
        (
            lambda b: b.update(crosstabs=[["field", "members"], ["members", "field"]]),
            "crosstabs.1",
            "crosstab_repeated",
        ),
    ],
)
def test_each_rule_of_a_questionnaire_is_refused_naming_its_field(change: Any, field: str, rule: str) -> None:
    body = copy.deepcopy(q())
    change(body)
    with pytest.raises(Refusal) as e:
        check_questionnaire(body)
    refused("invalid_survey", field, rule)(e)


def test_a_cross_tab_of_an_optional_single_choice_question_is_refused() -> None:
    body = q()
    body["questions"][1]["required"] = False
    with pytest.raises(Refusal) as e:
        check_questionnaire(body)
    refused("invalid_survey", "crosstabs.0", "crosstab_question")(e)


def test_an_announced_survey_is_frozen_but_its_cross_tabs_may_be_chosen_until_the_close() -> None:
    s = Survey(q(), BEFORE, T)
    s.announce(BEFORE, T)
    with pytest.raises(Refusal) as e:
        s.revise(q(title_ja="別の題"), BEFORE, T)
    assert e.value.code == "survey_not_draft"
    s.choose_crosstabs([], BEFORE, T)
    assert s.questionnaire["crosstabs"] == []
    # Drafted (1), Announced (2), CrosstabsChosen (3): the center's changes are what If-Match names.
    assert s.definition_version == 3


def test_a_submission_does_not_change_the_definition_s_version() -> None:
    s = opened()
    before = s.definition_version
    s.record_submission("g-1", DURING, T)
    assert (s.definition_version, s.submitted) == (before, {"g-1": DURING})


def test_the_opening_snapshots_the_registered_targets_then_the_invitations_and_only_once() -> None:
    s = opened(["g-2", "g-1", "g-2"])
    assert s.status == Status.OPEN
    assert s.targets == ["g-1", "g-2", "inv-1"]
    assert not s.open(["g-3"], DURING, T)
    assert s.targets == ["g-1", "g-2", "inv-1"]


def test_invitations_are_refused_once_the_survey_is_open() -> None:
    s = opened()
    with pytest.raises(Refusal) as e:
        s.invite("inv-2", "遅い会", None, DURING, T)
    assert e.value.code == "survey_already_open"


def test_a_reminder_names_the_targets_that_have_not_submitted_and_fires_once_per_due_time() -> None:
    s = opened()
    s.record_submission("g-1", DURING, T)
    assert s.remind("2026-06-27T17:00:00+09:00", T)
    assert not s.remind("2026-06-27T17:00:00+09:00", T)
    due = [e for e in s.collect_events() if type(e).__name__ == "ReminderDue"]
    assert [e.pending for e in due] == [["g-2", "inv-1"]]  # type: ignore[attr-defined]
    assert [e.closes_at for e in due] == [CLOSES]  # type: ignore[attr-defined]


def test_only_targets_submit_and_only_while_the_window_is_open() -> None:
    s = opened()
    with pytest.raises(Refusal) as e:
        s.record_submission("g-9", DURING, T)
    assert e.value.code == "survey_not_a_target"
    with pytest.raises(Refusal) as e:
        s.record_submission("g-1", AFTER, T)
    assert e.value.code == "survey_not_open"
    draft = Survey(q(), BEFORE, T)
    with pytest.raises(Refusal) as e:
        draft.record_submission("g-1", DURING, T)
    assert e.value.code == "survey_not_found"


def test_the_close_records_the_statistics_only_at_or_after_the_closing_time() -> None:
    s = opened()
    assert not s.close({"answered": 0}, DURING, T)
    assert s.close({"answered": 0}, AFTER, T)
    assert (s.status, s.statistics, s.closed_at) == (Status.CLOSED, {"answered": 0}, AFTER)
    closed = next(e for e in s.collect_events() if type(e).__name__ == "Closed")
    assert {"statistics", "fiscal_year", "closed_at"} <= set(vars(closed))
    with pytest.raises(Refusal) as e:
        s.cancel("中止", None, AFTER, T)
    assert e.value.code == "survey_closed"


def test_a_survey_whose_closing_time_has_passed_cannot_be_announced() -> None:
    s = Survey(q(), BEFORE, T)
    with pytest.raises(Refusal) as e:
        s.announce(AFTER, T)
    assert e.value.code == "survey_window_passed"


def test_a_cancelled_survey_neither_opens_nor_closes_nor_takes_new_links() -> None:
    s = Survey(q(), BEFORE, T)
    s.invite("inv-1", "招待された会", "Invited", BEFORE, T)
    s.announce(BEFORE, T)
    s.cancel("調査の見直しのため", None, BEFORE, T)
    assert s.cancellation == {"reason_ja": "調査の見直しのため", "reason_en": None, "at": BEFORE}
    assert not s.open(["g-1"], OPENS, T)
    assert not s.close({}, AFTER, T)
    with pytest.raises(Refusal) as e:
        s.reissue("inv-1", DURING, T)
    assert e.value.code == "survey_closed"


def test_only_an_existing_invitation_is_reissued() -> None:
    s = opened()
    with pytest.raises(Refusal) as e:
        s.reissue("inv-9", DURING, T)
    assert e.value.code == "invitation_not_found"
    s.reissue("inv-1", DURING, T)
    assert s.invitations["inv-1"]["reissued_at"] == DURING


def test_the_public_view_names_no_invited_group_and_gives_how_many_answered_only_from_the_close() -> None:
    s = opened()
    s.record_submission("g-1", DURING, T)
    assert "招待された会" not in str(s.public())
    assert (s.public()["targets_count"], s.public()["submitted_count"]) == (3, None)
    s.close({"answered": 1}, AFTER, T)
    assert s.public()["submitted_count"] == 1


def test_a_first_band_starting_below_the_minimum_is_accepted() -> None:
    body = q()
    body["questions"][0].update(min="1", bands=["0", "10", "30"])  # every answer (from 1) is in some band
    check_questionnaire(body)


def test_after_the_closing_time_the_center_neither_cancels_nor_changes_the_cross_tabs() -> None:
    """Between the closing time and the close timer the results are due: nothing withdraws or reshapes them."""
    s = opened()
    for command in (
        lambda: s.cancel("中止", None, AFTER, T),
        lambda: s.choose_crosstabs([], AFTER, T),
        lambda: s.reissue("inv-1", AFTER, T),
    ):
        with pytest.raises(Refusal) as e:
            command()
        assert e.value.code == "survey_window_passed"
    assert s.status == Status.OPEN
    s.cancel("中止", None, DURING, T)  # before the closing time it may still be cancelled
    assert s.status == Status.CANCELLED
