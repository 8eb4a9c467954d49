"""The coordination window's case without any I/O: raising, routing with a deadline per department, acknowledgements
on time and late, the overdue mark recorded once and only while it matters, suggestions with reasons, invitations,
links and the outcome; matching groups by fields and area (Japanese-normalized); the month's figures by hand (only
the directory's fields in cells of three or more published, the rest as その他; acknowledgement times per department).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from kyodo_info_hub.cases import Case, LinkKind, MonthlyFigures, Outcome, figures_id
from kyodo_info_hub.cases_figures import compute, month_of, next_month, vocabulary
from kyodo_info_hub.cases_matching import matches
from kyodo_info_hub.people_view import GroupCard
from kyodo_shared.domain.refusals import Refusal

TRACE = {"correlation_id": "c", "causation_id": "c", "actor": "coord-1"}
GROUP, OTHER = "00000000-0000-0000-0000-000000000061", "00000000-0000-0000-0000-000000000062"
DEPT_A, DEPT_B = "00000000-0000-0000-0000-00000000000a", "00000000-0000-0000-0000-00000000000b"
RAISED = "2027-04-01T10:00:00+09:00"
DUE = "2027-04-07T00:00:00+09:00"


@contextmanager
def refused(code: str, **data: str) -> Iterator[None]:
    with pytest.raises(Refusal) as error:
        yield
    assert error.value.code == code
    if data:
        assert error.value.data == data


def kinds(aggregate: Any) -> list[str]:
    return [type(e).__name__ for e in aggregate.collect_events()]


def raised(raiser: str = "group", raiser_id: str | None = GROUP, **changes: Any) -> Case:
    values: dict[str, Any] = {
        "raiser_kind": raiser,
        "raiser_id": raiser_id,
        "raised_by": "rep-g",
        "on_behalf": False,
        "problem_ja": "子育て中の親の居場所が足りない",
        "problem_en": None,
        "fields_of_activity": ["子育て", "まちづくり"],
        "area": "本町",
        "urgency": "normal",
        "contact": None,
        "raised_at": RAISED,
        "trace": TRACE,
        **changes,
    }
    return Case(**values)


def routed(case: Case, *departments: str, at: str = "2027-04-01T11:00:00+09:00") -> Case:
    case.route(list(departments or (DEPT_A, DEPT_B)), DUE, "coord-1", at, TRACE)
    return case


def test_a_raised_case_is_open_with_its_problem_fields_and_area() -> None:
    case = raised()
    assert kinds(case) == ["Raised"]
    assert (case.closed, case.raiser_kind, case.raiser_id, case.area) == (False, "group", GROUP, "本町")
    assert case.fields_of_activity == ["子育て", "まちづくり"]


def test_routing_records_each_department_with_the_same_deadline_and_never_twice() -> None:
    case = routed(raised(), DEPT_B, DEPT_A)
    assert kinds(case) == ["Raised", "Routed"]
    assert sorted(case.routings) == [DEPT_A, DEPT_B]
    assert {r["acknowledge_by"] for r in case.routings.values()} == {DUE}
    with refused("already_routed", department_id=DEPT_A):
        case.route([DEPT_A], DUE, "coord-1", RAISED, TRACE)
    with refused("case_departments_repeated"):
        case.route(["x", "x"], DUE, "coord-1", RAISED, TRACE)


def test_an_acknowledgement_before_the_deadline_is_on_time_and_after_it_late() -> None:
    case = routed(raised())
    case.acknowledge(DEPT_A, "liaison-a", "2027-04-06T23:59:00+09:00", TRACE)
    case.acknowledge(DEPT_B, "liaison-b", "2027-04-07T00:00:01+09:00", TRACE)
    assert (case.routings[DEPT_A]["late"], case.routings[DEPT_B]["late"]) == (False, True)
    with refused("already_acknowledged"):
        case.acknowledge(DEPT_A, "liaison-a", "2027-04-08T09:00:00+09:00", TRACE)
    with refused("not_routed"):
        case.acknowledge("dept-c", "liaison-c", "2027-04-08T09:00:00+09:00", TRACE)


def test_the_overdue_mark_is_recorded_once_and_not_before_the_deadline_nor_after_acknowledgement() -> None:
    case = routed(raised())
    case.acknowledge(DEPT_A, "liaison-a", "2027-04-02T09:00:00+09:00", TRACE)
    kinds(case)
    assert case.mark_overdue(DEPT_B, "2027-04-06T23:00:00+09:00") is False
    assert case.mark_overdue(DEPT_A, "2027-04-07T00:00:00+09:00") is False
    # The deadline in UTC is the same instant as Tokyo midnight.
    assert case.mark_overdue(DEPT_B, "2027-04-06T15:00:00+00:00") is True
    assert case.mark_overdue(DEPT_B, "2027-04-07T10:00:00+09:00") is False
    assert kinds(case) == ["AcknowledgementOverdue"]
    assert case.routings[DEPT_B]["overdue_at"] == "2027-04-06T15:00:00+00:00"


def test_a_closed_case_gets_no_overdue_mark_and_refuses_every_change_but_a_link() -> None:
    case = routed(raised())
    case.close(Outcome.REFERRED, "社会福祉協議会へ紹介した", None, "coord-1", "2027-04-03T10:00:00+09:00", TRACE)
    assert case.mark_overdue(DEPT_A, "2027-04-08T00:00:00+09:00") is False
    changes: list[Callable[[], None]] = [
        lambda: case.route(["dept-c"], DUE, "coord-1", RAISED, TRACE),
        lambda: case.acknowledge(DEPT_A, "liaison-a", RAISED, TRACE),
        lambda: case.suggest([], "coord-1", RAISED, TRACE),
        lambda: case.invite([OTHER], "coord-1", RAISED, TRACE),
        lambda: case.close(Outcome.RESOLVED, "再度", None, "coord-1", RAISED, TRACE),
    ]
    for change in changes:
        with refused("case_closed", outcome="referred"):
            change()
    case.link(LinkKind.PROPOSAL, "p-1", "coord-1", "2027-05-01T10:00:00+09:00", TRACE)
    assert case.links == [{"kind": "proposal", "target_id": "p-1", "linked_at": "2027-05-01T10:00:00+09:00"}]
    with refused("case_already_linked"):
        case.link(LinkKind.PROPOSAL, "p-1", "coord-1", RAISED, TRACE)


def test_suggestions_record_the_criteria_and_a_later_suggestion_replaces_the_earlier() -> None:
    case = raised()
    first = [{"group_id": OTHER, "name": "あおぞらの会", "reasons": {"fields": ["子育て"], "area": "本町"}}]
    case.suggest(first, "coord-1", RAISED, TRACE)
    events = case.collect_events()
    assert events[-1].criteria == {"fields": ["子育て", "まちづくり"], "area": "本町"}  # type: ignore[attr-defined]
    case.suggest([], "coord-1", RAISED, TRACE)
    assert case.suggestions == []


def test_invitations_name_groups_once_and_never_the_raising_group() -> None:
    case = raised()
    case.invite([OTHER], "coord-1", RAISED, TRACE)
    assert case.invited == {OTHER: RAISED}
    with refused("already_invited", group_id=OTHER):
        case.invite([OTHER], "coord-1", RAISED, TRACE)
    with refused("raiser_invited"):
        case.invite([GROUP], "coord-1", RAISED, TRACE)
    with refused("case_groups_repeated"):
        case.invite(["g", "g"], "coord-1", RAISED, TRACE)


def test_matching_finds_shared_fields_and_the_same_area_japanese_normalized_and_leaves_out_the_raiser() -> None:
    case = raised(fields_of_activity=["子育て", "npo支援"], area="本町")
    groups = [
        GroupCard(GROUP, "みどりの会", ["子育て"], "本町", "registered"),
        GroupCard(OTHER, "あおぞらの会", ["ＮＰＯ支援"], "東恋ヶ窪", "registered"),
        GroupCard("g-3", "ひだまりの会", ["子育て", "NPO支援"], "ﾎﾝﾏﾁ", "registered"),
        GroupCard("g-4", "ほんまち会", ["スポーツ"], "本町", "registered"),
        GroupCard("g-5", "無関係の会", ["スポーツ"], "西町", "registered"),
    ]
    found = matches(case, groups)
    assert found == [
        {"group_id": "g-3", "name": "ひだまりの会", "reasons": {"fields": ["子育て", "npo支援"]}},
        {"group_id": OTHER, "name": "あおぞらの会", "reasons": {"fields": ["npo支援"]}},
        {"group_id": "g-4", "name": "ほんまち会", "reasons": {"area": "本町"}},
    ]


def test_the_figures_aggregate_of_a_month_has_one_id_derived_from_the_month() -> None:
    figures = MonthlyFigures("2027-04", {"month": "2027-04"}, "2027-05-01T00:00:00+09:00", "timer")
    assert figures.id == figures_id("2027-04") != figures_id("2027-05")
    assert (next_month("2027-12"), next_month("2027-04")) == ("2028-01", "2027-05")
    # 2027-04-30 20:00 UTC is already May in Tokyo.
    assert month_of("2027-04-30T20:00:00+00:00") == "2027-05"


def test_the_months_figures_count_by_field_urgency_and_outcome_with_median_hours() -> None:
    first = raised(fields_of_activity=["まちづくり", "マチヅクリ"], urgency="high")
    routed(first, DEPT_A, at="2027-04-01T12:00:00+09:00")
    first.acknowledge(DEPT_A, "l", "2027-04-02T12:00:00+09:00", TRACE)  # 24 h after routing
    first.close(Outcome.RESOLVED, "解決", None, "coord-1", "2027-04-11T10:00:00+09:00", TRACE)  # 240 h after raising
    second = raised(fields_of_activity=["ﾏﾁﾂﾞｸﾘ", "環境"], raised_at="2027-04-20T10:00:00+09:00")
    routed(second, DEPT_A, DEPT_B, at="2027-04-20T10:00:00+09:00")
    second.acknowledge(DEPT_B, "l", "2027-04-21T16:00:00+09:00", TRACE)  # 30 h
    second.mark_overdue(DEPT_A, "2027-04-27T00:00:00+09:00")
    second.close(Outcome.RESOLVED, "解決", None, "coord-1", "2027-04-21T10:00:00+09:00", TRACE)  # 24 h
    third = raised(raised_at="2027-03-31T23:00:00+09:00")  # March's
    third.close(Outcome.NOT_FEASIBLE, "困難", None, "coord-1", "2027-04-02T10:00:00+09:00", TRACE)
    events = [e for case in (third, first, second) for e in case.collect_events()]
    known = vocabulary([["まちづくり", "子育て"], ["環境"]])
    figures = compute("2027-04", events, known, min_cell=2)
    assert figures == {
        "month": "2027-04",
        "received": 2,
        # 環境 is named by one case only (a cell below 2 here): counted under その他.
        "received_by_field": [{"field": "まちづくり", "count": 2}, {"field": "その他", "count": 1}],
        "received_by_urgency": {"low": 0, "normal": 1, "high": 1},
        "routed": 2,
        "acknowledgements_overdue": 1,
        "acknowledged": 2,
        "median_hours_to_acknowledgement": 27.0,
        "closed": 3,
        "closed_by_outcome": {"resolved": 2, "referred": 0, "not_feasible": 1},
        "median_hours_to_resolution": 132.0,
    }
    march = compute("2027-03", events, known)
    assert (march["received"], march["closed"], march["median_hours_to_resolution"]) == (1, 0, None)


def test_a_field_outside_the_directorys_vocabulary_is_published_only_as_other() -> None:
    """A raiser's own wording (a name and a phone number, say) never reaches the figures; known fields named by
    three cases are shown as the directory writes them, and a case is counted once under その他 however many
    unknown fields it names."""
    leaked = "山田花子 090-1234-5678 DV相談"
    cases = [
        raised(fields_of_activity=[leaked, "ﾏﾁﾂﾞｸﾘ"]),
        raised(fields_of_activity=["まちづくり", "個人的な話", "もう一つ"]),
        raised(fields_of_activity=["マチヅクリ"]),
        raised(fields_of_activity=["子育て"]),
    ]
    known = vocabulary([["まちづくり", "子育て"], ["子育て"], ["その他"]])
    assert known == {"まちづくり": "まちづくり", "子育て": "子育て"}
    figures = compute("2027-04", [e for case in cases for e in case.collect_events()], known)
    assert figures["received_by_field"] == [{"field": "まちづくり", "count": 3}, {"field": "その他", "count": 3}]
    assert leaked not in str(figures)


def test_the_time_to_acknowledgement_runs_from_the_acknowledging_departments_own_routing() -> None:
    """A routed on 04-01 10:00 never acknowledges; B, routed on 04-11 10:00, acknowledges an hour later: 1 h, not
    241 h from the case's first routing."""
    case = routed(raised(), DEPT_A, at="2027-04-01T10:00:00+09:00")
    case.route([DEPT_B], "2027-04-17T00:00:00+09:00", "coord-1", "2027-04-11T10:00:00+09:00", TRACE)
    case.acknowledge(DEPT_B, "liaison-b", "2027-04-11T11:00:00+09:00", TRACE)
    figures = compute("2027-04", case.collect_events(), {})
    assert (figures["routed"], figures["acknowledged"], figures["median_hours_to_acknowledgement"]) == (1, 1, 1.0)
