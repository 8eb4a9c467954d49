"""The evaluation committee's record without any I/O (members, conflicts, scores, the recommendation) and the pure
functions of the published report: labels, exact means over the members counted, and the report's parts.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from fractions import Fraction
from typing import Any

import pytest

from kyodo_evaluation.committee import CommitteeEvaluation, committee_evaluation_id
from kyodo_evaluation.domain import Project
from kyodo_evaluation.report import build_report, indicator_results, label, mean_texts, means
from kyodo_evaluation.vocabulary import DEFAULT_CRITERIA, Partner
from kyodo_shared.domain.refusals import Refusal

TRACE = {"correlation_id": "c", "causation_id": "c", "actor": "m-1"}
PROJECT, COMMITTEE = uuid.UUID(int=10), uuid.UUID(int=20)
GROUP, DEPARTMENT = uuid.UUID(int=1), uuid.UUID(int=2)
MEMBERS = ["m-1", "m-2", "m-3", "m-4"]
KEYS = [str(c["key"]) for c in DEFAULT_CRITERIA]  # achievement, collaboration, citizen_benefit, cost_eff…, future…
AT = "2027-05-10T10:00:00+09:00"


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


def points(*given: int) -> dict[str, int]:
    """Points in the order of the published criteria."""
    return dict(zip(KEYS, given, strict=True))


def opened() -> CommitteeEvaluation:
    criteria = [dict(c) for c in DEFAULT_CRITERIA]
    committee = CommitteeEvaluation(PROJECT, COMMITTEE, "2027-05-01", MEMBERS, "m-1", "m-2", 3, criteria, TRACE)
    committee.collect_events()
    return committee


def score(committee: CommitteeEvaluation, member: str, given: dict[str, int], interested: bool = False) -> None:
    committee.score(member, given, {}, interested, AT, TRACE)


# --- members, conflicts and scores --------------------------------------------------------------------------------


def test_a_committee_is_opened_once_per_project_with_its_members_fixed() -> None:
    criteria = [dict(c) for c in DEFAULT_CRITERIA]
    committee = CommitteeEvaluation(PROJECT, COMMITTEE, "2027-05-01", MEMBERS, "m-1", None, 3, criteria, TRACE)
    (opening,) = committee.collect_events()
    assert isinstance(opening, CommitteeEvaluation.Opened)
    assert committee.id == committee_evaluation_id(PROJECT) != committee_evaluation_id(uuid.UUID(int=11))
    assert (opening.members, opening.chair_sub, opening.vice_chair_sub, opening.quorum) == (MEMBERS, "m-1", None, 3)
    assert (committee.scores, committee.conflicts, committee.decision) == ({}, {}, None)


def test_a_member_scores_every_criterion_once_and_the_score_is_final() -> None:
    committee = opened()
    committee.score("m-2", points(4, 5, 3, 4, 5), {"achievement": "目標を超えた"}, False, AT, TRACE)
    (scored,) = committee.collect_events()
    assert isinstance(scored, CommitteeEvaluation.Scored)
    assert (scored.member_sub, scored.points, scored.comments, scored.scored_at) == (
        "m-2",
        points(4, 5, 3, 4, 5),
        {"achievement": "目標を超えた"},
        AT,
    )
    with refused("score_final"):
        score(committee, "m-2", points(1, 1, 1, 1, 1))
    assert (kinds(committee), committee.scores["m-2"]["points"]) == ([], points(4, 5, 3, 4, 5))


def test_someone_not_on_the_committee_neither_scores_nor_has_a_conflict_recorded() -> None:
    committee = opened()
    with refused("not_on_committee"):
        score(committee, "outsider", points(3, 3, 3, 3, 3))
    with refused("not_on_committee"):
        committee.declare_conflict("outsider", "relative", "家族が団体の役員", "coord-1", True, TRACE)
    assert (kinds(committee), committee.scores, committee.conflicts) == ([], {}, {})


def test_a_member_with_a_declared_interest_in_the_group_or_department_is_recused() -> None:
    committee = opened()
    assert committee.recused("m-3", True) is True
    with refused("recused"):
        score(committee, "m-3", points(3, 3, 3, 3, 3), interested=True)
    assert (kinds(committee), committee.scores) == ([], {})


def test_a_member_who_declares_a_conflict_is_recused_until_they_remove_it() -> None:
    committee = opened()
    committee.declare_conflict("m-3", "employment", "団体の職員", "m-3", False, TRACE)
    (declared,) = committee.collect_events()
    assert isinstance(declared, CommitteeEvaluation.ConflictDeclared)
    assert (declared.member_sub, declared.kind, declared.reason, declared.by_sub, declared.pinned) == (
        "m-3",
        "employment",
        "団体の職員",
        "m-3",
        False,
    )
    assert committee.recused("m-3", False) is True
    with refused("recused"):
        score(committee, "m-3", points(3, 3, 3, 3, 3))
    committee.remove_conflict("m-3", "m-3", TRACE)
    assert (kinds(committee), committee.recused("m-3", False)) == (["ConflictRemoved"], False)
    score(committee, "m-3", points(3, 3, 3, 3, 3))
    assert kinds(committee) == ["Scored"]


def test_removing_a_conflict_nobody_declared_is_refused() -> None:
    committee = opened()
    with refused("conflict_not_found"):
        committee.remove_conflict("m-2", "m-2", TRACE)
    assert kinds(committee) == []


def test_a_conflict_a_coordinator_pinned_cannot_be_removed_even_after_the_member_declares_it_again() -> None:
    committee = opened()
    committee.declare_conflict("m-4", "business", "取引関係", "coord-1", True, TRACE)
    committee.collect_events()
    with refused("conflict_pinned"):
        committee.remove_conflict("m-4", "m-4", TRACE)
    # The member's own declaration is refused: it would replace the coordinator's record.
    with refused("conflict_pinned"):
        committee.declare_conflict("m-4", "business", "取引関係あり", "m-4", False, TRACE)
    assert committee.conflicts["m-4"] == {"kind": "business", "reason": "取引関係", "by": "coord-1", "pinned": True}
    with refused("conflict_pinned"):
        committee.remove_conflict("m-4", "m-4", TRACE)
    assert (kinds(committee), committee.recused("m-4", False)) == ([], True)


# A conflict after scoring, and the coordinator's pins over it: test_evaluation_committee_conflicts.py.


@pytest.mark.parametrize(
    ("given", "code", "field"),
    [
        (points(0, 3, 3, 3, 3), "points_out_of_range", "points.achievement"),
        (points(3, 3, 3, 3, 6), "points_out_of_range", "points.future_direction"),
        (points(3, 3, -1, 3, 3), "points_out_of_range", "points.citizen_benefit"),
        ({**points(3, 3, 3, 3, 3), "collaboration": True}, "points_out_of_range", "points.collaboration"),
        ({**points(3, 3, 3, 3, 3), "mood": 3}, "unknown_criterion", "points.mood"),
        (dict.fromkeys(KEYS[:4], 3), "criterion_unrated", "points"),
    ],
)
def test_points_must_rate_each_published_criterion_from_one_to_five(
    given: dict[str, int], code: str, field: str
) -> None:
    committee = opened()
    with pytest.raises(Refusal) as error:
        score(committee, "m-1", given)
    assert (error.value.code, error.value.data["field"], error.value.data["rule"]) == (code, field, code)
    assert (kinds(committee), committee.scores) == ([], {})


def test_a_score_missing_a_criterion_names_it_and_a_comment_must_be_on_a_criterion() -> None:
    committee = opened()
    with refused("criterion_unrated", field="points", rule="criterion_unrated", key="future_direction"):
        score(committee, "m-1", dict.fromkeys(KEYS[:4], 3))
    with refused("unknown_criterion", field="comments.mood", rule="unknown_criterion"):
        committee.score("m-1", points(3, 3, 3, 3, 3), {"mood": "良い"}, False, AT, TRACE)
    assert kinds(committee) == []


def test_after_the_recommendation_nothing_more_is_recorded() -> None:
    committee = opened()
    score(committee, "m-1", points(4, 4, 4, 4, 4))
    committee.declare_conflict("m-4", "relative", "親族", "m-4", False, TRACE)
    committee.collect_events()
    decision = {"recommendation": "expand", "counted": ["m-1"]}
    committee.recommend(decision, {"recommendation": "expand"}, TRACE)
    recommended, published = committee.collect_events()
    assert isinstance(recommended, CommitteeEvaluation.Recommended)
    assert isinstance(published, CommitteeEvaluation.ReportPublished)
    assert (recommended.decision, published.report, committee.decision, committee.report) == (
        decision,
        {"recommendation": "expand"},
        decision,
        {"recommendation": "expand"},
    )
    # Checked before membership: even an outsider hears that it is over.
    commands: list[Callable[[], None]] = [
        lambda: score(committee, "m-2", points(3, 3, 3, 3, 3)),
        lambda: score(committee, "outsider", points(3, 3, 3, 3, 3)),
        lambda: committee.declare_conflict("m-2", "relative", "親族", "m-2", False, TRACE),
        lambda: committee.remove_conflict("m-4", "m-4", TRACE),
        lambda: committee.recommend({"recommendation": "end"}, {}, TRACE),
    ]
    for command in commands:
        with refused("already_recommended"):
            command()
    assert (kinds(committee), committee.decision, sorted(committee.scores)) == ([], decision, ["m-1"])


# --- the report's pure parts --------------------------------------------------------------------------------------


def test_labels_run_a_to_z_then_aa_ab_like_spreadsheet_columns() -> None:
    assert [label(i) for i in range(28)] == [*"ABCDEFGHIJKLMNOPQRSTUVWXYZ", "AA", "AB"]
    # 26 one-letter labels, then 26 × 26 = 676 two-letter ones (indices 26 … 701): AZ, BA … ZZ, then AAA.
    assert [label(51), label(52), label(701), label(702)] == ["AZ", "BA", "ZZ", "AAA"]
    assert len({label(i) for i in range(1000)}) == 1000


def scored_committee() -> CommitteeEvaluation:
    committee = opened()
    score(committee, "m-1", points(4, 5, 3, 4, 5))
    score(committee, "m-2", points(3, 4, 4, 2, 4))
    score(committee, "m-3", points(5, 5, 5, 5, 5))
    score(committee, "m-4", points(2, 3, 3, 3, 2))
    return committee


def test_means_are_exact_fractions_over_the_members_counted_only() -> None:
    committee = scored_committee()
    # m-3 (all fives) is not counted. Over m-1, m-2, m-4:
    #   achievement (4+3+2)/3 = 3, collaboration (5+4+3)/3 = 4, citizen_benefit (3+4+3)/3 = 10/3,
    #   cost_effectiveness (4+2+3)/3 = 3, future_direction (5+4+2)/3 = 11/3;
    #   overall (3 + 4 + 10/3 + 3 + 11/3)/5 = 17/5.
    per, overall = means(committee, ["m-1", "m-2", "m-4"])
    assert per == dict(
        zip(KEYS, [Fraction(3), Fraction(4), Fraction(10, 3), Fraction(3), Fraction(11, 3)], strict=True)
    )
    assert overall == Fraction(17, 5)
    assert mean_texts(per, overall) == (dict(zip(KEYS, ["3/1", "4/1", "10/3", "3/1", "11/3"], strict=True)), "17/5")
    # Over m-1 and m-2: 7/2, 9/2, 7/2, 6/2 = 3, 9/2; overall (7 + 9 + 7 + 6 + 9)/2/5 = 38/10 = 19/5.
    per, overall = means(committee, ["m-1", "m-2"])
    assert mean_texts(per, overall) == (dict(zip(KEYS, ["7/2", "9/2", "7/2", "3/1", "9/2"], strict=True)), "19/5")


def evaluating_project(*partners: Partner) -> Project:
    """A project whose agreement (one indicator, 参加者数 target 200) ran its course; `partners` self-evaluated."""
    links = {"call_id": str(uuid.UUID(int=7)), "proposal_id": str(uuid.UUID(int=8)), "rank": 1, "score": "4"}
    project = Project(PROJECT, "adoption", GROUP, DEPARTMENT, "子ども食堂", links, list(DEFAULT_CRITERIA), AT, TRACE)
    indicator = {"key": "visits", "name_ja": "参加者数", "unit": "人", "value_type": "count", "baseline": "120",
                 "target": "200", "method_ja": "受付簿"}  # fmt: skip
    agreement = {"title_ja": "子ども食堂", "budget": {"total_yen": 10, "city_yen": 6, "group_yen": 4},
                 "period_start": "2026-04-01", "period_end": "2027-03-31", "indicators": [indicator],
                 "report_dates": []}  # fmt: skip
    project.draft_agreement(agreement, "1" * 64, None, date(2026, 4, 1), "liaison-1", TRACE)
    project.confirm(Partner.GROUP, "rep-1", "1" * 64, date(2026, 4, 1), AT, TRACE)
    project.confirm(Partner.DEPARTMENT, "liaison-1", "1" * 64, date(2026, 4, 1), AT, TRACE)
    project.end("2027-03-31", "2027-04-30T17:00:00+09:00")
    achieved = {Partner.GROUP: "210", Partner.DEPARTMENT: "205"}
    for partner in partners:
        evaluation = {
            "partner": partner.value,
            "ratings": [{"key": k, "rating": 4, "comment_ja": "良"} for k in KEYS],
            "achieved": [{"key": "visits", "value": achieved[partner], "unit": "人"}],
            "summary_ja": "達成",
            "content_hash": f"h-{partner.value}",
            "submitted_at": AT,
            "submitted_by": f"sub-{partner.value}",
        }
        project.self_evaluate(partner, evaluation, "receipt", False, TRACE)
    project.unseal_at_deadline("2027-04-30T17:00:00+09:00")
    return project


def test_indicator_results_set_each_target_beside_what_each_partner_reported() -> None:
    (both,) = indicator_results(evaluating_project(Partner.GROUP, Partner.DEPARTMENT))
    assert (both["indicator"]["target"], both["achieved_group"], both["achieved_department"]) == ("200", "210", "205")
    # Only the group sent one before the deadline: the department's is absent, not zero.
    (one,) = indicator_results(evaluating_project(Partner.GROUP))
    assert (one["achieved_group"], one["achieved_department"]) == ("210", None)


def test_the_report_publishes_labels_in_the_shuffled_order_and_never_a_member() -> None:
    project = evaluating_project(Partner.GROUP, Partner.DEPARTMENT)
    committee = scored_committee()
    per, overall = means(committee, ["m-1", "m-2", "m-4"])
    criterion_means, overall_mean = mean_texts(per, overall)
    decision = {
        "recommendation": "improve",
        "reasons_ja": "協働の効果は高いが費用対効果に課題",
        "reasons_en": None,
        "confirmed_by": "vice_chair",
        "counted": ["m-1", "m-2", "m-4"],
        "recused": ["m-3"],  # m-3 declared a conflict after scoring: voided
        "criterion_means": criterion_means,
        "overall_mean": overall_mean,
    }
    report = build_report(project, committee, decision, ["m-4", "m-1", "m-2"], "2027-06-01T10:00:00+09:00")
    assert report["evaluations"] == [
        {"label": "A", "points": points(2, 3, 3, 3, 2)},
        {"label": "B", "points": points(4, 5, 3, 4, 5)},
        {"label": "C", "points": points(3, 4, 4, 2, 4)},
    ]
    assert {k: report[k] for k in ("project_id", "group_id", "department_id", "call_id", "proposal_id")} == {
        "project_id": str(PROJECT),
        "group_id": str(GROUP),
        "department_id": str(DEPARTMENT),
        "call_id": str(uuid.UUID(int=7)),
        "proposal_id": str(uuid.UUID(int=8)),
    }
    assert (report["screening_decision_id"], report["screening_project_id"]) == (None, None)
    assert (report["agreement_version"], report["agreement_hash"], report["agreement"]) == (
        1,
        "1" * 64,
        project.agreement,
    )
    assert report["indicators"] == indicator_results(project)
    assert report["self_evaluations"] == project.public_self_evaluations()
    assert [e["partner"] for e in report["self_evaluations"]] == ["department", "group"]
    assert (report["criterion_means"]["citizen_benefit"], report["overall_mean"], report["recusals"]) == (
        "10/3",
        "17/5",
        1,
    )
    assert (report["recommendation"], report["reasons_en"], report["confirmed_by"], report["published_at"]) == (
        "improve",
        None,
        "vice_chair",
        "2027-06-01T10:00:00+09:00",
    )
    assert report["criteria"] == committee.criteria
    # The restricted parts of the decision stay out: no member's id appears anywhere in the report.
    assert not any(member in repr(report) for member in MEMBERS)
    assert "counted" not in report


# --- a substitute ---------------------------------------------------------------------------------------------------


def test_a_substitute_joins_only_when_fewer_members_than_the_quorum_are_not_recused() -> None:
    committee = opened()  # four members, quorum 3
    with refused("no_quorum_failure", quorum="3", eligible="3"):
        committee.add_substitute("m-9", ["m-1"], False, "補充", "coord-1", TRACE)
    recused = ["m-1", "m-2", "m-3"]
    with refused("already_on_committee"):
        committee.add_substitute("m-4", recused, False, "補充", "coord-1", TRACE)
    with refused("substitute_recused", field="member_sub", rule="substitute_recused"):
        committee.add_substitute("m-9", recused, True, "補充", "coord-1", TRACE)
    committee.add_substitute("m-9", recused, False, "回避により定足数に満たないため", "coord-1", TRACE)
    (added,) = committee.collect_events()
    assert isinstance(added, CommitteeEvaluation.SubstituteAdded)
    assert (added.project_id, added.member_sub, added.recused) == (PROJECT, "m-9", recused)
    assert committee.members[-1] == "m-9"
    score(committee, "m-9", dict.fromkeys(KEYS, 4))
    assert "m-9" in committee.scores


def test_a_conflict_a_substitute_joined_for_cannot_be_withdrawn() -> None:
    committee = opened()
    for member in ("m-1", "m-2", "m-3"):
        committee.declare_conflict(member, "other", "関係あり", member, False, TRACE)
    committee.add_substitute("m-9", ["m-1", "m-2", "m-3"], False, "回避により定足数に満たないため", "coord-1", TRACE)
    committee.collect_events()
    with refused("conflict_fixed"):
        committee.remove_conflict("m-2", "m-2", TRACE)
    assert kinds(committee) == []
