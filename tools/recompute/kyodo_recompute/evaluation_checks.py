"""The auditor's checks of who counted in a committee evaluation: every score counted or voided, conflicts voided and
recused, the quorum, valid points, and the confirmer the chair / vice-chair / acting-chair rule names.

Checks report and carry on rather than stop at the first problem, as for calls (checks.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kyodo_recompute.checks import Finding, Note
from kyodo_recompute.evaluation_history import EvaluationHistory
from kyodo_recompute.evaluation_messages import ev_finding, ev_note
from kyodo_recompute.rank import whole

__all__ = ["Accounting", "check_accounting", "check_confirmer", "check_quorum", "check_recusals", "counted_sheets"]

VOID_REASONS = frozenset({"interest", "conflict"})
# The points a member gives each criterion (the service's LOWEST..HIGHEST, restated).
LOWEST, HIGHEST = 1, 5


@dataclass
class Accounting:
    """What the decision says of the members: counted (in order, without repeats), voided (member → reason), recused."""

    counted: list[str] = field(default_factory=list)
    voided: dict[str, str] = field(default_factory=dict)
    recused: set[str] = field(default_factory=set)


def check_accounting(history: EvaluationHistory, decision: Mapping[str, Any]) -> tuple[list[Finding], Accounting]:
    """Every scored member is counted or voided (never both, never neither), each once, and only members who scored
    and sat on the committee appear."""
    findings: list[Finding] = []
    account = Accounting()
    for name in ("counted", "voided"):
        if not isinstance(decision.get(name), list):
            findings.append(ev_finding(f"{name}_malformed", value=repr(decision.get(name))))
    for value in _listed(decision.get("counted")):
        if not isinstance(value, str) or not value:
            findings.append(ev_finding("counted_malformed", value=repr(value)))
        elif value in account.counted:
            findings.append(ev_finding("counted_twice", value))
        else:
            account.counted.append(value)
    for item in _listed(decision.get("voided")):
        member = item.get("member_sub") if isinstance(item, Mapping) else None
        if not isinstance(member, str) or not member:
            findings.append(ev_finding("voided_malformed", value=repr(item)))
            continue
        if member in account.voided:
            findings.append(ev_finding("voided_twice", member))
            continue
        reason = str(item.get("reason"))
        if reason not in VOID_REASONS:
            findings.append(ev_finding("voided_reason_unknown", member, reason=reason))
        account.voided[member] = reason
    recused = decision.get("recused")
    if not isinstance(recused, list) or not all(isinstance(m, str) for m in recused):
        findings.append(ev_finding("recused_malformed", value=repr(recused)))
    else:
        account.recused = set(recused)
    for member in account.counted:
        if member not in history.scored:
            findings.append(ev_finding("counted_not_scored", member))
        if member in account.voided:
            findings.append(ev_finding("counted_and_voided", member))
    for member in account.voided:
        if member not in history.scored:
            findings.append(ev_finding("voided_not_scored", member))
    for member, sheets in history.scored.items():
        if len(sheets) > 1:
            findings.append(ev_finding("score_duplicated", member, times=len(sheets)))
        if member not in account.counted and member not in account.voided:
            findings.append(ev_finding("score_unaccounted", member))
    board = set(history.members)
    for member in sorted(set(history.scored) | set(account.counted)):
        if member not in board:
            findings.append(ev_finding("not_on_committee", member))
    return findings, account


def check_recusals(history: EvaluationHistory, account: Accounting) -> tuple[list[Finding], list[Note]]:
    """A conflict standing at the recommendation voids that member's score for conflict and recuses the member; a
    recused member is never counted; interest recusals and voids are the registry's word, noted, not checked."""
    findings: list[Finding] = []
    standing = history.standing_conflicts
    for member in sorted(standing):
        if member in account.counted:
            findings.append(ev_finding("conflict_counted", member))
        reason = account.voided.get(member)
        if reason is not None and reason != "conflict":
            findings.append(ev_finding("conflict_void_reason", member, reason=reason))
        if member not in account.recused:
            findings.append(ev_finding("conflict_not_recused", member))
    for member, reason in sorted(account.voided.items()):
        if reason == "conflict" and member not in standing:
            findings.append(ev_finding("conflict_void_without_conflict", member))
        if member not in account.recused:
            findings.append(ev_finding("voided_not_recused", member))
    for member in account.counted:
        if member in account.recused and member not in standing:  # standing conflicts are reported above
            findings.append(ev_finding("recused_counted", member))
    by_interest = sorted(account.recused - standing)
    interest_voids = sorted(m for m, reason in account.voided.items() if reason == "interest")
    note = ev_note(
        "interests_from_registry",
        recused_count=len(by_interest),
        recused=", ".join(by_interest) or "-",
        voided_count=len(interest_voids),
        voided=", ".join(interest_voids) or "-",
    )
    return findings, [note]


