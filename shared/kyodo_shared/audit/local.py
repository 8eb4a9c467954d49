"""Verification with database access: the service's own store, chain table and stored checkpoints."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID

from kyodo_shared.audit.chain import ChainStore
from kyodo_shared.audit.checkpointer import stored_checkpoints
from kyodo_shared.audit.records import AuditRecord, records_from_store
from kyodo_shared.audit.sealed_check import check_sealed
from kyodo_shared.audit.snapshots import check_snapshots
from kyodo_shared.audit.verify import PinFile, VerifyReport, verify


def verify_local(
    service: str,
    application: Any,
    chain: ChainStore,
    published_keys: dict[str, str],
    pins: PinFile,
    sealed: Any = None,
    reading: Callable[[Iterable[AuditRecord]], Iterable[AuditRecord]] = lambda records: records,
) -> VerifyReport:
    """The store's history against its chain, checkpoints and pins; snapshots; each ended sealed period's recorded
    chain against the sealed store (`sealed`: the service's sealed application, if it keeps one). `reading` wraps
    the records as they are read (the CLI shows progress)."""
    checkpoints = stored_checkpoints(application, service)
    records = list(reading(records_from_store(application.recorder, chain)))
    report = verify(service, records, checkpoints, published_keys, pins)
    originators = {UUID(r.stored.originator_id) for r in records if r.stored is not None}
    report.findings.extend(check_snapshots(application, originators))
    report.sealed_chains, findings = check_sealed(application, sealed)
    report.findings.extend(findings)
    return report
