"""Verification of a service's history: recompute the chain, check it against stored links, signed checkpoints
and the verifier's own pins, and report the first position where the history was altered.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kyodo_shared.audit.chain import GENESIS, next_link
from kyodo_shared.audit.checkpoints import Checkpoint, check_signatures
from kyodo_shared.audit.records import AuditRecord


@dataclass(frozen=True)
class Finding:
    position: int
    kind: str  # altered | reordered | deleted | inserted | chain_broken | checkpoint_mismatch | sealed_mismatch
    detail: str


@dataclass
class VerifyReport:
    service: str
    events: int = 0
    unchained_tail: int = 0
    checkpoints_valid: int = 0
    # Sealed periods whose recorded chain was checked against the sealed store (verification by database).
    sealed_chains: int = 0
    findings: list[Finding] = field(default_factory=list)
    rejected_checkpoints: list[tuple[int, str]] = field(default_factory=list)
    pin_violations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.findings or self.rejected_checkpoints or self.pin_violations)

    @property
    def first_problem(self) -> int | None:
        positions = [f.position for f in self.findings] + [p for p, _ in self.rejected_checkpoints]
        return min(positions) if positions else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "ok": self.ok,
            "events": self.events,
            "unchained_tail": self.unchained_tail,
            "checkpoints_valid": self.checkpoints_valid,
            "sealed_chains": self.sealed_chains,
            "first_problem_position": self.first_problem,
            "findings": [vars(f) for f in self.findings],
            "rejected_checkpoints": [{"position": p, "reason": r} for p, r in self.rejected_checkpoints],
            "pin_violations": self.pin_violations,
        }


def verify_chain(records: Iterable[AuditRecord], checkpoints: list[Checkpoint], report: VerifyReport) -> None:
    """Walk the history once; stored links and checkpoint links must equal the links recomputed from events."""
    items = list(records)
    last_chained = max((r.position for r in items if r.chain is not None), default=0)
    chained_hashes = {r.chain.state_hash: r.position for r in items if r.chain is not None}
    pending = sorted(checkpoints, key=lambda c: c.position)
    previous = GENESIS
    for record in items:
        while pending and pending[0].position < record.position:
            _check_point(pending.pop(0), previous, report)
        if record.stored is None:
            report.findings.append(Finding(record.position, "deleted", "a chained event is missing from the store"))
            continue
        report.events += 1
        s = record.stored
        previous = next_link(
            previous, record.position, s.originator_id, s.originator_version, s.topic, bytes.fromhex(s.state_hash)
        )
        chain = record.chain
        if chain is None:
            if record.position < last_chained:
                report.findings.append(Finding(record.position, "inserted", "a stored event the chain never had"))
            else:
                report.unchained_tail += 1
            continue
        fields_match = (s.originator_id, s.originator_version, s.topic, s.state_hash) == (
            chain.originator_id,
            chain.originator_version,
            chain.topic,
            chain.state_hash,
        )
        if not fields_match:
            moved_from = chained_hashes.get(s.state_hash)
            if moved_from is not None and moved_from != record.position:
                report.findings.append(
                    Finding(record.position, "reordered", f"holds the event chained at position {moved_from}")
                )
            else:
                report.findings.append(Finding(record.position, "altered", "stored event differs from its chain entry"))
        elif previous.hex() != chain.link:
            report.findings.append(
                Finding(
                    record.position,
                    "chain_broken",
                    "stored link does not follow the chain: an earlier event was removed or links were rewritten",
                )
            )
    end = items[-1].position if items else 0
    for checkpoint in pending:
        # A checkpoint signed after this verification's range began cannot be compared (yet): not a finding.
        if checkpoint.position <= end:
            _check_point(checkpoint, previous, report)


def _check_point(checkpoint: Checkpoint, link: bytes, report: VerifyReport) -> None:
    if link.hex() != checkpoint.link:
        report.findings.append(
            Finding(
                checkpoint.position,
                "checkpoint_mismatch",
                f"history up to position {checkpoint.position} differs from the checkpoint signed at "
                f"{checkpoint.signed_at}",
            )
        )


class PinFile:
    """What this verifier has seen before: checkpoints (position → link) and trusted key ids, per service."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}

    def for_service(self, service: str) -> dict[str, Any]:
        entry: dict[str, Any] = self.data.setdefault(service, {"checkpoints": {}, "keys": {}})
        return entry

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, indent=1, sort_keys=True))
        tmp.replace(self.path)


def verify(
    service: str,
    records: Iterable[AuditRecord],
    checkpoints: list[Checkpoint],
    published_keys: dict[str, str],
    pins: PinFile,
) -> VerifyReport:
    """Full verification; pins are extended only when everything verified."""
    report = VerifyReport(service)
    pinned = pins.for_service(service)
    # Trust on first use: with no pin yet, the service's published keys are taken and pinned.
    trusted = dict(pinned["keys"]) or dict(published_keys)
    checked = check_signatures([c for c in checkpoints if c.service == service], trusted)
    report.rejected_checkpoints = checked.rejected
    report.checkpoints_valid = len(checked.valid)
    by_position = {c.position: c.link for c in checked.valid}
    for position, link in pinned["checkpoints"].items():
        seen = by_position.get(int(position))
        if seen is None:
            report.pin_violations.append(f"pinned checkpoint at position {position} is no longer published")
        elif seen != link:
            report.pin_violations.append(f"checkpoint at position {position} contradicts the pinned one")
    verify_chain(records, checked.valid, report)
    if report.ok:
        pinned["keys"] = checked.trusted
        pinned["checkpoints"] = {str(p): link for p, link in sorted(by_position.items())}
        pins.save()
    return report
