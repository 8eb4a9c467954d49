"""The auditor's individual checks of a decided call; each problem becomes a bilingual Finding, and what could not
be checked (and why) a bilingual Note, which is no problem.

Checks report and carry on rather than stop at the first problem: an auditor wants the whole list, and one bad
event should not hide another.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kyodo_recompute.history import History, Pair, parse_pair
from kyodo_recompute.messages import MESSAGES, NOTES
from kyodo_recompute.rank import Rules, whole
from kyodo_shared.audit.receipts import Receipt, ReceiptInvalid, matches, verify_receipt


@dataclass(frozen=True)
class Finding:
    """One problem: a stable code for machines, a message in Japanese and English for people."""

    code: str
    message_ja: str
    message_en: str
    proposal_id: str | None = None
    member_sub: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message_ja": self.message_ja,
            "message_en": self.message_en,
            "proposal_id": self.proposal_id,
            "member_sub": self.member_sub,
            "detail": self.detail,
        }


def finding(code: str, proposal_id: str | None = None, member_sub: str | None = None, **detail: Any) -> Finding:
    ja, en = MESSAGES[code]
    values = {"proposal": proposal_id, "member": member_sub, **detail}
    return Finding(code, ja.format(**values), en.format(**values), proposal_id, member_sub, detail)


@dataclass(frozen=True)
class Note:
    """Something the recompute could not check, and why: said to the auditor, never counted as a problem."""

    code: str
    message_ja: str
    message_en: str
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message_ja": self.message_ja, "message_en": self.message_en, "detail": self.detail}


def note(code: str, **detail: Any) -> Note:
    ja, en = NOTES[code]
    return Note(code, ja.format(**detail), en.format(**detail), detail)


def check_seed(history: History) -> tuple[list[Finding], bytes | None]:
    """The revealed seed must hash to the commitment published with the call; a wrong one is not used."""
    if history.results is None:
        return [finding("results_not_published")], None
    seed_text = history.results.get("seed")
    try:
        seed = bytes.fromhex(seed_text) if isinstance(seed_text, str) else None
    except ValueError:
        seed = None
    if not seed:
        return [finding("seed_malformed")], None
    expected = str(history.seed_commitment or "")
    # Bytes, not str: compare_digest refuses non-ASCII text, and a tampered commitment may contain anything.
    if not hmac.compare_digest(hashlib.sha256(seed).hexdigest().encode(), expected.lower().encode()):
        return [finding("seed_mismatch", commitment=expected, seed=seed_text)], None
    return [], seed


def counted_pairs(history: History, decision: Mapping[str, Any]) -> tuple[list[Finding], list[Pair]]:
    """The decision's counted scores, each accounted for by a Scored event, and every Scored event accounted for."""
    findings: list[Finding] = []
    counted: list[Pair] = []
    for text in decision.get("counted") or []:
        pair = parse_pair(text)
        if pair is None:
            findings.append(finding("counted_malformed", value=repr(text)))
        elif pair in counted:
            findings.append(finding("counted_twice", pair[1], pair[0]))
        else:
            counted.append(pair)
    voided: set[Pair] = set()
    for item in decision.get("voided") or []:
        if isinstance(item, Mapping):
            voided.add((str(item.get("member_sub")), str(item.get("proposal_id"))))
    for member, proposal in counted:
        if (member, proposal) not in history.scored:
            findings.append(finding("counted_score_missing", proposal, member))
        if (member, proposal) in voided:
            findings.append(finding("counted_and_voided", proposal, member))
        if proposal not in history.entries:
            findings.append(finding("proposal_unknown", proposal, member))
    for (member, proposal), sheets in history.scored.items():
        if len(sheets) > 1:
            findings.append(finding("score_duplicated", proposal, member, times=len(sheets)))
        if (member, proposal) not in counted and (member, proposal) not in voided:
            findings.append(finding("score_unaccounted", proposal, member))
    return findings, counted


def check_eligibility(history: History, counted: list[Pair]) -> list[Finding]:
    """No counted score from a member recused by a standing conflict, or from someone not on the board.

    Interests declared in the registry live in another service's history; the decision's voided list is where
    they show, and `counted_pairs` already holds every score to being counted or voided.
    """
    findings: list[Finding] = []
    board, conflicts = set(history.board), history.standing_conflicts
    for member, proposal in counted:
        if (member, proposal) in conflicts:
            findings.append(finding("conflict_counted", proposal, member))
        if member not in board:
            findings.append(finding("not_on_board", proposal, member))
    return findings


def counted_sheets(
    history: History, rules: Rules, counted: list[Pair]
) -> tuple[list[Finding], dict[str, list[dict[str, int]]]]:
    """Per proposal, the counted sheets that score every criterion with an integer within 0..max (the first sheet
    of each member: submitted scores are final). Invalid sheets are reported and left out of the recompute.
    """
    findings: list[Finding] = []
    sheets: dict[str, list[dict[str, int]]] = {pid: [] for pid in history.entries}
    limits = rules.limits
    for member, proposal in counted:
        given = history.scored.get((member, proposal))
        if not given or proposal not in sheets:
            continue
        points = given[0]
        problem = _sheet_problem(points, limits)
        if problem:
            findings.append(finding("points_invalid", proposal, member, problem=problem))
            continue
        sheets[proposal].append({key: points[key] for key in limits})
    return findings, sheets


def _sheet_problem(points: Any, limits: Mapping[str, int]) -> str:
    if not isinstance(points, Mapping):
        return "not an object"
    if set(points) != set(limits):
        return f"criteria {sorted(points)} != {sorted(limits)}"
    bad = [k for k, v in points.items() if not whole(v) or not 0 <= v <= limits[k]]
    return f"out of range or not an integer: {sorted(bad)}" if bad else ""


def check_quorum(sheets: Mapping[str, list[dict[str, int]]], quorum: int) -> list[Finding]:
    return [
        finding("quorum_not_met", proposal, scorers=len(given), quorum=quorum)
        for proposal, given in sheets.items()
        if len(given) < quorum
    ]


def check_receipts(history: History, keys: Mapping[str, Ed25519PublicKey]) -> list[Finding]:
    """Every revealed proposal against its signed receipt: signature, call/group/version, and the content hash."""
    findings: list[Finding] = []
    for proposal, entry in history.entries.items():
        try:
            receipt = Receipt.from_json(str(entry.get("receipt", "")))
        except ReceiptInvalid as invalid:
            findings.append(finding("receipt_malformed", proposal, reason=str(invalid)))
            continue
        try:
            verify_receipt(receipt, keys)
        except ReceiptInvalid as invalid:
            findings.append(finding("receipt_signature_invalid", proposal, reason=str(invalid)))
        stated = (history.call_id, str(entry.get("group_id")), entry.get("version"))
        if (receipt.call_id, receipt.group_id, receipt.proposal_version) != stated:
            findings.append(
                finding(
                    "receipt_mismatch",
                    proposal,
                    receipt=f"{receipt.call_id}/{receipt.group_id}/v{receipt.proposal_version}",
                    entry=f"{stated[0]}/{stated[1]}/v{stated[2]}",
                )
            )
        content, attachments = entry.get("content"), entry.get("attachments")
        try:
            same = (
                isinstance(content, Mapping)
                and isinstance(attachments, list)
                and matches(receipt, content, attachments)
            )
        except (ValueError, TypeError):
            same = False
        if not same:
            findings.append(finding("content_mismatch", proposal))
        # The lottery keys on the entry's content hash, so it must be the very hash the receipt signed.
        if entry.get("content_hash") != receipt.content_hash or entry.get("salt") != receipt.salt:
            findings.append(finding("entry_hash_mismatch", proposal))
    return findings


__all__ = [
    "Finding",
    "Note",
    "check_eligibility",
    "check_quorum",
    "check_receipts",
    "check_seed",
    "counted_pairs",
    "counted_sheets",
    "finding",
    "note",
]


def check_set_aside(history: History) -> list[Finding]:
    """Every proposal kept from the board at the opening is published as set aside, with the reason the opening
    recorded, and nothing else is: none hidden, none invented, none both set aside and ranked. (Whether the group
    really was out of good standing at the deadline is the registry's history, which this tool does not read.)"""
    results = history.results
    if results is None:
        return []
    opened = {(str(i.get("proposal_id")), str(i.get("group_id")), str(i.get("status"))) for i in history.ineligible}
    listed = results.get("set_aside")
    if listed is None:
        # Results published before set-aside proposals were: nothing to compare unless some were kept back.
        return [finding("set_aside_unpublished", count=len(opened))] if opened else []
    published = {
        (str(i.get("proposal_id")), str(i.get("group_id")), str(i.get("reason")))
        for i in listed
        if isinstance(i, Mapping)
    }
    findings: list[Finding] = []
    if published != opened:
        findings.append(
            finding(
                "set_aside_mismatch",
                only_opened=", ".join(sorted(p for p, _, _ in opened - published)) or "-",
                only_published=", ".join(sorted(p for p, _, _ in published - opened)) or "-",
            )
        )
    for proposal in sorted({p for p, _, _ in published} & set(history.entries)):
        findings.append(finding("set_aside_ranked", proposal))
    return findings
