"""The screening aggregates without any I/O: a department's project (`Project`), a round (`Round`) and the screening
of one project in one round (`Screening`), and the city's fiscal year (April–March, Asia/Tokyo).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from kyodo_screening.domain import Project, Round, project_id
from kyodo_screening.screening import Screening, check_answers, screening_id
from kyodo_screening.vocabulary import DEFAULT_CHECKLIST, RoundStatus, fiscal_year_of, fiscal_year_span
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.domain.refusals import Refusal

TRACE = {"correlation_id": "c", "causation_id": "c", "actor": "coord-1"}
KODOMO, KANKYO = uuid.UUID(int=1), uuid.UUID(int=2)
# A day well inside FY2026 (2026-04-01 … 2027-03-31), and a deadline a month after it.
TODAY = date(2026, 6, 1)
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=TOKYO)
DEADLINE = "2026-06-30T17:00:00+09:00"
KEYS = ["citizen_view", "expertise", "flexibility"]
AT = "2026-06-02T10:00:00+09:00"


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


# --- Project ------------------------------------------------------------------------------------------------------


def record(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "project_number": "A-1",
        "title": "子育てひろば運営",
        "purpose": "乳幼児と保護者の交流",
        "legal_basis": "児童福祉法",
        "budget_yen": 3_200_000,
        "beneficiaries": "乳幼児と保護者",
        "delivery": "直営",
        "period": "通年",
        "contact": "子育て支援課",
        "group_ids": [],
    }
    return {**base, **changes}


def test_a_project_is_entered_under_the_id_its_department_year_and_number_give() -> None:
    project = Project(KODOMO, 2026, record(), TRACE)
    (entered,) = project.collect_events()
    assert isinstance(entered, Project.Entered)
    assert (entered.department_id, entered.fiscal_year, entered.record) == (KODOMO, 2026, record())
    assert (project.id, project.number, project.version, project.awaiting_round) == (
        project_id(KODOMO, 2026, "A-1"),
        "A-1",
        1,
        None,
    )
    # The same number is another project in another year or department.
    assert len({project_id(KODOMO, 2026, "A-1"), project_id(KODOMO, 2025, "A-1"), project_id(KANKYO, 2026, "A-1")}) == 3


def test_an_update_records_only_the_fields_it_changes_in_the_order_of_the_record() -> None:
    project = Project(KODOMO, 2026, record(), TRACE)
    project.collect_events()
    changed = project.update(record(contact="こども課", budget_yen=3_500_000), TRACE)
    assert changed == ["budget_yen", "contact"]
    (updated,) = project.collect_events()
    assert isinstance(updated, Project.Updated)
    assert (updated.changed, updated.record, updated.department_id, updated.fiscal_year) == (
        ["budget_yen", "contact"],
        record(contact="こども課", budget_yen=3_500_000),
        KODOMO,
        2026,
    )
    assert (project.record["budget_yen"], project.version) == (3_500_000, 2)


def test_an_unchanged_update_records_nothing() -> None:
    project = Project(KODOMO, 2026, record(group_ids=["0b5e6c8e-1f0a-4d3b-9a57-3e2f1c0d9b8a"]), TRACE)
    project.collect_events()
    assert project.update(record(group_ids=["0b5e6c8e-1f0a-4d3b-9a57-3e2f1c0d9b8a"]), TRACE) == []
    assert (kinds(project), project.version) == ([], 1)


def test_a_projects_number_never_changes() -> None:
    project = Project(KODOMO, 2026, record(), TRACE)
    project.collect_events()
    with refused("project_number_immutable", field="project_number"):
        project.update(record(project_number="A-2", title="別の事業"), TRACE)
    assert (kinds(project), project.number, project.record["title"]) == ([], "A-1", "子育てひろば運営")


# --- Round --------------------------------------------------------------------------------------------------------


def spec(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "fiscal_year": 2026,
        "title_ja": "2026年度 事業の選別",
        "title_en": None,
        "checklist": [dict(item) for item in DEFAULT_CHECKLIST],
        "department_ids": [str(KODOMO), str(KANKYO)],
        "self_check_deadline": DEADLINE,
    }
    return {**base, **changes}


def drafted(**changes: Any) -> Round:
    found = Round(uuid.uuid4(), spec(**changes), "coord-1", TRACE)
    found.collect_events()
    return found


TEAM = {"t-b": str(KANKYO), "t-a": str(KODOMO)}


def test_a_draft_is_revised_until_the_round_opens_and_refused_after() -> None:
    found = drafted()
    found.revise(spec(checklist=[{"key": "citizen_view", "name_ja": "市民の視点"}]), TRACE)
    assert (found.checklist_keys, kinds(found)) == (["citizen_view"], ["DraftRevised"])
    found.open(TODAY, NOW, TEAM, TRACE)
    found.collect_events()
    with refused("round_not_draft", state="open"):
        found.revise(spec(), TRACE)
    assert (found.checklist_keys, kinds(found)) == (["citizen_view"], [])


def test_opening_fixes_the_checklist_and_the_team_of_that_day() -> None:
    found = drafted()
    team = dict(TEAM)
    found.open(TODAY, NOW, team, TRACE)
    (opened,) = found.collect_events()
    assert isinstance(opened, Round.Opened)
    assert (opened.spec, opened.opened_on, list(opened.team.items()), opened.opened_at) == (
        spec(),
        "2026-06-01",
        [("t-a", str(KODOMO)), ("t-b", str(KANKYO))],
        "2026-06-01T09:00:00+09:00",
    )
    team["t-late"] = str(KANKYO)  # the registry's team changes later: the round's does not
    assert (found.status, found.opened_on, found.team) == (
        RoundStatus.OPEN,
        "2026-06-01",
        {"t-a": str(KODOMO), "t-b": str(KANKYO)},
    )
    with refused("round_not_draft", state="open"):
        found.open(TODAY, NOW, TEAM, TRACE)


@pytest.mark.parametrize(
    ("team", "members", "departments"),
    [
        ({}, "0", "0"),
        ({"t-a": str(KODOMO)}, "1", "1"),
        ({"t-a": str(KODOMO), "t-x": str(KODOMO), "t-y": str(KODOMO)}, "3", "1"),
    ],
    ids=["nobody", "one-member", "one-department"],
)
def test_a_round_does_not_open_with_a_team_too_small_or_from_one_department(
    team: dict[str, str], members: str, departments: str
) -> None:
    found = drafted()
    with refused("round_team_insufficient", members=members, departments=departments):
        found.open(TODAY, NOW, team, TRACE)
    assert (found.status, kinds(found)) == (RoundStatus.DRAFT, [])


def test_a_round_does_not_open_once_its_self_check_deadline_has_come() -> None:
    found = drafted(self_check_deadline="2026-06-01T09:00:00+09:00")  # exactly now: no time left to answer
    with refused("deadline_in_past", field="self_check_deadline"):
        found.open(TODAY, NOW, TEAM, TRACE)
    assert (found.status, kinds(found)) == (RoundStatus.DRAFT, [])
    one_second_left = drafted(self_check_deadline="2026-06-01T09:00:01+09:00")
    one_second_left.open(TODAY, NOW, TEAM, TRACE)
    assert one_second_left.status == RoundStatus.OPEN


def test_a_round_opens_on_the_last_day_of_its_fiscal_year_and_not_the_day_after() -> None:
    last_minute = "2027-03-31T23:59:00+09:00"
    found = drafted(self_check_deadline=last_minute)
    found.open(date(2027, 3, 31), datetime(2027, 3, 31, 9, 0, tzinfo=TOKYO), TEAM, TRACE)
    assert found.status == RoundStatus.OPEN
    late = drafted(self_check_deadline="2027-04-30T17:00:00+09:00")
    with refused("fiscal_year_over", field="fiscal_year", fiscal_year="2026"):
        late.open(date(2027, 4, 1), datetime(2027, 4, 1, 0, 0, tzinfo=TOKYO), TEAM, TRACE)
    assert (late.status, kinds(late)) == (RoundStatus.DRAFT, [])


@pytest.mark.parametrize(
    "deadline",
    ["2027-04-01T00:00:00+09:00", "2027-03-31T15:00:00+00:00", "2026-03-31T23:59:00+09:00"],
    ids=["first-moment-of-FY2027", "the-same-in-UTC", "last-minute-of-FY2025"],
)
def test_a_round_does_not_open_with_a_self_check_deadline_outside_its_fiscal_year(deadline: str) -> None:
    found = drafted(self_check_deadline=deadline)
    outside = {"field": "self_check_deadline", "fiscal_year": "2026", "first": "2026-04-01", "last": "2027-03-31"}
    with refused("deadline_outside_fiscal_year", **outside):
        found.open(TODAY, NOW, TEAM, TRACE)
    assert (found.status, kinds(found)) == (RoundStatus.DRAFT, [])


def test_a_round_is_asked_to_close_only_while_open_and_closes_once_after_that() -> None:
    found = drafted()
    with refused("round_not_open", state="draft"):
        found.request_close(NOW, TRACE)
    assert (found.close(NOW, 0, TRACE), found.status, kinds(found)) == (False, RoundStatus.DRAFT, [])
    found.open(TODAY, NOW, TEAM, TRACE)
    found.collect_events()
    assert found.close(NOW, 0, TRACE) is False  # an open round is first asked to close
    asked = NOW + timedelta(days=40)
    found.request_close(asked, TRACE)
    assert (found.status, kinds(found)) == (RoundStatus.CLOSING, ["CloseRequested"])
    with refused("round_not_open", state="closing"):
        found.require_open()  # from the request on, no work is taken
    with refused("round_not_open", state="closing"):
        found.request_close(asked, TRACE)
    assert found.close(asked + timedelta(minutes=1), 3, TRACE) is True
    (closed,) = found.collect_events()
    assert isinstance(closed, Round.Closed)
    assert (closed.closed_at, closed.undecided) == ("2026-07-11T09:01:00+09:00", 3)
    assert (found.status, found.closed_at) == (RoundStatus.CLOSED, "2026-07-11T09:01:00+09:00")
    assert (found.close(asked + timedelta(minutes=2), 0, TRACE), kinds(found)) == (False, [])
    with refused("round_not_open", state="closed"):
        found.request_close(asked, TRACE)


def test_the_self_check_closes_once_at_its_deadline_and_never_for_a_draft() -> None:
    found = drafted()
    deadline = datetime.fromisoformat(DEADLINE)
    assert (found.close_self_check(deadline, TRACE), found.self_check_open, kinds(found)) == (False, True, [])
    found.open(TODAY, NOW, TEAM, TRACE)
    found.collect_events()
    # A timer left from an earlier attempt may fire early: nothing closes before the deadline.
    assert (found.close_self_check(deadline - timedelta(seconds=1), TRACE), kinds(found)) == (False, [])
    assert (found.close_self_check(deadline, TRACE), found.self_check_open) == (True, False)
    assert kinds(found) == ["SelfCheckClosed"]
    assert (found.close_self_check(deadline + timedelta(hours=1), TRACE), kinds(found)) == (False, [])


def test_self_checks_are_taken_until_the_deadline_by_the_clock_even_before_its_timer_fired() -> None:
    found = drafted()
    found.open(TODAY, NOW, TEAM, TRACE)
    deadline = datetime.fromisoformat(DEADLINE)
    assert found.self_check_open  # the timer has not fired
    assert (found.self_check_open_at(deadline - timedelta(seconds=1)), found.self_check_open_at(deadline)) == (
        True,
        False,
    )


# --- Screening ----------------------------------------------------------------------------------------------------


def answers(keys: list[str] = KEYS, rating: str = "yes") -> list[dict[str, Any]]:
    return [{"key": k, "rating": rating, "reason": "理由"} for k in keys]


@pytest.mark.parametrize(
    ("given", "code", "key"),
    [
        (["citizen_view", "expertise", "flexibility", "price"], "unknown_criterion", "price"),
        (["citizen_view", "expertise", "expertise", "flexibility"], "criterion_repeated", "expertise"),
        (["citizen_view", "expertise"], "criterion_unanswered", "flexibility"),
        (["price", "citizen_view"], "unknown_criterion", "price"),  # an unknown key is named before a missing one
    ],
    ids=["unknown", "repeated", "missing", "unknown-before-missing"],
)
def test_answers_cover_each_criterion_of_the_checklist_exactly_once(given: list[str], code: str, key: str) -> None:
    with refused(code, field="answers", key=key):
        check_answers(answers(given), KEYS)


def test_answers_in_any_order_are_accepted() -> None:
    check_answers(answers(["flexibility", "citizen_view", "expertise"]), KEYS)


ROUND, PROJECT = uuid.UUID(int=10), uuid.UUID(int=20)


def screening() -> Screening:
    """A KODOMO project's screening in a round."""
    found = Screening(ROUND, PROJECT, KODOMO, TRACE)
    found.collect_events()
    return found