def counted_sheets(history: EvaluationHistory, account: Accounting) -> tuple[list[Finding], dict[str, dict[str, int]]]:
    """Each counted member's (first: scores are final) sheet that rates every criterion with a whole 1..5; an
    invalid sheet is reported and left out of the recompute."""
    findings: list[Finding] = []
    sheets: dict[str, dict[str, int]] = {}
    keys = history.criteria_keys
    for member in account.counted:
        given = history.scored.get(member)
        if not given:
            continue
        problem = _sheet_problem(given[0], keys)
        if problem:
            findings.append(ev_finding("points_invalid", member, problem=problem))
        else:
            sheets[member] = {key: given[0][key] for key in keys}
    return findings, sheets


def _sheet_problem(points: Any, keys: list[str]) -> str:
    if not isinstance(points, Mapping):
        return "not an object"
    if set(points) != set(keys):
        return f"criteria {sorted(points)} != {sorted(keys)}"
    bad = [k for k, v in points.items() if not whole(v) or not LOWEST <= v <= HIGHEST]
    return f"not a whole {LOWEST}..{HIGHEST}: {sorted(bad)}" if bad else ""


def check_quorum(history: EvaluationHistory, sheets: Mapping[str, Any]) -> list[Finding]:
    quorum = history.quorum
    # The service's rule: never one member alone.
    if not whole(quorum) or quorum < 2:
        return [ev_finding("opened_malformed", problem=f"quorum {quorum!r} is not a whole number of at least 2")]
    if len(sheets) < quorum:
        return [ev_finding("quorum_not_met", counted=len(sheets), quorum=quorum)]
    return []


def check_substitutes(history: EvaluationHistory, account: Accounting) -> tuple[list[Finding], list[Note]]:
    """A substitute joins only a committee short of its quorum, is not a member already, comes before the
    recommendation, and the recusals it was added for still stand at the recommendation."""
    findings: list[Finding] = []
    for added in history.substitutions:
        member = str(added["member"])
        if member in added["before"]:
            findings.append(ev_finding("substitute_already_member", member))
        if added["late"]:
            findings.append(ev_finding("substitute_after_recommendation", member))
        recused = set(added["recused"])
        eligible = len([m for m in added["before"] if m not in recused])
        if whole(history.quorum) and eligible >= history.quorum:
            findings.append(ev_finding("substitute_not_needed", member, eligible=eligible, quorum=history.quorum))
        withdrawn = sorted(recused - account.recused)
        if withdrawn:
            findings.append(ev_finding("substitute_recusal_withdrawn", member, withdrawn=", ".join(withdrawn)))
    notes = [ev_note("substitutes", substitutes=", ".join(history.substitutes))] if history.substitutes else []
    return findings, notes


def check_confirmer(
    history: EvaluationHistory, decision: Mapping[str, Any], account: Accounting
) -> tuple[list[Finding], list[Note]]:
    """The chair unless recused (or absent), then the vice-chair, then an acting chair elected by a majority of the
    members not recused, none of them recused (the registry records the election; the decision names it)."""
    findings: list[Finding] = []
    notes: list[Note] = []
    stated, sub = decision.get("confirmed_by"), decision.get("confirmer_sub")
    chair, vice = history.chair_sub, history.vice_chair_sub
    if chair is not None and chair not in account.recused:
        expected: tuple[str, str | None] = ("chair", chair)
    elif vice is not None and vice not in account.recused:
        expected = ("vice_chair", vice)
    else:
        expected = ("acting_chair", None)
    if stated != expected[0]:
        findings.append(ev_finding("confirmer_role_mismatch", expected=expected[0], stated=str(stated)))
    acting = decision.get("acting_chair")
    if stated != "acting_chair":
        if acting is not None:
            findings.append(ev_finding("acting_chair_unexpected", stated=str(stated)))
        officer = {"chair": chair, "vice_chair": vice}.get(str(stated))
        if stated in ("chair", "vice_chair") and sub != officer:
            findings.append(ev_finding("confirmer_sub_mismatch", role=stated, expected=str(officer), stated=str(sub)))
        return findings, notes
    if not isinstance(acting, Mapping) or not isinstance(acting.get("acting_chair_sub"), str):
        findings.append(ev_finding("acting_chair_missing"))
        return findings, notes
    acting_sub = str(acting["acting_chair_sub"])
    electors = sorted({str(e) for e in _listed(acting.get("elector_subs"))})
    if sub != acting_sub:
        findings.append(ev_finding("confirmer_sub_mismatch", role="acting_chair", expected=acting_sub, stated=str(sub)))
    board = set(history.members)
    for person in sorted({acting_sub, *electors}):
        if person not in board or person in account.recused:
            findings.append(ev_finding("acting_chair_ineligible", person))
    eligible = [m for m in history.members if m not in account.recused]
    if 2 * len(electors) <= len(eligible):
        findings.append(ev_finding("acting_chair_minority", electors=len(electors), eligible=len(eligible)))
    notes.append(ev_note("acting_chair_from_registry", acting=acting_sub))
    return findings, notes


def _listed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []
