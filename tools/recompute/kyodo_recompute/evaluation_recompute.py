"""`audit recompute-evaluation`: rebuild a committee's evaluation of a collaboration project from its event history
alone and compare it with the recommendation, the published report and what the project recorded.

Independent of the evaluation service's code by design (nothing from `kyodo_evaluation` is imported, a test holds it
so): the counted members' points are re-read from the Scored events and the means recomputed as exact fractions here,
so a bug or a tampered score in the service's path shows up as a disagreement instead of being reproduced.

Criterion means: for each criterion of the committee's opening, the mean of the counted members' points; the
overall mean: the mean of the criterion means. Both are written 'n/d' in lowest terms ('7/2', '4/1') and compared as
text, so a value right in amount but not in the documented form is reported too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from kyodo_recompute.checks import Finding, Note
from kyodo_recompute.evaluation_checks import (
    Accounting,
    check_accounting,
    check_confirmer,
    check_quorum,
    check_recusals,
    check_substitutes,
    counted_sheets,
)
from kyodo_recompute.evaluation_history import EvaluationHistory, read_evaluation_history
from kyodo_recompute.evaluation_messages import ev_finding
from kyodo_recompute.rank import fraction_text

__all__ = ["UNDECIDED", "EvaluationReport", "recompute_evaluation"]

# A committee not yet opened or not yet recommending: nothing to compare yet (NOT_YET, not a problem).
UNDECIDED = frozenset({"committee_not_opened", "not_recommended"})
# What the report restates of the decision, field by field.
_RESTATED = ("recommendation", "reasons_ja", "reasons_en", "confirmed_by")


@dataclass
class EvaluationReport:
    project_id: str
    committee_id: str
    findings: list[Finding] = field(default_factory=list)
    # What could not be checked, and why (no problem: `ok` ignores them).
    notes: list[Note] = field(default_factory=list)
    # The recompute's own result: counted members, criterion means and the overall mean ('n/d').
    recomputed: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def waiting(self) -> bool:
        """Only "not opened" or "not recommended": an evaluation under way, not a problem in its history."""
        codes = {f.code for f in self.findings}
        return bool(codes) and codes <= UNDECIDED

    def as_dict(self) -> dict[str, Any]:
        return {
            "project_id": self.project_id,
            "committee_evaluation_id": self.committee_id,
            "ok": self.ok,
            "not_yet": self.waiting,
            "findings": [f.as_dict() for f in self.findings],
            "notes": [n.as_dict() for n in self.notes],
            "recomputed": self.recomputed,
        }


def recompute_evaluation(project_id: str, events: Iterable[Mapping[str, Any]]) -> EvaluationReport:
    """Check a project's committee evaluation from its stored events (the project's and its committee evaluation's;
    any others are ignored)."""
    history = read_evaluation_history(project_id, events)
    report = EvaluationReport(history.project_id, history.committee_id)
    if not history.project_created:
        report.findings.append(ev_finding("project_not_found", project=history.project_id))
        return report
    if history.opened is None:
        report.findings.append(ev_finding("committee_not_opened"))
        return report
    decision = history.decision
    if decision is None:
        report.findings.append(ev_finding("not_recommended"))
        return report
    problem = _opened_problem(history)
    if problem:
        report.findings.append(ev_finding("opened_malformed", problem=problem))
    for code, items in (("recommended_twice", history.decisions), ("report_published_twice", history.reports)):
        if len(items) > 1:
            report.findings.append(ev_finding(code, times=len(items)))
    accounting, account = check_accounting(history, decision)
    recusals, recusal_notes = check_recusals(history, account)
    sheet_findings, sheets = counted_sheets(history, account)
    confirmer, confirmer_notes = check_confirmer(history, decision, account)
    substituted, substitute_notes = check_substitutes(history, account)
    report.findings += accounting + recusals + sheet_findings + check_quorum(history, sheets) + confirmer + substituted
    report.notes += recusal_notes + confirmer_notes + substitute_notes
    means = _means(history.criteria_keys, sheets)
    report.recomputed = {
        "counted": sorted(sheets),
        "criterion_means": {k: fraction_text(v) for k, v in means.items()} if means else None,
        "overall_mean": fraction_text(sum(means.values(), Fraction(0)) / len(means)) if means else None,
    }
    published = history.report
    stated: list[tuple[str, Mapping[str, Any]]] = [("decision", decision)]
    if published is None:
        report.findings.append(ev_finding("report_not_published"))
    else:
        stated.append(("report", published))
        report.findings += _check_report(history, decision, published, account)
    if means:
        for where, source in stated:
            report.findings += _compare_means(where, source, report.recomputed, history.criteria_keys)
    report.findings += _check_labels(history, decision, account)
    report.findings += _check_project(history, decision)
    return report


def _opened_problem(history: EvaluationHistory) -> str:
    keys = history.criteria_keys
    if not keys:
        return "no criteria"
    if len(set(keys)) != len(keys):
        return f"a criterion key is repeated: {keys}"
    if str((history.opened or {}).get("project_id")) != history.project_id:
        return f"it names project {(history.opened or {}).get('project_id')!r}"
    return ""


def _means(keys: list[str], sheets: Mapping[str, Mapping[str, int]]) -> dict[str, Fraction]:
    """Exact mean per criterion over the counted sheets; empty when none counted (the quorum finding says so)."""
    if not sheets or not keys:
        return {}
    return {key: Fraction(sum(sheet[key] for sheet in sheets.values()), len(sheets)) for key in keys}


def _compare_means(where: str, source: Mapping[str, Any], mine: Mapping[str, Any], keys: list[str]) -> list[Finding]:
    findings: list[Finding] = []
    theirs = source.get("criterion_means")
    if not isinstance(theirs, Mapping) or set(theirs) != set(keys):
        named = sorted(theirs) if isinstance(theirs, Mapping) else theirs
        findings.append(ev_finding("criterion_means_keys", where=where, stated=named, criteria=sorted(keys)))
    recomputed: Mapping[str, str] = mine["criterion_means"]
    for key in keys:
        value = theirs.get(key) if isinstance(theirs, Mapping) else None
        if value != recomputed[key]:
            findings.append(
                ev_finding(
                    "criterion_mean_mismatch", where=where, criterion=key, recomputed=recomputed[key], stated=value
                )
            )
    if source.get("overall_mean") != mine["overall_mean"]:
        findings.append(
            ev_finding(
                "overall_mean_mismatch", where=where, recomputed=mine["overall_mean"], stated=source.get("overall_mean")
            )
        )
    return findings


def _check_report(
    history: EvaluationHistory, decision: Mapping[str, Any], published: Mapping[str, Any], account: Accounting
) -> list[Finding]:
    """The report restates the decision (recommendation, reasons, confirmer), counts its recusals, names this
    project, and shows exactly the labelled points of the counted members."""
    findings: list[Finding] = []
    for name in _RESTATED:
        if published.get(name) != decision.get(name):
            findings.append(
                ev_finding("report_differs", field=name, report=published.get(name), decision=decision.get(name))
            )
    if str(published.get("project_id")) != history.project_id:
        findings.append(
            ev_finding(
                "report_differs", field="project_id", report=published.get("project_id"), decision=history.project_id
            )
        )
    if published.get("recusals") != len(account.recused):
        findings.append(ev_finding("recusals_mismatch", stated=published.get("recusals"), recused=len(account.recused)))
    labels = decision.get("labels")
    if not isinstance(labels, Mapping):
        return findings  # _check_labels reports it
    evaluations = published.get("evaluations")
    items = [e for e in evaluations if isinstance(e, Mapping)] if isinstance(evaluations, list) else []
    listed = [str(e.get("label")) for e in items]
    repeated = sorted({label for label in listed if listed.count(label) > 1})
    if set(listed) != {str(k) for k in labels} or repeated or len(items) != len(evaluations or []):
        findings.append(
            ev_finding(
                "report_labels_mismatch",
                only_report=", ".join(sorted(set(listed) - {str(k) for k in labels})) or "-",
                only_labels=", ".join(sorted({str(k) for k in labels} - set(listed))) or "-",
                repeated=", ".join(repeated) or "-",
            )
        )
    for item in items:
        label = str(item.get("label"))
        member = labels.get(label)
        given = history.scored.get(str(member)) if member is not None else None
        if member is not None and (not given or item.get("points") != given[0]):
            findings.append(ev_finding("labelled_points_mismatch", str(member), label=label))
    return findings


def _check_labels(history: EvaluationHistory, decision: Mapping[str, Any], account: Accounting) -> list[Finding]:
    """`labels` maps label → member: one label per counted member, no other member, none twice."""
    labels = decision.get("labels")
    if not isinstance(labels, Mapping):
        return [ev_finding("labels_malformed", problem=f"not an object: {labels!r}")]
    members = [str(m) for m in labels.values()]
    repeated = sorted({m for m in members if members.count(m) > 1})
    counted = set(account.counted)
    if set(members) != counted or repeated:
        return [
            ev_finding(
                "labels_not_counted",
                only_labelled=", ".join(sorted(set(members) - counted)) or "-",
                only_counted=", ".join(sorted(counted - set(members))) or "-",
                repeated=", ".join(repeated) or "-",
            )
        ]
    return []


def _check_project(history: EvaluationHistory, decision: Mapping[str, Any]) -> list[Finding]:
    """The project records the decision's recommendation (`evaluation.Project.Reported`), once."""
    recorded = history.project_reported
    if not recorded:
        return [ev_finding("project_not_reported")]
    findings: list[Finding] = []
    if len(recorded) > 1:
        findings.append(ev_finding("project_reported_twice", times=len(recorded)))
    if recorded[-1] != decision.get("recommendation"):
        findings.append(
            ev_finding(
                "project_reported_mismatch", project_value=recorded[-1], decision_value=decision.get("recommendation")
            )
        )
    return findings
