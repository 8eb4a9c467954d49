"""Verification with database access: the service's own store, chain table and stored checkpoints."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from kyodo_shared.audit.chain import ChainStore
from kyodo_shared.audit.checkpointer import stored_checkpoints
from kyodo_shared.audit.records import records_from_store
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
) -> VerifyReport:
    checkpoints = stored_checkpoints(application, service)
    records = list(records_from_store(application.recorder, chain))
    report = verify(service, records, checkpoints, published_keys, pins)
    originators = {UUID(r.stored.originator_id) for r in records if r.stored is not None}
    report.findings.extend(check_snapshots(application, originators))
    report.sealed_chains, findings = check_sealed(application, sealed)
    report.findings.extend(findings)
    return report