def assessed(*members: tuple[str, uuid.UUID]) -> Screening:
    found = screening()
    for sub, department in members:
        found.assess(KEYS, sub, str(department), answers(), AT, TRACE)
    found.collect_events()
    return found


def decidable() -> Screening:
    """Two assessments, one from outside KODOMO, and the liaison's self-check: ready for a decision."""
    found = assessed(("t-a", KODOMO), ("t-b", KANKYO))
    found.answer_self_check(KEYS, "a-liaison", answers(), AT, TRACE)
    found.collect_events()
    return found


def decision(outcome: str, forms: list[str] | None = None, **more: Any) -> dict[str, Any]:
    return {
        "decision_id": str(uuid.uuid4()),
        "outcome": outcome,
        "forms": forms or [],
        "reasons_ja": "判断の理由",
        "rescreen_on": None,
        "replaces": None,
        **more,
    }


def test_a_screening_has_the_id_its_round_and_project_give_and_starts_pending() -> None:
    found = Screening(ROUND, PROJECT, KODOMO, TRACE)
    assert (found.id, found.status, found.cycle, found.assessments, found.decisions) == (
        screening_id(ROUND, PROJECT),
        "pending",
        1,
        {},
        [],
    )


def test_a_member_assesses_once_per_cycle() -> None:
    found = assessed(("t-a", KODOMO))
    with refused("already_assessed"):
        found.assess(KEYS, "t-a", str(KODOMO), answers(rating="no"), AT, TRACE)
    assert (kinds(found), found.assessments["t-a"]["answers"]) == ([], answers())
    found.assess(KEYS, "t-b", str(KANKYO), answers(), AT, TRACE)
    found.answer_self_check(KEYS, "a-liaison", answers(), AT, TRACE)
    study = decision("needs_study", rescreen_on="2026-09-01")
    found.decide(study, False, TRACE)
    assert found.rescreen(uuid.UUID(study["decision_id"]), True, TRACE) is True
    found.collect_events()
    # A new cycle: the same member assesses again, and the event says which cycle.
    found.assess(KEYS, "t-a", str(KODOMO), answers(rating="partly"), AT, TRACE)
    (again,) = found.collect_events()
    assert isinstance(again, Screening.Assessed)
    assert (again.member_sub, again.cycle, list(found.assessments)) == ("t-a", 2, ["t-a"])


