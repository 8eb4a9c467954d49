"""The evaluation service's project without any I/O: the agreement's rules and exact numbers, conclusion by both
partners and amendments, interim reports, what its timers do, the end, and the sealed self-evaluations.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from fractions import Fraction
from typing import Any

import pytest

from kyodo_evaluation.agreement import check_agreement, check_ratings, check_values
from kyodo_evaluation.domain import Project, screening_project_id
from kyodo_evaluation.vocabulary import DEFAULT_CRITERIA, Partner, Status, exact, fraction_text
from kyodo_shared.domain.refusals import Refusal

TRACE = {"correlation_id": "c", "causation_id": "c", "actor": "coord-1"}
PROJECT, GROUP, DEPARTMENT = uuid.UUID(int=10), uuid.UUID(int=1), uuid.UUID(int=2)
# Hashes stand in for the application's SHA-256 of each version.
V1, V2, V3 = "1" * 64, "2" * 64, "3" * 64
AT = "2026-04-01T10:00:00+09:00"
# The day drafts are made on (an agreement whose period is over by then is refused).
TODAY = date(2026, 4, 1)
# FY2026: 2026-04-01 … 2027-03-31, interim reports due by the end of 2026-09-30 and 2026-12-31.
END, DEADLINE = "2027-03-31", "2027-04-30T17:00:00+09:00"


@contextmanager
def refused(code: str, **data: str) -> Iterator[None]:
    """The command is refused with this code (and, when given, exactly this data)."""
    with pytest.raises(Refusal) as error:
        yield
    assert error.value.code == code
    if data:
        assert error.value.data == data


def kinds(aggregate: Any) -> list[str]:
    """The names of the events recorded since the last call (collecting drains them)."""
    return [type(e).__name__ for e in aggregate.collect_events()]


def agreement(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "title_ja": "子ども食堂の協働運営",
        "title_en": None,
        "role_group_ja": "食堂の運営",
        "role_department_ja": "会場と広報",
        "budget": {"total_yen": 1_000_000, "city_yen": 600_000, "group_yen": 400_000},
        "period_start": "2026-04-01",
        "period_end": END,
        "deliverables": ["月2回の開催"],
        "indicators": [
            {"key": "visits", "name_ja": "利用者数", "unit": "人", "value_type": "count", "baseline": "120",
             "target": "200", "method_ja": "受付簿"},
            {"key": "satisfaction", "name_ja": "満足度", "unit": "%", "value_type": "percent", "baseline": "62.5",
             "target": "80", "method_ja": "アンケート"},
        ],
        "report_dates": ["2026-09-30", "2026-12-31"],
    }  # fmt: skip
    return {**base, **changes}


def values(visits: str = "150", satisfaction: str = "70.5") -> list[dict[str, str]]:
    return [
        {"key": "visits", "value": visits, "unit": "人"},
        {"key": "satisfaction", "value": satisfaction, "unit": "%"},
    ]


def new_project() -> Project:
    links = {"call_id": str(uuid.UUID(int=7)), "proposal_id": str(uuid.UUID(int=8)), "rank": 1, "score": "4"}
    criteria = [dict(c) for c in DEFAULT_CRITERIA]
    project = Project(PROJECT, "adoption", GROUP, DEPARTMENT, "子ども食堂", links, criteria, AT, TRACE)
    project.collect_events()
    return project


def concluded(**changes: Any) -> Project:
    project = new_project()
    project.draft_agreement(agreement(**changes), V1, None, TODAY, "liaison-1", TRACE)
    project.confirm(Partner.GROUP, "rep-1", V1, TODAY, AT, TRACE)
    project.confirm(Partner.DEPARTMENT, "liaison-1", V1, TODAY, AT, TRACE)
    project.collect_events()
    return project


def evaluation(partner: Partner, at: str = "2027-04-10T09:00:00+09:00") -> dict[str, Any]:
    return {
        "partner": partner.value,
        "ratings": [{"key": str(c["key"]), "rating": 4, "comment_ja": "良好"} for c in DEFAULT_CRITERIA],
        "achieved": values("210", "81"),
        "summary_ja": "目標を達成した",
        "content_hash": f"hash-{partner.value}",
        "submitted_at": at,
        "submitted_by": f"sub-{partner.value}",
    }


def ended() -> Project:
    project = concluded()
    assert project.end(END, DEADLINE)
    project.collect_events()
    return project


# --- exact numbers ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value_type", "text", "number"),
    [
        ("count", "0", Fraction(0)),
        ("count", "120", Fraction(120)),
        ("yen", "999999999999999", Fraction(999_999_999_999_999)),  # 15 digits, the most a whole number may have
        ("percent", "0", Fraction(0)),
        ("percent", "100", Fraction(100)),
        ("percent", "100.000000", Fraction(100)),  # six places, all zero: still 100
        ("percent", "37.5", Fraction(75, 2)),
        ("decimal", "-1.25", Fraction(-5, 4)),
        ("decimal", "12.123456", Fraction(12_123_456, 1_000_000)),
        ("decimal", "0.5", Fraction(1, 2)),
    ],
)
def test_a_value_of_its_indicators_type_is_read_as_an_exact_number(
    value_type: str, text: str, number: Fraction
) -> None:
    assert exact(value_type, text, "v") == number


@pytest.mark.parametrize(
    ("value_type", "text", "code"),
    [
        ("count", "007", "value_not_whole"),  # leading zeros are not a number's one spelling
        ("count", "-1", "value_not_whole"),
        ("count", "1.0", "value_not_whole"),
        ("count", "", "value_not_whole"),
        ("count", "5\n", "value_not_whole"),
        ("count", "１２", "value_not_whole"),  # full-width digits
        ("yen", "1,000", "value_not_whole"),
        ("yen", "1000000000000000", "value_not_whole"),  # 16 digits
        ("decimal", "007", "value_not_decimal"),
        ("decimal", "12.1234567", "value_not_decimal"),  # seven places
        ("decimal", "1e3", "value_not_decimal"),
        ("decimal", ".5", "value_not_decimal"),
        ("decimal", "5.", "value_not_decimal"),
        ("percent", "100.000001", "percent_out_of_range"),
        ("percent", "-0.5", "percent_out_of_range"),
    ],
)
def test_a_value_not_of_its_indicators_type_is_refused_naming_the_field(value_type: str, text: str, code: str) -> None:
    with pytest.raises(Refusal) as error:
        exact(value_type, text, "values.1.value")
    assert (error.value.code, error.value.data["field"], error.value.data["rule"]) == (code, "values.1.value", code)


def test_an_exact_number_is_published_as_a_fraction_in_lowest_terms() -> None:
    # 37.5 = 75/2; 6/4 reduces to 3/2; a whole number keeps its denominator 1.
    texts = [fraction_text(exact("percent", "37.5", "v")), fraction_text(Fraction(6, 4)), fraction_text(Fraction(3))]
    assert texts == ["75/2", "3/2", "3/1"]


# --- the agreement's rules ----------------------------------------------------------------------------------------


def test_an_agreement_whose_parts_fit_together_passes() -> None:
    check_agreement(agreement())
    # One day long, with its only report on that day: the bounds are inclusive.
    check_agreement(agreement(period_end="2026-04-01", report_dates=["2026-04-01"]))


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        # 600,000 + 300,000 = 900,000 ≠ 1,000,000
        ({"budget": {"total_yen": 1_000_000, "city_yen": 600_000, "group_yen": 300_000}}, "budget_does_not_add_up",
         "agreement.budget"),
        ({"period_end": "2026-03-31"}, "period_reversed", "agreement.period_end"),
        ({"report_dates": ["2026-03-31"]}, "report_date_outside_period", "agreement.report_dates.0"),
        ({"report_dates": ["2026-09-30", "2027-04-01"]}, "report_date_outside_period", "agreement.report_dates.1"),
        ({"report_dates": ["2026-12-31", "2026-09-30"]}, "report_dates_not_ascending", "agreement.report_dates.1"),
        ({"report_dates": ["2026-09-30", "2026-09-30"]}, "report_dates_not_ascending", "agreement.report_dates.1"),
        ({"indicators": []}, "indicators_required", "agreement.indicators"),
    ],
)  # fmt: skip
def test_an_agreement_whose_parts_do_not_fit_is_refused_naming_the_field(
    changes: dict[str, Any], code: str, field: str
) -> None:
    with refused(code, field=field, rule=code):
        check_agreement(agreement(**changes))


def test_an_indicator_key_given_twice_is_refused_at_its_second_place() -> None:
    first = agreement()["indicators"][0]
    with refused("indicator_repeated", field="agreement.indicators.2.key", rule="indicator_repeated"):
        check_agreement(agreement(indicators=[*agreement()["indicators"], {**first, "name_ja": "再掲"}]))


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"baseline": "120.5"}, "value_not_whole", "agreement.indicators.0.baseline"),
        ({"target": "-1"}, "value_not_whole", "agreement.indicators.0.target"),
        # 50 is a fine baseline; 120 cannot be a percentage.
        (
            {"value_type": "percent", "baseline": "50", "target": "120"},
            "percent_out_of_range",
            "agreement.indicators.0.target",
        ),
        ({"value_type": "decimal", "baseline": "abc"}, "value_not_decimal", "agreement.indicators.0.baseline"),
    ],
)
def test_a_baseline_or_target_not_of_the_indicators_type_is_refused(
    changes: dict[str, Any], code: str, field: str
) -> None:
    indicators = agreement()["indicators"]
    with pytest.raises(Refusal) as error:
        check_agreement(agreement(indicators=[{**indicators[0], **changes}, indicators[1]]))
    assert (error.value.code, error.value.data["field"]) == (code, field)


def test_reported_values_must_name_each_indicator_once_in_its_unit_and_type() -> None:
    indicators = agreement()["indicators"]
    check_values(indicators, values(), "values")
    check_values(indicators, list(reversed(values())), "values")  # any order
    visits, satisfaction = values()
    cases: list[tuple[list[dict[str, str]], str, str]] = [
        ([{**visits, "unit": "回"}, satisfaction], "wrong_unit", "values.0.unit"),
        ([visits, {**satisfaction, "value": "101"}], "percent_out_of_range", "values.1.value"),
        ([{**visits, "value": "12.5"}, satisfaction], "value_not_whole", "values.0.value"),
        ([visits, {**visits, "value": "3"}, satisfaction], "indicator_repeated", "values.1.key"),
        ([{**visits, "key": "meals"}, satisfaction], "unknown_indicator", "values.0.key"),
        ([visits], "indicator_unreported", "values"),
    ]
    for given, code, field in cases:
        with pytest.raises(Refusal) as error:
            check_values(indicators, given, "values")
        assert (error.value.code, error.value.data["field"]) == (code, field), given
    with refused("indicator_unreported", field="values", rule="indicator_unreported", key="satisfaction"):
        check_values(indicators, [visits], "values")
    with refused("wrong_unit", field="values.0.unit", rule="wrong_unit", unit="人"):
        check_values(indicators, [{**visits, "unit": "回"}, satisfaction], "values")


def test_a_self_evaluation_rates_every_published_criterion_once_and_nothing_else() -> None:
    criteria = [dict(c) for c in DEFAULT_CRITERIA]
    ratings = [{"key": str(c["key"]), "rating": 3} for c in DEFAULT_CRITERIA]
    check_ratings(criteria, ratings, "ratings")
    with refused("unknown_criterion", field="ratings.5.key", rule="unknown_criterion"):
        check_ratings(criteria, [*ratings, {"key": "mood", "rating": 3}], "ratings")
    with refused("criterion_repeated", field="ratings.5.key", rule="criterion_repeated"):
        check_ratings(criteria, [*ratings, ratings[0]], "ratings")
    with refused("criterion_unrated", field="ratings", rule="criterion_unrated", key="future_direction"):
        check_ratings(criteria, ratings[:4], "ratings")


# --- creation, conclusion and amendments --------------------------------------------------------------------------


def test_a_project_is_created_under_the_id_it_is_given_and_is_drafting() -> None:
    project = Project(PROJECT, "adoption", GROUP, DEPARTMENT, "子ども食堂", {}, [], AT, TRACE)
    assert kinds(project) == ["Created"]
    assert (project.id, project.status, project.agreement, project.due_dates()) == (PROJECT, Status.DRAFTING, None, [])
    # A screening's project is one per decision and group: the same pair gives the same id, another group another.
    decision = uuid.UUID(int=5)
    assert screening_project_id(decision, GROUP) == screening_project_id(decision, GROUP)
    assert screening_project_id(decision, GROUP) != screening_project_id(decision, DEPARTMENT)


def test_a_confirmation_without_a_draft_is_refused() -> None:
    project = new_project()
    with refused("no_draft"):
        project.confirm(Partner.GROUP, "rep-1", V1, TODAY, AT, TRACE)


def test_a_confirmation_naming_another_version_is_refused_and_records_nothing() -> None:
    project = new_project()
    project.draft_agreement(agreement(), V1, None, TODAY, "liaison-1", TRACE)
    project.collect_events()
    with refused("agreement_version_mismatch", field="agreement_hash", rule="agreement_version_mismatch"):
        project.confirm(Partner.GROUP, "rep-1", V2, TODAY, AT, TRACE)
    assert (kinds(project), project.confirmed, project.status) == ([], {}, Status.DRAFTING)


def test_the_same_partner_cannot_confirm_twice() -> None:
    project = new_project()
    project.draft_agreement(agreement(), V1, None, TODAY, "liaison-1", TRACE)
    assert project.confirm(Partner.GROUP, "rep-1", V1, TODAY, AT, TRACE) is False
    project.collect_events()
    with refused("already_confirmed", partner="group"):
        project.confirm(Partner.GROUP, "contact-1", V1, TODAY, AT, TRACE)
    assert (kinds(project), project.confirmed) == ([], {"group": "rep-1"})


def test_the_second_partners_confirmation_concludes_the_version_both_named() -> None:
    project = new_project()
    project.draft_agreement(agreement(), V1, "ignored before conclusion", TODAY, "liaison-1", TRACE)
    assert project.confirm(Partner.DEPARTMENT, "liaison-1", V1, TODAY, AT, TRACE) is False
    assert project.confirm(Partner.GROUP, "rep-1", V1, TODAY, "2026-04-02T09:00:00+09:00", TRACE) is True
    events = project.collect_events()
    assert [type(e).__name__ for e in events] == ["Drafted", "Confirmed", "Confirmed", "Concluded"]
    drafted, _, _, done = events
    # A first version has no reason: only an amendment carries one.
    assert isinstance(drafted, Project.Drafted)
    assert (drafted.version, drafted.reason) == (1, None)
    assert isinstance(done, Project.Concluded)
    assert (done.version, done.agreement_hash, done.reason, done.concluded_at, done.agreement) == (
        1,
        V1,
        None,
        "2026-04-02T09:00:00+09:00",
        agreement(),
    )
    assert (project.status, project.agreement, project.draft, project.confirmed) == (
        Status.ACTIVE,
        agreement(),
        None,
        {},
    )
    assert project.due_dates() == ["2026-09-30", "2026-12-31"]


def test_a_new_draft_sets_aside_what_was_confirmed_of_the_last() -> None:
    project = new_project()
    project.draft_agreement(agreement(), V1, None, TODAY, "liaison-1", TRACE)
    project.confirm(Partner.GROUP, "rep-1", V1, TODAY, AT, TRACE)
    project.draft_agreement(agreement(deliverables=["月4回の開催"]), V2, None, TODAY, "rep-1", TRACE)
    assert (project.confirmed, project.draft and project.draft["hash"]) == ({}, V2)
    # The department's confirmation of the new version alone concludes nothing; the old version is gone.
    assert project.confirm(Partner.DEPARTMENT, "liaison-1", V2, TODAY, AT, TRACE) is False
    with refused("agreement_version_mismatch"):
        project.confirm(Partner.GROUP, "rep-1", V1, TODAY, AT, TRACE)
    assert project.confirm(Partner.GROUP, "rep-1", V2, TODAY, AT, TRACE) is True
    assert project.agreement == agreement(deliverables=["月4回の開催"])


def test_an_amendment_needs_its_reason() -> None:
    project = concluded()
    for reason in (None, ""):
        with refused("amendment_reason_required", field="reason", rule="amendment_reason_required"):
            project.draft_agreement(agreement(period_end="2027-06-30"), V2, reason, TODAY, "liaison-1", TRACE)
    assert (kinds(project), project.draft) == ([], None)


def test_an_amendment_cannot_move_the_start_of_the_period() -> None:
    project = concluded()
    with refused("period_start_fixed", field="agreement.period_start", rule="period_start_fixed"):
        project.draft_agreement(agreement(period_start="2026-05-01"), V2, "開始を遅らせる", TODAY, "liaison-1", TRACE)
    assert kinds(project) == []


def test_an_amendment_is_the_next_version_and_the_first_stays_in_force_until_it_is_concluded() -> None:
    project = concluded()
    amended = agreement(period_end="2027-06-30", report_dates=["2026-10-15", "2027-01-31"])
    project.draft_agreement(amended, V2, "期間の延長", TODAY, "liaison-1", TRACE)
    assert project.confirm(Partner.GROUP, "rep-1", V2, TODAY, AT, TRACE) is False
    assert (project.agreement, project.status) == (agreement(), Status.ACTIVE)
    july = "2026-07-01T09:00:00+09:00"
    assert project.confirm(Partner.DEPARTMENT, "liaison-1", V2, date(2026, 7, 1), july, TRACE) is True
    *_, done = project.collect_events()
    assert isinstance(done, Project.Concluded)
    assert (done.version, done.agreement_hash, done.reason) == (2, V2, "期間の延長")
    assert ([v["version"] for v in project.concluded], project.agreement) == ([1, 2], amended)


def test_no_draft_once_the_project_has_ended_and_a_pending_amendment_lapses() -> None:
    project = concluded()
    project.draft_agreement(agreement(period_end="2027-06-30"), V2, "延長", TODAY, "liaison-1", TRACE)
    project.confirm(Partner.GROUP, "rep-1", V2, TODAY, AT, TRACE)
    assert project.end(END, DEADLINE) is True
    assert (project.draft, project.confirmed) == (None, {})
    project.collect_events()
    with refused("project_ended", status="ended"):
        project.draft_agreement(agreement(period_end="2027-06-30"), V3, "延長", TODAY, "liaison-1", TRACE)
    with refused("no_draft"):
        project.confirm(Partner.DEPARTMENT, "liaison-1", V2, TODAY, AT, TRACE)
    assert kinds(project) == []


# --- interim reports ----------------------------------------------------------------------------------------------


def test_no_report_before_the_agreement_is_concluded() -> None:
    project = new_project()
    project.draft_agreement(agreement(), V1, None, TODAY, "liaison-1", TRACE)
    project.collect_events()
    with refused("agreement_not_concluded"):
        project.file_report(Partner.GROUP, 1, values(), "順調", date(2026, 9, 1), "rep-1", AT, TRACE)
    assert kinds(project) == []


def test_a_report_is_filed_once_per_partner_and_date_late_only_after_its_due_date() -> None:
    project = concluded()
    # On the due date itself it is on time; the day after it is late.
    project.file_report(Partner.GROUP, 1, values(), "順調", date(2026, 9, 30), "rep-1", AT, TRACE)
    project.file_report(Partner.DEPARTMENT, 1, values(), "順調", date(2026, 10, 1), "liaison-1", AT, TRACE)
    on_time, late = project.collect_events()
    assert isinstance(on_time, Project.ReportFiled)
    assert isinstance(late, Project.ReportFiled)
    assert (on_time.partner, on_time.index, on_time.due_on, on_time.late, on_time.filed_by) == (
        "group",
        1,
        "2026-09-30",
        False,
        "rep-1",
    )
    assert (late.partner, late.due_on, late.late, late.values) == ("department", "2026-09-30", True, values())
    with refused("report_already_filed", index="1"):
        project.file_report(Partner.GROUP, 1, values("160"), "訂正", date(2026, 10, 2), "rep-1", AT, TRACE)
    assert (kinds(project), project.reports["group|1"]["values"]) == ([], values())
    # The group's second report is its own; the department's first does not stand for it.
    project.file_report(Partner.GROUP, 2, values(), "順調", date(2026, 12, 1), "rep-1", AT, TRACE)
    assert sorted(project.reports) == ["department|1", "group|1", "group|2"]


@pytest.mark.parametrize("index", [0, 3, -1])
def test_a_report_for_an_index_the_agreement_does_not_schedule_is_refused(index: int) -> None:
    project = concluded()
    with refused("report_not_scheduled", field="index", rule="report_not_scheduled"):
        project.file_report(Partner.GROUP, index, values(), "順調", date(2026, 9, 1), "rep-1", AT, TRACE)


def test_a_report_whose_values_do_not_fit_the_agreement_is_refused_naming_the_value() -> None:
    project = concluded()
    visits, satisfaction = values()
    cases: list[tuple[list[dict[str, str]], str, str]] = [
        ([{**visits, "unit": "名"}, satisfaction], "wrong_unit", "values.0.unit"),
        ([visits, {**satisfaction, "value": "七十"}], "value_not_decimal", "values.1.value"),
        ([visits], "indicator_unreported", "values"),
        ([visits, visits, satisfaction], "indicator_repeated", "values.1.key"),
        ([visits, satisfaction, {"key": "meals", "value": "3", "unit": "食"}], "unknown_indicator", "values.2.key"),
    ]
    for given, code, field in cases:
        with pytest.raises(Refusal) as error:
            project.file_report(Partner.GROUP, 1, given, "順調", date(2026, 9, 1), "rep-1", AT, TRACE)
        assert (error.value.code, error.value.data["field"]) == (code, field), given
    assert (kinds(project), project.reports) == ([], {})


def test_no_interim_report_after_the_last_day_of_the_period() -> None:
    project = concluded()
    # Still active (the end timer has not run) but the period is over: the self-evaluation is the final account.
    with refused("project_ended", status="ended"):
        project.file_report(Partner.GROUP, 2, values(), "遅延", date(2027, 4, 1), "rep-1", AT, TRACE)
    project.file_report(Partner.GROUP, 2, values(), "最終日", date(2027, 3, 31), "rep-1", AT, TRACE)
    project.end(END, DEADLINE)
    with refused("project_ended", status="ended"):
        project.file_report(Partner.DEPARTMENT, 2, values(), "遅延", date(2027, 3, 31), "liaison-1", AT, TRACE)


# --- what the timers do -------------------------------------------------------------------------------------------


def test_a_reminder_goes_to_each_partner_still_to_file_once() -> None:
    project = concluded()
    project.file_report(Partner.GROUP, 1, values(), "順調", date(2026, 9, 20), "rep-1", AT, TRACE)
    project.collect_events()
    project.remind_report("2026-09-30")
    (reminder,) = project.collect_events()
    assert isinstance(reminder, Project.ReminderDue)
    assert (reminder.partner, reminder.index, reminder.due_on) == ("department", 1, "2026-09-30")
    project.remind_report("2026-09-30")
    assert kinds(project) == []


def test_partners_without_their_report_are_overdue_once_and_filers_never() -> None:
    project = concluded()
    project.mark_overdue("2026-12-31")
    marks = [e for e in project.collect_events() if isinstance(e, Project.Overdue)]
    assert [(e.partner, e.index, e.due_on) for e in marks] == [
        ("group", 2, "2026-12-31"),
        ("department", 2, "2026-12-31"),
    ]
    project.mark_overdue("2026-12-31")
    assert kinds(project) == []
    # Filing late afterwards does not undo the mark, and a timer retried after it still records nothing.
    project.file_report(Partner.GROUP, 2, values(), "遅延", date(2027, 1, 5), "rep-1", AT, TRACE)
    project.collect_events()
    project.mark_overdue("2026-12-31")
    assert (kinds(project), project.overdue) == ([], ["group|2", "department|2"])
    # Both filed report 1: nobody is overdue for it.
    project.file_report(Partner.GROUP, 1, values(), "順調", date(2026, 9, 1), "rep-1", AT, TRACE)
    project.file_report(Partner.DEPARTMENT, 1, values(), "順調", date(2026, 9, 1), "liaison-1", AT, TRACE)
    project.collect_events()
    project.mark_overdue("2026-09-30")
    project.remind_report("2026-09-30")
    assert kinds(project) == []


def test_a_timer_for_a_due_date_an_amendment_moved_does_nothing() -> None:
    project = concluded()
    project.draft_agreement(agreement(report_dates=["2026-10-15", "2026-12-31"]), V2, "日程変更", TODAY, "rep-1", TRACE)
    project.confirm(Partner.GROUP, "rep-1", V2, TODAY, AT, TRACE)
    project.confirm(Partner.DEPARTMENT, "liaison-1", V2, TODAY, AT, TRACE)
    project.collect_events()
    project.remind_report("2026-09-30")
    project.mark_overdue("2026-09-30")
    # An index the amended agreement no longer has is nothing either.
    project.remind_report("2027-02-28")
    assert kinds(project) == []
    project.mark_overdue("2026-10-15")
    assert [type(e).__name__ for e in project.collect_events()] == ["Overdue", "Overdue"]


def test_the_project_ends_only_at_the_end_of_the_agreement_in_force() -> None:
    project = new_project()
    assert project.end(END, DEADLINE) is False  # nothing concluded yet
    project = concluded()
    project.draft_agreement(agreement(period_end="2027-06-30"), V2, "延長", TODAY, "liaison-1", TRACE)
    project.confirm(Partner.GROUP, "rep-1", V2, TODAY, AT, TRACE)
    project.confirm(Partner.DEPARTMENT, "liaison-1", V2, TODAY, AT, TRACE)
    project.collect_events()
    # The first version's end timer fires, but the amendment moved the end.
    assert (project.end(END, DEADLINE), kinds(project), project.status) == (False, [], Status.ACTIVE)
    assert project.end("2027-06-30", "2027-07-31T17:00:00+09:00") is True
    (done,) = project.collect_events()
    assert isinstance(done, Project.Ended)
    assert (done.ended_on, done.deadline, project.status) == ("2027-06-30", "2027-07-31T17:00:00+09:00", Status.ENDED)
    # A retried timer ends nothing twice; no reminder once it has ended.
    assert project.end("2027-06-30", "2027-07-31T17:00:00+09:00") is False
    project.remind_report("2026-12-31")
    assert kinds(project) == []


def test_the_last_report_due_on_the_last_day_is_overdue_even_if_the_end_timer_ran_first() -> None:
    project = concluded(report_dates=["2026-09-30", END])
    # Both timers are due at 2027-04-01T00:00+09:00; the kernel claims them in timer-id order (a uuid5 per project).
    assert project.end(END, DEADLINE) is True
    project.collect_events()
    project.mark_overdue(END)
    assert [type(e).__name__ for e in project.collect_events()] == ["Overdue", "Overdue"]


# --- self-evaluations ---------------------------------------------------------------------------------------------


def test_no_self_evaluation_before_the_end() -> None:
    for project in (new_project(), concluded()):
        with refused("project_not_ended"):
            project.self_evaluate(Partner.GROUP, evaluation(Partner.GROUP), "receipt", False, TRACE)
        assert kinds(project) == []


def test_each_partner_self_evaluates_once_and_the_first_stays_sealed() -> None:
    project = ended()
    assert project.awaiting_self_evaluation() == ["group", "department"]
    project.self_evaluate(Partner.GROUP, evaluation(Partner.GROUP), "receipt-g", False, TRACE)
    (sent,) = project.collect_events()
    assert isinstance(sent, Project.SelfEvaluated)
    assert (sent.partner, sent.receipt, sent.evaluation) == ("group", "receipt-g", evaluation(Partner.GROUP))
    assert (project.unsealed, project.status, project.awaiting_self_evaluation()) == (
        False,
        Status.ENDED,
        ["department"],
    )
    with refused("already_self_evaluated"):
        project.self_evaluate(Partner.GROUP, evaluation(Partner.GROUP), "receipt-g2", False, TRACE)
    assert (kinds(project), project.self_evaluations["group"]["receipt"]) == ([], "receipt-g")


def test_the_second_self_evaluation_unseals_both_without_receipts_or_senders() -> None:
    project = ended()
    project.self_evaluate(Partner.DEPARTMENT, evaluation(Partner.DEPARTMENT), "receipt-d", False, TRACE)
    project.self_evaluate(Partner.GROUP, evaluation(Partner.GROUP, "2027-04-12T15:00:00+09:00"), "r-g", False, TRACE)
    events = project.collect_events()
    assert [type(e).__name__ for e in events] == ["SelfEvaluated", "SelfEvaluated", "Unsealed"]
    unsealed = events[-1]
    assert isinstance(unsealed, Project.Unsealed)
    assert (unsealed.cause, unsealed.at) == ("both_in", "2027-04-12T15:00:00+09:00")
    public = ("partner", "ratings", "achieved", "summary_ja", "content_hash", "submitted_at")
    # Sorted by partner: "department" before "group".
    assert unsealed.self_evaluations == [
        {k: evaluation(Partner.DEPARTMENT)[k] for k in public},
        {k: evaluation(Partner.GROUP, "2027-04-12T15:00:00+09:00")[k] for k in public},
    ]
    assert all("receipt" not in e and "submitted_by" not in e for e in unsealed.self_evaluations)
    assert (project.unsealed, project.status, project.awaiting_self_evaluation()) == (True, Status.EVALUATING, [])


@pytest.mark.parametrize("sent", [[], [Partner.GROUP]])
def test_the_deadline_unseals_whatever_is_in(sent: list[Partner]) -> None:
    project = ended()
    for partner in sent:
        project.self_evaluate(partner, evaluation(partner), "receipt", False, TRACE)
    project.collect_events()
    project.unseal_at_deadline(DEADLINE)
    (unsealed,) = project.collect_events()
    assert isinstance(unsealed, Project.Unsealed)
    assert (unsealed.cause, unsealed.at, [e["partner"] for e in unsealed.self_evaluations]) == (
        "deadline",
        DEADLINE,
        [p.value for p in sent],
    )
    assert project.status is Status.EVALUATING
    # A retried deadline timer unseals nothing again; the partner who missed it cannot send any more.
    project.unseal_at_deadline(DEADLINE)
    with refused("self_evaluation_closed"):
        project.self_evaluate(Partner.DEPARTMENT, evaluation(Partner.DEPARTMENT), "receipt", False, TRACE)
    assert kinds(project) == []


def test_a_self_evaluation_sent_after_the_deadline_is_refused_even_before_the_deadline_timer() -> None:
    project = ended()
    with refused("self_evaluation_closed"):
        project.self_evaluate(Partner.GROUP, evaluation(Partner.GROUP), "receipt", True, TRACE)
    assert (kinds(project), project.self_evaluations) == ([], {})


def test_self_evaluation_reminders_go_once_to_partners_still_awaited() -> None:
    project = ended()
    project.self_evaluate(Partner.GROUP, evaluation(Partner.GROUP), "receipt", False, TRACE)
    project.collect_events()
    project.remind_self_evaluations()
    (reminder,) = project.collect_events()
    assert isinstance(reminder, Project.SelfEvaluationReminderDue)
    assert (reminder.partner, reminder.deadline) == ("department", DEADLINE)
    project.remind_self_evaluations()
    assert kinds(project) == []


def test_the_committees_recommendation_is_recorded_only_while_evaluating() -> None:
    project = ended()
    with refused("not_evaluating", status="ended"):
        project.reported("expand", TRACE)
    project.unseal_at_deadline(DEADLINE)
    project.collect_events()
    project.reported("improve", TRACE)
    (done,) = project.collect_events()
    assert isinstance(done, Project.Reported)
    assert (done.recommendation, project.recommendation, project.status) == ("improve", "improve", Status.REPORTED)
    with refused("not_evaluating", status="reported"):
        project.reported("end", TRACE)
    with refused("self_evaluation_closed"):
        project.self_evaluate(Partner.GROUP, evaluation(Partner.GROUP), "receipt", False, TRACE)


# --- what an amendment keeps ------------------------------------------------------------------------------------


def amend(project: Project, today: date, **changes: Any) -> None:
    project.draft_agreement(agreement(**changes), V2, "変更", today, "liaison-1", TRACE)


def test_no_agreement_whose_period_is_already_over() -> None:
    with refused("period_over", field="agreement.period_end", rule="period_over"):
        new_project().draft_agreement(agreement(), V1, None, date(2027, 4, 1), "liaison-1", TRACE)


def test_an_amendment_keeps_the_report_dates_already_due_and_those_reported_on() -> None:
    project = concluded()
    # 2026-10-01: the first date (2026-09-30) is due; it stays, the second may move.
    with refused("report_dates_fixed", field="agreement.report_dates", rule="report_dates_fixed", kept="1"):
        amend(project, date(2026, 10, 1), report_dates=["2026-09-15", "2026-12-31"])
    amend(project, date(2026, 10, 1), report_dates=["2026-09-30", "2027-01-31"])
    # Before any date is due, a report filed early on the second date fixes both dates before it too.
    early = concluded()
    early.file_report(Partner.GROUP, 2, values(), "早めの報告", date(2026, 6, 1), "rep-1", AT, TRACE)
    with refused("report_dates_fixed", field="agreement.report_dates", rule="report_dates_fixed", kept="2"):
        amend(early, date(2026, 6, 1), report_dates=["2026-08-31", "2026-09-30", "2026-12-31"])
    amend(early, date(2026, 6, 1), report_dates=["2026-09-30", "2026-12-31", "2027-02-28"])


def test_an_amendment_keeps_the_unit_and_type_of_indicators_already_reported_on() -> None:
    project = concluded()
    project.file_report(Partner.GROUP, 1, values(), "報告", date(2026, 9, 1), "rep-1", AT, TRACE)
    dropped = [i for i in agreement()["indicators"] if i["key"] != "visits"]
    with refused("indicator_fixed", field="agreement.indicators.0", rule="indicator_fixed", key="visits"):
        amend(project, date(2026, 9, 2), indicators=dropped)
    recounted = [{**i, "unit": "回"} if i["key"] == "visits" else i for i in agreement()["indicators"]]
    with refused("indicator_fixed", field="agreement.indicators.0", rule="indicator_fixed", key="visits"):
        amend(project, date(2026, 9, 2), indicators=recounted)
    # A new target is an amendment like any other (the report shows the first target beside it).
    retargeted = [{**i, "target": "250"} if i["key"] == "visits" else i for i in agreement()["indicators"]]
    amend(project, date(2026, 9, 2), indicators=retargeted)


def test_a_date_an_amendment_adds_after_the_others_leaves_their_reports_and_timers_as_they_were() -> None:
    project = concluded()
    amend(project, TODAY, report_dates=["2026-09-30", "2026-12-31", "2027-02-28"])
    project.confirm(Partner.GROUP, "rep-1", V2, TODAY, AT, TRACE)
    project.confirm(Partner.DEPARTMENT, "liaison-1", V2, TODAY, AT, TRACE)
    project.collect_events()
    # Each timer names its date; the report it checks is the one due on that date in the agreement in force.
    project.mark_overdue("2027-02-28")
    overdue = project.collect_events()
    assert [(e.partner, e.index, e.due_on) for e in overdue] == [  # type: ignore[attr-defined]
        ("group", 3, "2027-02-28"),
        ("department", 3, "2027-02-28"),
    ]


def test_a_draft_that_no_longer_fits_when_the_second_partner_confirms_is_refused_and_must_be_redone() -> None:
    # An amendment moving the second date, drafted before it was due; the group then files that report early.
    project = concluded()
    amend(project, date(2026, 12, 1), report_dates=["2026-09-30", "2027-02-28"])
    project.confirm(Partner.DEPARTMENT, "liaison-1", V2, date(2026, 12, 1), AT, TRACE)
    project.file_report(Partner.GROUP, 2, values(), "報告", date(2026, 12, 20), "rep-1", AT, TRACE)
    project.collect_events()
    with refused("draft_outdated", cause="report_dates_fixed"):
        project.confirm(Partner.GROUP, "rep-1", V2, date(2026, 12, 20), AT, TRACE)
    assert (kinds(project), project.agreement["report_dates"]) == ([], ["2026-09-30", "2026-12-31"])  # type: ignore[index]
    # A first agreement confirmed after its period ended is refused the same way.
    late = new_project()
    late.draft_agreement(agreement(period_end="2026-05-31"), V1, None, TODAY, "liaison-1", TRACE)
    late.confirm(Partner.DEPARTMENT, "liaison-1", V1, TODAY, AT, TRACE)
    with refused("draft_outdated", cause="period_over"):
        late.confirm(Partner.GROUP, "rep-1", V1, date(2026, 6, 1), AT, TRACE)


def test_no_amendment_once_the_period_in_force_is_over_even_before_the_end_timer_runs() -> None:
    project = concluded()
    with refused("project_ended", status="ended"):
        amend(project, date(2027, 4, 1), period_end="2027-06-30")


def test_the_center_sets_the_criteria_until_the_agreement_is_concluded() -> None:
    project = new_project()
    own = [{"key": "goals", "name_ja": "目標の達成度"}, {"key": "reach", "name_ja": "参加者の広がり"}]
    with refused("criterion_repeated", field="criteria", rule="criterion_repeated", key="goals"):
        project.set_criteria([*own, own[0]], TRACE)
    project.set_criteria(own, TRACE)
    assert (kinds(project), project.criteria) == (["CriteriaSet"], own)
    with refused("criteria_fixed"):
        concluded().set_criteria(own, TRACE)
