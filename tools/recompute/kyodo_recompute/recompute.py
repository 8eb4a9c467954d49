"""`audit recompute`: rebuild a call's result from its event history alone and compare it with the decision.

Independent of the proposals service's code by design (nothing from `kyodo_proposals` is imported, a test holds it
so): the rules are re-read from the published spec and the arithmetic redone here, so a bug or a tampered score in
the service's path shows up as a disagreement instead of being reproduced. Events are read by their published type
names (the audit interface), so the service may move or rename its Python classes without breaking the audit.

Once the call's sealed period has ended (its close, or a published call's cancellation), the sealed chain that event
recorded is recomputed from the sealed store too (sealed.py), and every proposal revealed to the board must be one
that was sealed. A cancelled call is never decided: what it recorded is checked, and nothing is waited for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kyodo_recompute.checks import (
    Finding,
    Note,
    check_eligibility,
    check_quorum,
    check_receipts,
    check_seed,
    check_set_aside,
    counted_pairs,
    counted_sheets,
    finding,
)
from kyodo_recompute.history import History, canonical_call_id, read_history, review_id_for
from kyodo_recompute.rank import Candidate, Placed, Rules, exact, place, rules_from_spec
from kyodo_recompute.sealed import SealedStore, check_sealed
from kyodo_shared.audit.events import typed_events
from kyodo_shared.audit.records import TypeOf

DEFAULT_QUORUM = 3  # issue 6 item 3: "at least Q eligible scorers per proposal (default 3)"

__all__ = [
    "DEFAULT_QUORUM",
    "Finding",
    "Note",
    "RecomputeReport",
    "compare_ranking",
    "events_for_call",
    "recompute_call",
]


@dataclass
class RecomputeReport:
    call_id: str
    findings: list[Finding] = field(default_factory=list)
    ranking: dict[str, Any] = field(default_factory=lambda: {"entries": []})
    # What could not be checked, and why (no problem: `ok` ignores them).
    notes: list[Note] = field(default_factory=list)
    # The sealed chain as recorded and as recomputed (sealed.py); None while no sealed period has ended.
    sealed_chain: dict[str, Any] | None = None
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return not self.findings

    def as_dict(self) -> dict[str, Any]:
        return {
            "call_id": self.call_id,
            "ok": self.ok,
            "cancelled": self.cancelled,
            "findings": [f.as_dict() for f in self.findings],
            "notes": [n.as_dict() for n in self.notes],
            "sealed_chain": self.sealed_chain,
            "ranking": self.ranking,
        }


def recompute_call(
    call_id: str,
    events: Iterable[Mapping[str, Any]],
    public_keys: Mapping[str, Ed25519PublicKey],
    sealed: SealedStore | None = None,
) -> RecomputeReport:
    """Check a call from its stored events (the call's and its review's; any others are ignored) and, once its
    sealed period has ended, its recorded sealed chain against `sealed` (None: the sealed store was not read)."""
    history = read_history(call_id, events)
    report = RecomputeReport(call_id=history.call_id, cancelled=history.cancelled)
    if history.spec is None:
        report.findings.append(finding("call_not_found"))
        return report
    rules: Rules | None = None
    try:
        rules = rules_from_spec(history.spec)
    except (ValueError, TypeError, ZeroDivisionError, AttributeError) as error:
        report.findings.append(finding("spec_invalid", problem=str(error)))
    sealed_check = check_sealed(history, sealed)
    report.findings += sealed_check.findings
    report.notes += sealed_check.notes
    report.sealed_chain = sealed_check.summary
    if not history.opened:
        if not history.cancelled:
            report.findings.append(finding("review_not_found"))
        return report
    report.findings += check_receipts(history, public_keys)
    decision = history.decision
    if decision is None:
        # Still under review (nothing to compare yet), or cancelled (nothing ever will be); the seed is revealed
        # with the results, after the decision, so its absence is no problem yet.
        if not history.cancelled:
            report.findings.append(finding("not_decided"))
        return report
    seed_findings, seed = check_seed(history)
    report.findings += seed_findings
    if len(history.decisions) > 1:
        report.findings.append(finding("decided_twice", times=len(history.decisions)))
    accounting, counted = counted_pairs(history, decision)
    report.findings += accounting + check_eligibility(history, counted)
    if rules is None:
        return report
    sheet_findings, sheets = counted_sheets(history, rules, counted)
    report.findings += sheet_findings + check_quorum(sheets, _quorum(history, rules))
    placed, seed_used = _place(history, rules, sheets, seed)
    report.ranking = {"entries": [p.as_dict() for p in placed], "lottery_verified": seed_used}
    report.findings += compare_ranking(placed, decision.get("ranking"), seed_used)
    report.findings += check_set_aside(history)
    published = (history.results or {}).get("ranking")
    if isinstance(published, Mapping) and published != decision.get("ranking"):
        # The published copy must say what the decision said; check it against the recompute too.
        report.findings += compare_ranking(placed, published, seed_used)
    return report


def _quorum(history: History, rules: Rules) -> int:
    # The stricter of the published rule and the quorum the review recorded: neither may be undercut.
    present = [q for q in (rules.quorum, history.opened_quorum) if q is not None]
    return max(present) if present else DEFAULT_QUORUM


def _place(
    history: History, rules: Rules, sheets: Mapping[str, list[dict[str, int]]], seed: bytes | None
) -> tuple[list[Placed], bool]:
    candidates = [
        Candidate(pid, str(entry.get("content_hash")), sheets.get(pid, [])) for pid, entry in history.entries.items()
    ]
    if seed is not None:
        try:
            return place(rules, candidates, seed), True
        except ValueError:
            # A content hash that is not hex; the receipt check reports it. Rank what can be ranked.
            pass
    return place(rules, candidates, None), False


def compare_ranking(placed: Sequence[Placed], decided: Any, lottery_known: bool) -> list[Finding]:
    """Compare exactly: order, rank, score and means as fractions, passes, selected and lottery keys.

    Without a verified seed the order among equal scores is unknowable here, so only what does not depend on the
    lottery (scores, means, passes) is compared; the missing or wrong seed is a finding of its own.
    """
    try:
        rows = _decided_rows(decided)
    except (ValueError, TypeError, ZeroDivisionError, AttributeError) as error:
        return [finding("ranking_malformed", problem=str(error))]
    mine = {p.proposal_id: p for p in placed}
    theirs = {row["proposal_id"]: row for row in rows}
    findings: list[Finding] = []
    if set(mine) != set(theirs):
        only_mine, only_theirs = sorted(set(mine) - set(theirs)), sorted(set(theirs) - set(mine))
        findings.append(
            finding(
                "ranking_entries_mismatch", only_recomputed=", ".join(only_mine), only_decided=", ".join(only_theirs)
            )
        )
    if lottery_known and [p.proposal_id for p in placed] != [row["proposal_id"] for row in rows]:
        findings.append(
            finding(
                "ranking_order_mismatch",
                recomputed=[p.proposal_id for p in placed],
                decided=[row["proposal_id"] for row in rows],
            )
        )
    for pid in [p.proposal_id for p in placed if p.proposal_id in theirs]:
        ours, row = mine[pid], theirs[pid]
        pairs: list[tuple[str, Any, Any]] = [
            ("score", ours.score, row["score"]),
            ("criterion_means", ours.means, row["criterion_means"]),
            ("passes", ours.passes, row["passes"]),
        ]
        if lottery_known:
            pairs += [
                ("rank", ours.rank, row["rank"]),
                ("selected", ours.selected, row["selected"]),
                ("lottery_key", ours.lottery_key, row["lottery_key"]),
            ]
        for name, recomputed, stated in pairs:
            if recomputed != stated:
                findings.append(
                    finding("ranking_mismatch", pid, field=name, recomputed=_show(recomputed), decided=_show(stated))
                )
    return findings


def _decided_rows(decided: Any) -> list[dict[str, Any]]:
    """The decided ranking with its numbers read exactly; ValueError on anything malformed."""
    if not isinstance(decided, Mapping) or not isinstance(decided.get("entries"), list):
        raise ValueError("no entries list")
    rows: list[dict[str, Any]] = []
    for item in decided["entries"]:
        means = item["criterion_means"]
        if not isinstance(means, Mapping):
            raise ValueError(f"criterion_means of {item.get('proposal_id')!r} is not an object")
        rows.append(
            {
                "proposal_id": str(item["proposal_id"]),
                "rank": item.get("rank"),
                "score": exact(item["score"]),
                "criterion_means": {str(k): exact(v) for k, v in means.items()},
                "passes": item.get("passes"),
                "selected": item.get("selected"),
                "lottery_key": item.get("lottery_key"),
            }
        )
    if len({row["proposal_id"] for row in rows}) != len(rows):
        raise ValueError("a proposal is ranked twice")
    return rows


def _show(value: Any) -> str:
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}"
    return str(value)


def events_for_call(application: Any, type_of: TypeOf, call_id: str) -> list[dict[str, Any]]:
    """The call's and its review's stored events, in store order, named by published type (the kernel's reader:
    other aggregates, sealed proposals among them, are never decoded)."""
    return typed_events(application, type_of, {canonical_call_id(call_id), review_id_for(call_id)})