def test_an_assessment_with_answers_off_the_checklist_is_refused() -> None:
    found = screening()
    with refused("criterion_unanswered", field="answers", key="flexibility"):
        found.assess(KEYS, "t-a", str(KODOMO), answers(["citizen_view", "expertise"]), AT, TRACE)
    assert (kinds(found), found.assessments) == ([], {})


def test_a_decision_waits_for_two_assessments() -> None:
    found = assessed(("t-b", KANKYO))
    with refused("assessments_missing", required="2", given="1"):
        found.decidable(True)


def test_a_decision_waits_for_an_assessment_from_another_department_than_the_projects() -> None:
    found = assessed(("t-a", KODOMO), ("t-k", KODOMO))
    with refused("assessment_from_other_department_missing"):
        found.decidable(True)


def test_assessments_of_members_recused_since_they_gave_them_do_not_count() -> None:
    found = assessed(("t-a", KODOMO), ("t-k", KODOMO), ("t-b", KANKYO))
    found.answer_self_check(KEYS, "a-liaison", answers(), AT, TRACE)
    found.collect_events()
    found.decidable(False, frozenset({"t-k"}))
    with refused("assessments_missing", required="2", given="1"):
        found.decidable(False, frozenset({"t-b", "t-k"}))
    # Without t-b, both remaining assessments come from the project's own department.
    with refused("assessment_from_other_department_missing"):
        found.decide(decision("not_suitable"), False, TRACE, frozenset({"t-b"}))
    assert (sorted(found.counted(frozenset({"t-b"}))), kinds(found)) == (["t-a", "t-k"], [])


