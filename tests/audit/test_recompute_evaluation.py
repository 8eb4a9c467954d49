"""The auditor's independent recompute of a committee's evaluation: a recommended project rebuilt from its history.

Histories are hand-written (tests/support/evaluation_recompute.py states the default story and its means).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kyodo_recompute import evaluation_cli
from kyodo_recompute.evaluation_history import committee_evaluation_id_for
from kyodo_recompute.evaluation_recompute import EvaluationReport, recompute_evaluation
from kyodo_shared.audit.visibility import VisibilityPolicy

from support.evaluation_recompute import (
    COMMITTEE_ID,
    LABELS,
    MEANS,
    PROJECT_ID,
    Evaluation,
    find,
    recommended,
    scored,
)


def codes(report: EvaluationReport) -> list[tuple[str, str | None]]:
    return [(f.code, f.member_sub) for f in report.findings]


def test_the_committee_evaluation_id_is_derived_from_the_project_id_as_documented() -> None:
    assert committee_evaluation_id_for(PROJECT_ID.upper()) == COMMITTEE_ID


def test_a_recommendation_that_follows_the_history_is_confirmed() -> None:
    report = recompute_evaluation(PROJECT_ID, recommended().events())
    assert report.ok, report.as_dict()
    # goal (4+5+3)/3 = 4, effect (3+4+4)/3 = 11/3, overall (4 + 11/3)/2 = 23/6.
    assert report.recomputed == {"counted": ["c1", "m1", "v1"], "criterion_means": MEANS, "overall_mean": "23/6"}
    # m3's interest is the registry's word: said to the auditor as a note, no problem.
    interest = next(n for n in report.notes if n.code == "interests_from_registry")
    assert (interest.detail["recused"], interest.detail["voided"]) == ("m3", "m3")
    assert "登録サービス" in interest.message_ja
    assert "another service's store" in interest.message_en
    assert json.loads(json.dumps(report.as_dict(), ensure_ascii=False))["ok"] is True


def test_an_altered_score_is_reported_under_its_criterion_in_the_decision_and_the_report() -> None:
    events = recommended().events()
    find(events, "Scored", member_sub="c1")["points"]["goal"] = 1
    report = recompute_evaluation(PROJECT_ID, events)
    # goal becomes (1+5+3)/3 = 3; effect is untouched; overall (3 + 11/3)/2 = 10/3.
    means = [(f.detail["where"], f.detail["criterion"], f.detail["recomputed"], f.detail["stated"])
             for f in report.findings if f.code == "criterion_mean_mismatch"]  # fmt: skip
    assert means == [("decision", "goal", "3/1", "4/1"), ("report", "goal", "3/1", "4/1")]
    overall = [
        (f.detail["recomputed"], f.detail["stated"]) for f in report.findings if f.code == "overall_mean_mismatch"
    ]
    assert overall == [("10/3", "23/6")] * 2
    # The report still shows c1's points as given (4): label B no longer matches the history.
    assert ("labelled_points_mismatch", "c1") in codes(report)
    mismatch = next(f for f in report.findings if f.code == "criterion_mean_mismatch")
    assert "goal" in mismatch.message_ja
    assert "goal" in mismatch.message_en


def test_a_mean_right_in_amount_but_not_in_lowest_terms_is_reported() -> None:
    evaluation = scored()
    evaluation.recommend(criterion_means={"goal": "8/2", "effect": "11/3"})
    found = [(f.detail["where"], f.detail["stated"]) for f in recompute_evaluation(PROJECT_ID, evaluation.events())
             .findings if f.code == "criterion_mean_mismatch"]  # fmt: skip
    assert found == [("decision", "8/2"), ("report", "8/2")]


def test_a_member_with_a_standing_conflict_voided_for_interest_is_reported() -> None:
    evaluation = scored()
    evaluation.recommend(
        voided=[{"member_sub": "m2", "reason": "interest"}, {"member_sub": "m3", "reason": "interest"}]
    )
    assert codes(recompute_evaluation(PROJECT_ID, evaluation.events())) == [("conflict_void_reason", "m2")]


def test_a_member_with_a_standing_conflict_who_is_counted_is_reported() -> None:
    evaluation = scored()
    # m2 counted as well: goal (4+5+3+2)/4 = 7/2, effect (3+4+4+2)/4 = 13/4, overall (7/2 + 13/4)/2 = 27/8.
    evaluation.recommend(
        counted=["c1", "m1", "m2", "v1"],
        voided=[{"member_sub": "m3", "reason": "interest"}],
        labels={**LABELS, "D": "m2"},
        criterion_means={"goal": "7/2", "effect": "13/4"},
        overall_mean="27/8",
    )
    found = codes(recompute_evaluation(PROJECT_ID, evaluation.events()))
    assert found == [("conflict_counted", "m2")]


def test_a_conflict_removed_before_the_recommendation_does_not_recuse_and_one_declared_after_changes_nothing() -> None:
    evaluation = Evaluation()
    evaluation.conflict("m2", removed=True)
    for member, goal, effect in (("c1", 4, 3), ("v1", 5, 4), ("m1", 3, 4), ("m3", 1, 1)):
        evaluation.score(member, goal, effect)
    evaluation.recommend(voided=[{"member_sub": "m3", "reason": "interest"}], recused=["m3"])
    evaluation.conflict("v1")  # stored after the recommendation (the service refuses it; the auditor ignores it)
    report = recompute_evaluation(PROJECT_ID, evaluation.events())
    assert report.ok, report.as_dict()


def test_a_voided_conflict_that_was_removed_and_a_score_neither_counted_nor_voided_are_reported() -> None:
    evaluation = scored()
    evaluation.committee.append(("ConflictRemoved", {"member_sub": "m2", "by_sub": "m2", "trace": {}}))
    evaluation.recommend(voided=[{"member_sub": "m2", "reason": "conflict"}])
    found = codes(recompute_evaluation(PROJECT_ID, evaluation.events()))
    assert found == [("score_unaccounted", "m3"), ("conflict_void_without_conflict", "m2")]


def test_a_recommendation_short_of_the_quorum_is_reported() -> None:
    report = recompute_evaluation(PROJECT_ID, recommended(quorum=4).events())
    assert [(f.code, f.detail) for f in report.findings] == [("quorum_not_met", {"counted": 3, "quorum": 4})]


def chair_recused(**confirmer: Any) -> EvaluationReport:
    """c1 (the chair) declares a conflict after scoring and is voided too: counted v1, m1 — goal (5+3)/2 = 4,
    effect (4+4)/2 = 4, overall 4. Quorum 2, so that only the confirmer can be wrong."""
    evaluation = scored(quorum=2)
    evaluation.conflict("c1")
    voided = (("c1", "conflict"), ("m2", "conflict"), ("m3", "interest"))
    evaluation.recommend(
        counted=["m1", "v1"],
        voided=[{"member_sub": member, "reason": reason} for member, reason in voided],
        recused=["c1", "m2", "m3"],
        labels={"A": "m1", "C": "v1"},
        criterion_means={"goal": "4/1", "effect": "4/1"},
        overall_mean="4/1",
        **confirmer,
    )
    return recompute_evaluation(PROJECT_ID, evaluation.events())


def test_the_chair_confirming_while_recused_is_reported_and_the_vice_chair_is_expected() -> None:
    report = chair_recused()  # the story's default: confirmed by the chair, c1
    assert [(f.code, f.detail.get("expected")) for f in report.findings] == [("confirmer_role_mismatch", "vice_chair")]
    assert chair_recused(confirmed_by="vice_chair", confirmer_sub="v1").ok
    named = chair_recused(confirmed_by="vice_chair", confirmer_sub="m1")
    assert [(f.code, f.detail.get("expected")) for f in named.findings] == [("confirmer_sub_mismatch", "v1")]


def acting_case(acting: dict[str, Any]) -> EvaluationReport:
    """Chair and vice-chair both recused by conflicts before scoring; m1, m2 counted: goal (3+2)/2 = 5/2,
    effect (4+2)/2 = 3, overall (5/2 + 3)/2 = 11/4."""
    evaluation = Evaluation(quorum=2)
    evaluation.conflict("c1")
    evaluation.conflict("v1")
    evaluation.score("m1", 3, 4)
    evaluation.score("m2", 2, 2)
    evaluation.recommend(
        confirmed_by="acting_chair",
        confirmer_sub=acting["acting_chair_sub"],
        counted=["m1", "m2"],
        voided=[],
        recused=["c1", "v1"],
        labels={"A": "m2", "B": "m1"},
        criterion_means={"goal": "5/2", "effect": "3/1"},
        overall_mean="11/4",
        acting_chair=acting,
    )
    return recompute_evaluation(PROJECT_ID, evaluation.events())


def test_an_acting_chair_elected_by_a_majority_of_members_not_recused_confirms() -> None:
    # Not recused: m1, m2, m3; electors m1, m2 are a majority of the three.
    report = acting_case({"acting_chair_sub": "m1", "elector_subs": ["m1", "m2"]})
    assert report.ok, report.as_dict()
    assert "acting_chair_from_registry" in {n.code for n in report.notes}


def test_an_acting_chair_who_is_recused_or_elected_by_a_minority_is_reported() -> None:
    report = acting_case({"acting_chair_sub": "c1", "elector_subs": ["m1"]})
    found = [(f.code, f.member_sub) for f in report.findings]
    assert found == [("acting_chair_ineligible", "c1"), ("acting_chair_minority", None)]


def test_the_project_recording_another_recommendation_and_a_report_differing_from_the_decision_are_reported() -> None:
    events = recommended().events()
    find(events, "Reported")["recommendation"] = "end"
    find(events, "ReportPublished")["report"]["recusals"] = 1
    find(events, "ReportPublished")["report"]["reasons_ja"] = "別の理由"
    found = [f.code for f in recompute_evaluation(PROJECT_ID, events).findings]
    assert found == ["report_differs", "recusals_mismatch", "project_reported_mismatch"]


def test_labels_that_are_not_one_to_one_with_the_counted_members_are_reported() -> None:
    evaluation = scored()
    evaluation.recommend(labels={"A": "m1", "B": "c1", "C": "m1"})
    report = recompute_evaluation(PROJECT_ID, evaluation.events())
    labels = next(f for f in report.findings if f.code == "labels_not_counted")
    assert (labels.detail["only_counted"], labels.detail["repeated"]) == ("v1", "m1")


def test_a_project_not_yet_recommended_is_not_yet_and_an_unknown_project_is_a_finding() -> None:
    waiting = recompute_evaluation(PROJECT_ID, scored().events())
    assert waiting.waiting
    assert [f.code for f in waiting.findings] == ["not_recommended"]
    unknown = recompute_evaluation(PROJECT_ID, [])
    assert not unknown.waiting
    assert [f.code for f in unknown.findings] == ["project_not_found"]


class FakeKernel:
    application = None
    visibility = VisibilityPolicy()

    def close(self) -> None:
        pass


def test_the_command_prints_a_bilingual_verdict_and_exits_0_1_or_4(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    history: list[dict[str, Any]] = recommended().events()
    monkeypatch.setattr(evaluation_cli, "open_kernel", lambda service, data_dir: FakeKernel())
    monkeypatch.setattr(evaluation_cli, "events_for_project", lambda app, type_of, project: history)
    assert evaluation_cli.recompute_evaluation_command(PROJECT_ID, "evaluation", tmp_path) == 0
    out = capsys.readouterr().out
    assert "AGREES" in out
    assert "一致しました" in out
    assert "23/6" in out
    find(history, "Scored", member_sub="v1")["points"]["effect"] = 1
    assert evaluation_cli.recompute_evaluation_command(PROJECT_ID, "evaluation", tmp_path, as_json=True) == 1
    assert "criterion_mean_mismatch" in {f["code"] for f in json.loads(capsys.readouterr().out)["findings"]}
    history[:] = scored().events()
    assert evaluation_cli.recompute_evaluation_command(PROJECT_ID, "evaluation", tmp_path) == 4
    assert "Not recommended yet" in capsys.readouterr().out
    assert evaluation_cli.recompute_evaluation_command("not-a-uuid", "evaluation", tmp_path) == 1
    assert "is not a project id" in capsys.readouterr().err


def test_the_recompute_imports_nothing_of_the_evaluation_service() -> None:
    # In a fresh interpreter, so nothing another test imported earlier can hide a dependency.
    probe = (
        "import importlib, json, pkgutil, sys\n"
        "root = importlib.import_module('kyodo_recompute')\n"
        "for info in pkgutil.walk_packages(root.__path__, 'kyodo_recompute.'):\n"
        "    importlib.import_module(info.name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    loaded: list[str] = json.loads(out)
    assert "kyodo_recompute.evaluation_cli" in loaded
    assert [m for m in loaded if m.split(".")[0] == "kyodo_evaluation"] == []


def substituted(evaluation: Evaluation, recused: list[str]) -> None:
    evaluation.committee.append(
        ("SubstituteAdded", {"project_id": PROJECT_ID, "member_sub": "s1", "reason": "回避により定足数に満たないため",
                             "recused": recused, "by_sub": "coord-1", "trace": {}})
    )  # fmt: skip


def test_a_substitute_added_for_a_quorum_failure_is_counted_and_noted() -> None:
    # Quorum 4, five members, m2 (conflict) and m3 (interest) recused: 3 eligible < 4, so s1 joins and scores.
    evaluation = scored(quorum=4)
    substituted(evaluation, ["m2", "m3"])
    evaluation.score("s1", 4, 4)
    # Counted c1, m1, s1, v1: goal (4+3+4+5)/4 = 4, effect (3+4+4+4)/4 = 15/4, overall (4 + 15/4)/2 = 31/8.
    evaluation.recommend(
        counted=["c1", "m1", "s1", "v1"],
        labels={**LABELS, "D": "s1"},
        criterion_means={"goal": "4/1", "effect": "15/4"},
        overall_mean="31/8",
    )
    report = recompute_evaluation(PROJECT_ID, evaluation.events())
    assert report.ok, report.as_dict()
    assert [n.detail for n in report.notes if n.code == "substitutes"] == [{"substitutes": "s1"}]


def test_a_substitute_the_quorum_did_not_need_is_reported() -> None:
    # Quorum 3 with c1, v1, m1 not recused: nobody may be added.
    evaluation = scored()
    substituted(evaluation, ["m2", "m3"])
    evaluation.recommend()
    report = recompute_evaluation(PROJECT_ID, evaluation.events())
    assert [(f.code, f.member_sub, f.detail) for f in report.findings] == [
        ("substitute_not_needed", "s1", {"eligible": 3, "quorum": 3})
    ]
