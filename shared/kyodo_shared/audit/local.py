"""Verification with database access: the service's own store, chain table and stored checkpoints."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from kyodo_shared.audit.chain import ChainStore
from kyodo_shared.audit.checkpointer import stored_checkpoints
from kyodo_shared.audit.history import StoredHistory
from kyodo_shared.audit.records import history_end
from kyodo_shared.audit.sealed_check import MARK, check_sealed
from kyodo_shared.audit.snapshots import check_snapshots
from kyodo_shared.audit.verify import PinFile, VerifyReport, verify


def verify_local(
    service: str,
    application: Any,
    chain: ChainStore,
    published_keys: dict[str, str],
    pins: PinFile,
    sealed: Any = None,
    on_progress: Callable[[int], None] | None = None,
) -> VerifyReport:
    """The store's history against its chain, checkpoints and pins; snapshots; each ended sealed period's recorded
    chain against the sealed store (`sealed`: the service's sealed application, if it keeps one).

    Streamed: the event and chain tables are read together by SQL in one snapshot, a batch at a time, up to the last
    position stored when the verification began; `on_progress` hears the position reached now and then (the CLI
    shows a bar). Memory does not grow with the history's length (see `verify.walk_chain`)."""
    checkpoints = stored_checkpoints(application, service)
    history = StoredHistory(chain.db, application.recorder)
    stop = history_end(application.recorder)
    # Events that ended a sealed period, noticed in the same pass: no second scan of the whole store.
    marked: list[int] = []

    def rescan() -> Iterator[tuple[int, str]]:
        return ((row[0], str(row[8])) for row in history.walk(0, stop) if row[9] is not None)

    def then(report: VerifyReport) -> None:
        report.findings.extend(check_snapshots(application, history))
        report.sealed_chains, findings = check_sealed(application, sealed, marked)
        report.findings.extend(findings)

    rows = history.walk(0, stop, marker=MARK, marked=marked)
    return verify(
        service, (), checkpoints, published_keys, pins, rows=rows, rescan=rescan, on_progress=on_progress, then=then
    )