def test_a_decision_waits_for_the_self_check_or_its_closure() -> None:
    found = assessed(("t-a", KODOMO), ("t-b", KANKYO))
    with refused("self_check_pending"):
        found.decidable(False)
    found.decidable(True)  # the deadline passed without an answer
    found.answer_self_check(KEYS, "a-liaison", answers(), AT, TRACE)
    found.decidable(False)


def test_a_refused_decision_records_nothing_for_each_rule() -> None:
    cases = [
        (decision("suitable"), "forms_required", "forms"),
        (decision("not_suitable", ["commission"]), "forms_only_when_suitable", "forms"),
        (decision("needs_study", ["subsidy"], rescreen_on="2026-09-01"), "forms_only_when_suitable", "forms"),
        (decision("suitable", ["commission", "commission"]), "form_repeated", "forms"),
        (decision("needs_study"), "rescreen_date_required", "rescreen_on"),
        (decision("not_suitable", rescreen_on="2026-09-01"), "rescreen_date_only_when_needs_study", "rescreen_on"),
    ]
    for body, code, field in cases:
        found = decidable()
        with refused(code, field=field):
            found.decide(body, False, TRACE)
        assert (kinds(found), found.status, found.decisions) == ([], "pending", [])


def test_a_suitable_decision_names_its_forms() -> None:
    found = decidable()
    body = decision("suitable", ["commission", "co_hosting"])
    found.decide(body, False, TRACE)
    (decided,) = found.collect_events()
    assert isinstance(decided, Screening.Decided)
    assert (decided.decision, found.status, found.current) == (body, "suitable", body)


