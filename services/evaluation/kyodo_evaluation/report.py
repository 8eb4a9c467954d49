"""The committee's result and the published report, computed from the committee's record and the project: exact
means (fractions, never floats), labels shuffled per project, and every part the report publishes. Pure functions:
the application passes in who is recused and the shuffled order.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from kyodo_evaluation.committee import CommitteeEvaluation
from kyodo_evaluation.domain import Project
from kyodo_evaluation.vocabulary import fraction_text

LABELS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def label(index: int) -> str:
    """A, B, … Z, AA, AB, … — one distinct label per counted member."""
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, len(LABELS))
        text = LABELS[rest] + text
    return text


def means(committee: CommitteeEvaluation, counted: list[str]) -> tuple[dict[str, Fraction], Fraction]:
    """Per criterion, the mean of the counted members' points; overall, the mean of those means."""
    keys = [str(c["key"]) for c in committee.criteria]
    per = {k: Fraction(sum(int(committee.scores[m]["points"][k]) for m in counted), len(counted)) for k in keys}
    return per, sum(per.values(), Fraction(0)) / len(keys)


def indicator_results(project: Project) -> list[dict[str, Any]]:
    """Each indicator of the agreement in force, target beside what each partner reported at the end."""
    agreement = project.agreement
    assert agreement is not None
    first = {str(i["key"]): str(i["target"]) for i in project.concluded[0]["agreement"]["indicators"]}
    achieved: dict[str, dict[str, str]] = {}
    for partner, evaluation in project.self_evaluations.items():
        achieved[partner] = {str(v["key"]): str(v["value"]) for v in evaluation["achieved"]}
    return [
        {
            "indicator": indicator,
            "first_target": first.get(indicator["key"]),
            "achieved_group": achieved.get("group", {}).get(indicator["key"]),
            "achieved_department": achieved.get("department", {}).get(indicator["key"]),
        }
        for indicator in agreement["indicators"]
    ]


def build_report(
    project: Project,
    committee: CommitteeEvaluation,
    decision: dict[str, Any],
    ordered: list[str],
    published_at: str,
) -> dict[str, Any]:
    """The report published with the recommendation. `ordered` is the counted members in their shuffled order:
    the i-th gets the i-th label (the mapping stays in the restricted decision)."""
    concluded = project.concluded[-1]
    links = project.links
    return {
        "project_id": str(project.id),
        "group_id": str(project.group_id),
        "department_id": str(project.department_id),
        "call_id": links.get("call_id"),
        "proposal_id": links.get("proposal_id"),
        "screening_decision_id": links.get("screening_decision_id"),
        "screening_project_id": links.get("screening_project_id"),
        "agreement_version": concluded["version"],
        "agreement_hash": concluded["hash"],
        "agreement": concluded["agreement"],
        "indicators": indicator_results(project),
        "self_evaluations": project.public_self_evaluations(),
        "criteria": committee.criteria,
        "evaluations": [
            {"label": label(i), "points": committee.scores[member]["points"]} for i, member in enumerate(ordered)
        ],
        "criterion_means": decision["criterion_means"],
        "comments": comments(committee, ordered),
        "overall_mean": decision["overall_mean"],
        "recusals": len(decision["recused"]),
        "recommendation": decision["recommendation"],
        "reasons_ja": decision["reasons_ja"],
        "reasons_en": decision["reasons_en"],
        "confirmed_by": decision["confirmed_by"],
        "published_at": published_at,
    }


def comments(committee: CommitteeEvaluation, counted: list[str]) -> dict[str, list[str]]:
    """Per criterion, the counted members' comments in text order: published without labels, so no comment can be
    tied to a label's points (and through them to a member)."""
    keys = [str(c["key"]) for c in committee.criteria]
    given = {k: sorted(str(t) for m in counted if (t := committee.scores[m]["comments"].get(k))) for k in keys}
    return {k: texts for k, texts in given.items() if texts}


def mean_texts(per: dict[str, Fraction], overall: Fraction) -> tuple[dict[str, str], str]:
    return {k: fraction_text(v) for k, v in per.items()}, fraction_text(overall)
