"""Snapshots are not chained: verification rebuilds each snapshotted aggregate from its (chained) events and
reports any snapshot whose state differs from that rebuild.
"""

from __future__ import annotations

from typing import Any

from kyodo_shared.audit.verify import Finding


def check_snapshots(application: Any, history: Any) -> list[Finding]:
    """Every aggregate with a snapshot (listed from the snapshot table, not from the events: a verification holds
    no per-aggregate set), rebuilt from its events up to each snapshot's version."""
    snapshots = getattr(application, "snapshots", None)
    if snapshots is None:
        return []
    findings = []
    for originator_id in sorted(history.snapshotted(snapshots.recorder), key=str):
        for snapshot in snapshots.get(originator_id):
            rebuilt = None
            for event in application.events.get(originator_id, lte=snapshot.originator_version):
                rebuilt = event.mutate(rebuilt)
            expected = type(snapshot).take(rebuilt).state if rebuilt is not None else None
            if expected != snapshot.state:
                findings.append(
                    Finding(0, "snapshot_differs", f"snapshot of {originator_id} v{snapshot.originator_version}")
                )
    return findings
