"""Verification of a service's history: recompute the chain, check it against stored links, signed checkpoints
and the verifier's own pins, and report the first position where the history was altered.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kyodo_shared.audit.chain import GENESIS, next_link
from kyodo_shared.audit.checkpoints import Checkpoint, check_signatures
from kyodo_shared.audit.history import WalkRow
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


def rows_of(records: Iterable[AuditRecord]) -> Iterator[WalkRow]:
    """Audit records (from the audit API or an export) as the rows a walk takes."""
    for r in records:
        s, c = r.stored, r.chain
        yield (
            r.position,
            *((s.originator_id, s.originator_version, s.topic, bytes.fromhex(s.state_hash)) if s else _NO_STORED),
            *((c.originator_id, c.originator_version, c.topic, c.state_hash, c.link) if c else _NO_CHAIN),
        )


_NO_STORED: tuple[None, None, None, None] = (None, None, None, None)
_NO_CHAIN: tuple[None, None, None, None, None] = (None, None, None, None, None)
# Chain hashes by position, read again when a verification found a stored event that differs from its entry.
Rescan = Callable[[], Iterable[tuple[int, str]]]


def verify_chain(
    records: Iterable[AuditRecord], checkpoints: list[Checkpoint], report: VerifyReport, rescan: Rescan | None = None
) -> None:
    """Walk audit records once (see `walk_chain`); a list of records is its own rescan."""
    if rescan is None and isinstance(records, Sequence):
        listed = records
        rescan = lambda: ((r.position, r.chain.state_hash) for r in listed if r.chain is not None)  # noqa: E731
    walk_chain(rows_of(records), checkpoints, report, rescan)


def walk_chain(
    rows: Iterable[WalkRow],
    checkpoints: list[Checkpoint],
    report: VerifyReport,
    rescan: Rescan | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> None:
    """Walk the history once, in position order, holding one row at a time: stored links and checkpoint links must
    equal the links recomputed from the stored events.

    What stays in memory is bounded by what is wrong, not by the history's length: stored events not chained since
    the last chained one (the unchained tail, or inserted events once a chained one follows) and the findings. A
    stored event that differs from its chain entry is "reordered" when the chain holds its bytes at another
    position: found by reading the chain's hashes again (`rescan`) only then, instead of keeping every hash; without
    `rescan` the walk keeps them all.
    """
    findings = report.findings
    found_before = len(findings)
    pending = sorted(checkpoints, key=lambda c: c.position)
    next_checkpoint = pending[0].position if pending else _NEVER
    hashes: dict[str, int] | None = {} if rescan is None else None
    unchained: array[int] = array("q")
    mismatched: list[tuple[int, int, str]] = []
    previous, events, end = GENESIS, 0, 0
    # Once one link does not follow, no later one can (each link hashes the one before): the broken links are kept
    # as runs (first, last, count) rather than a finding each, so an early alteration of a long history is one
    # finding and the memory stays bounded.
    broken: list[int] = []
    tick = 0 if on_progress is not None else _NEVER
    for position, oid, version, topic, hashed, c_oid, c_version, c_topic, c_hash, c_link in rows:
        end = position
        if position >= tick:
            assert on_progress is not None
            on_progress(position)
            tick = position + _PROGRESS_EVERY
        while next_checkpoint < position:
            _check_point(pending.pop(0), previous, report)
            next_checkpoint = pending[0].position if pending else _NEVER
        if c_link is not None:
            if unchained:
                findings.extend(Finding(p, "inserted", "a stored event the chain never had") for p in unchained)
                del unchained[:]
            if hashes is not None:
                hashes[str(c_hash)] = position
        if hashed is None:
            _end_run(broken, findings)
            findings.append(Finding(position, "deleted", "a chained event is missing from the store"))
            continue
        events += 1
        # A stored event's fields are all there when its hash is (WalkRow): no conversions in the hot loop.
        previous = next_link(previous, position, oid, version, topic, hashed)  # type: ignore[arg-type]
        if c_link is None:
            unchained.append(position)
            continue
        hexed = hashed.hex()
        if hexed != c_hash or oid != c_oid or version != c_version or topic != c_topic:
            _end_run(broken, findings)
            mismatched.append((len(findings), position, hexed))
            findings.append(Finding(position, "altered", "stored event differs from its chain entry"))
        elif previous.hex() != c_link:
            if broken:
                broken[1], broken[2] = position, broken[2] + 1
            else:
                broken[:] = [position, position, 1]
        elif broken:
            _end_run(broken, findings)
    _end_run(broken, findings)
    report.events += events
    report.unchained_tail += len(unchained)
    for checkpoint in pending:
        if checkpoint.position <= end:
            _check_point(checkpoint, previous, report)
        else:
            # Every verification reads the checkpoints before it fixes its range, and a checkpoint is signed at the
            # chain's head: one past the range's end means the history's tail is gone (events and chain alike).
            findings.append(
                Finding(
                    checkpoint.position,
                    "truncated",
                    f"the history ends at position {end}, before the checkpoint signed at {checkpoint.position}",
                )
            )
    if mismatched:
        _reordered(findings, mismatched, hashes, rescan)
    # Inserted events are reported when the next chained one is read: put every finding back in position order.
    findings[found_before:] = sorted(findings[found_before:], key=_in_order)


_NEVER = float("inf")
_PROGRESS_EVERY = 10_000


def _end_run(broken: list[int], findings: list[Finding]) -> None:
    """The run of links that do not follow the chain, as one finding at its first position."""
    if not broken:
        return
    first, last, count = broken
    where = "stored link does not" if count == 1 else f"stored links at positions {first}–{last} ({count}) do not"
    why = "an earlier event was removed or links were rewritten"
    findings.append(Finding(first, "chain_broken", f"{where} follow the chain: {why}"))
    broken.clear()


def _in_order(finding: Finding) -> tuple[int, int]:
    # At one position, the event's own finding comes before the checkpoint signed there.
    return finding.position, finding.kind == "checkpoint_mismatch"


def _reordered(
    findings: list[Finding],
    mismatched: list[tuple[int, int, str]],
    hashes: dict[str, int] | None,
    rescan: Rescan | None,
) -> None:
    if hashes is None:
        assert rescan is not None
        wanted = {hexed for _, _, hexed in mismatched}
        hashes = {}
        for position, chained in rescan():
            if chained in wanted:
                hashes[chained] = position
    for index, position, hexed in mismatched:
        moved_from = hashes.get(hexed)
        if moved_from is not None and moved_from != position:
            findings[index] = Finding(position, "reordered", f"holds the event chained at position {moved_from}")


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
    *,
    rows: Iterable[WalkRow] | None = None,
    rescan: Rescan | None = None,
    on_progress: Callable[[int], None] | None = None,
    then: Callable[[VerifyReport], None] | None = None,
) -> VerifyReport:
    """Full verification of `records` (or of `rows`, read by SQL: see `walk_chain`); `then` adds the checks that
    follow the walk (snapshots, sealed chains). Pins are extended only when everything verified."""
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
    if rows is not None:
        walk_chain(rows, checked.valid, report, rescan, on_progress)
    else:
        verify_chain(records, checked.valid, report, rescan)
    if then is not None:
        then(report)
    if report.ok:
        pinned["keys"] = checked.trusted
        pinned["checkpoints"] = {str(p): link for p, link in sorted(by_position.items())}
        pins.save()
    return report