def test_a_second_decision_must_name_the_current_one_it_replaces() -> None:
    found = decidable()
    first = decision("not_suitable")
    found.decide(first, False, TRACE)
    found.collect_events()
    with refused("already_decided", decision_id=first["decision_id"]):
        found.decide(decision("suitable", ["subsidy"]), False, TRACE)
    with refused("replaces_not_current", field="replaces"):
        found.decide(decision("suitable", ["subsidy"], replaces=str(uuid.uuid4())), False, TRACE)
    assert kinds(found) == []
    correction = decision("suitable", ["subsidy"], replaces=first["decision_id"])
    found.decide(correction, False, TRACE)
    assert (kinds(found), found.status, [d["decision_id"] for d in found.decisions]) == (
        ["Decided"],
        "suitable",
        [first["decision_id"], correction["decision_id"]],
    )
    # The first is superseded: it can no longer be replaced.
    with refused("replaces_not_current", field="replaces"):
        found.decide(decision("not_suitable", replaces=first["decision_id"]), False, TRACE)


def test_a_decided_screening_takes_no_more_self_checks_or_assessments() -> None:
    found = decidable()
    first = decision("not_suitable")
    found.decide(first, False, TRACE)
    found.collect_events()
    with refused("already_decided", decision_id=first["decision_id"]):
        found.assess(KEYS, "t-c", str(KANKYO), answers(), AT, TRACE)
    with refused("already_decided", decision_id=first["decision_id"]):
        found.answer_self_check(KEYS, "a-liaison", answers(), AT, TRACE)
    assert kinds(found) == []


def needs_study() -> tuple[Screening, uuid.UUID]:
    found = decidable()
    study = decision("needs_study", rescreen_on="2026-09-01")
    found.decide(study, False, TRACE)
    found.collect_events()
    return found, uuid.UUID(study["decision_id"])


