"""A verification of the service's history run from the auditor's page: the very check `kyodo audit verify
<service>` runs by database (`audit/local.py` `verify_local`: the chain recomputed, the signed checkpoints, the
snapshots and the ended sealed periods), run inside the service, bounded.

Nothing in the kernel records verification runs, so the page keeps the last result this process computed (shown with
when it ran, and by whom); a restart forgets it. Bounds: one verification at a time per process, and none of a
history longer than `VERIFY_LIMIT` positions (the command line verifies any length, with a progress bar). The pins
are this run's own, never saved: trust on first use of the service's published keys, as a first `kyodo audit
verify` does; an auditor's own pin file stays on the auditor's machine.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kyodo_shared.audit.local import verify_local
from kyodo_shared.audit.records import history_end
from kyodo_shared.audit.verify import PinFile, VerifyReport
from kyodo_shared.runtime import Kernel

VERIFY_LIMIT = 200_000
SHOWN_FINDINGS = 20  # as the command's summary; the JSON of `kyodo audit verify --json` lists them all


class _UnsavedPins(PinFile):
    """A pin file that starts empty and is never written."""

    def __init__(self) -> None:
        self.path = Path("/nonexistent")
        self.data = {}

    def save(self) -> None:
        return None


@dataclass(frozen=True)
class Verification:
    ran_at: datetime
    by: str
    ok: bool
    events: int
    unchained_tail: int
    checkpoints_valid: int
    sealed_chains: int
    first_problem: int | None
    findings: list[dict[str, Any]]
    more_findings: int
    rejected_checkpoints: list[tuple[int, str]]
    pin_violations: list[str]


class Verifications:
    """The last verification of this process, and the lock that lets one run at a time."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last: Verification | None = None


def verifications(state: Any) -> Verifications:
    """The pages app's (`request.app.state`): one per service process."""
    found: Verifications | None = getattr(state, "audit_verifications", None)
    if found is None:
        found = Verifications()
        state.audit_verifications = found
    return found


def too_long(kernel: Kernel) -> int | None:
    """The history's length when it is past what a page verifies, else None."""
    end = history_end(kernel.application.recorder)
    return end if end > VERIFY_LIMIT else None


def run_verification(kernel: Kernel, kept: Verifications, by: str) -> Verification | None:
    """Verify now, unless another verification is running here (None then)."""
    if not kept.lock.acquire(blocking=False):
        return None
    try:
        report = verify_local(
            kernel.service,
            kernel.application,
            kernel.chain,
            kernel.published_keys(),
            _UnsavedPins(),
            sealed=kernel.sealed,
        )
        kept.last = _summary(report, by)
        return kept.last
    finally:
        kept.lock.release()


def _summary(report: VerifyReport, by: str) -> Verification:
    return Verification(
        ran_at=datetime.now(UTC),
        by=by,
        ok=report.ok,
        events=report.events,
        unchained_tail=report.unchained_tail,
        checkpoints_valid=report.checkpoints_valid,
        sealed_chains=report.sealed_chains,
        first_problem=report.first_problem,
        findings=[vars(f) for f in report.findings[:SHOWN_FINDINGS]],
        more_findings=max(0, len(report.findings) - SHOWN_FINDINGS),
        rejected_checkpoints=list(report.rejected_checkpoints),
        pin_violations=list(report.pin_violations),
    )