def test_a_rescreen_reopens_a_new_cycle_while_the_round_is_open() -> None:
    found, decision_id = needs_study()
    assert found.rescreen(decision_id, True, TRACE) is True
    (due,) = found.collect_events()
    assert isinstance(due, Screening.RescreenDue)
    assert (due.project_id, due.round_id, due.decision_id, due.reopened) == (PROJECT, ROUND, decision_id, True)
    assert (found.status, found.cycle, found.assessments, len(found.decisions)) == ("pending", 2, {}, 1)


def test_a_rescreen_after_the_round_closed_leaves_the_screening_as_it_is() -> None:
    found, decision_id = needs_study()
    assert found.rescreen(decision_id, False, TRACE) is True
    (due,) = found.collect_events()
    assert isinstance(due, Screening.RescreenDue)
    assert due.reopened is False
    assert (found.status, found.cycle, sorted(found.assessments)) == ("needs_study", 1, ["t-a", "t-b"])


def test_a_rescreen_after_the_round_closed_happens_once() -> None:
    found, decision_id = needs_study()
    assert found.rescreen(decision_id, False, TRACE) is True
    found.collect_events()
    assert (found.rescreen(decision_id, False, TRACE), found.rescreen(decision_id, True, TRACE)) == (False, False)
    assert (kinds(found), found.cycle) == ([], 1)


def test_a_rescreen_is_due_for_the_current_needs_study_decision_from_its_date() -> None:
    found, decision_id = needs_study()  # re-screen on 2026-09-01
    assert (found.due_rescreen(date(2026, 8, 31)), found.due_rescreen(date(2026, 9, 1))) == (None, str(decision_id))
    found.decide(decision("suitable", ["commission"], replaces=str(decision_id)), False, TRACE)
    assert found.due_rescreen(date(2026, 9, 1)) is None


def test_a_rescreen_for_a_superseded_decision_does_nothing() -> None:
    found, decision_id = needs_study()
    found.decide(decision("suitable", ["commission"], replaces=str(decision_id)), False, TRACE)
    found.collect_events()
    assert found.rescreen(decision_id, True, TRACE) is False
    assert (kinds(found), found.status, found.cycle) == ([], "suitable", 1)


def test_a_rescreen_of_a_decision_that_is_not_needs_study_or_of_a_pending_screening_does_nothing() -> None:
    found = decidable()
    assert (found.rescreen(uuid.uuid4(), True, TRACE), kinds(found)) == (False, [])
    suitable = decision("suitable", ["commission"])
    found.decide(suitable, False, TRACE)
    found.collect_events()
    assert (found.rescreen(uuid.UUID(suitable["decision_id"]), True, TRACE), kinds(found)) == (False, [])


# --- The fiscal year ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "fiscal_year"),
    [
        (date(2026, 3, 31), 2025),
        (date(2026, 4, 1), 2026),
        (date(2026, 12, 31), 2026),
        (date(2027, 1, 1), 2026),
        (date(2027, 3, 31), 2026),
        (date(2027, 4, 1), 2027),
    ],
)
def test_a_day_belongs_to_the_fiscal_year_that_began_on_the_april_before_it(day: date, fiscal_year: int) -> None:
    assert fiscal_year_of(day) == fiscal_year


def test_a_fiscal_year_runs_from_april_1_to_march_31_of_the_next_year() -> None:
    assert fiscal_year_span(2026) == (date(2026, 4, 1), date(2027, 3, 31))
    assert fiscal_year_span(2027) == (date(2027, 4, 1), date(2028, 3, 31))  # 2028 is a leap year: still March 31
    first, last = fiscal_year_span(2026)
    assert (fiscal_year_of(first), fiscal_year_of(last)) == (2026, 2026)
    assert (fiscal_year_of(first - timedelta(days=1)), fiscal_year_of(last + timedelta(days=1))) == (2025, 2027)


def test_an_open_round_takes_no_work_after_its_fiscal_years_last_day_and_names_the_day_it_closes() -> None:
    found = drafted()
    found.open(TODAY, NOW, TEAM, TRACE)
    found.require_open(date(2027, 3, 31))
    with refused("fiscal_year_over", fiscal_year="2026"):
        found.require_open(date(2027, 4, 1))
    assert found.year_end == date(2027, 4, 1)
