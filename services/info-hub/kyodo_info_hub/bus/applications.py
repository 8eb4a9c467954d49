"""Applications for registration as the center follows them: read model `hub_applications`, fed from the registry's
contract events (stream KYODO_REGISTRY), read by the role home page `/me` only (never public: an application's
profile is published with its registration).

A row per group from its application on: `assessing` (applied or reapplied, or its information provided),
`information_requested` (with the criteria asked about), `rejected`; a registered group's standing is the directory's
row (`bus/directory.py`), and a dissolved group's row goes with its directory row. A registered group whose criteria
were re-opened (changed bylaws, a new tie) keeps `recheck_criteria` until the recheck passes. Every write is guarded by
the row's source sequence, so a message applied again changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from kyodo_contracts import Contract
from kyodo_contracts import registry as r
from kyodo_info_hub.bus import people
from kyodo_shared.bus.cloudevents import Envelope
from kyodo_shared.bus.consumer import Handler
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.store.db import Database, Tx

TABLES = ["hub_applications"]
_GUARD = "WHERE group_id = %s AND source_sequence < %s"


def on_applied(envelope: Envelope, tx: Tx) -> None:
    """An application or a reapplication: who acts for the group (`bus/people.py`), and the row assessing again."""
    people.on_group_people(envelope, tx)
    event = envelope.data
    assert isinstance(event, r.GroupApplied | r.GroupReapplied)
    applied_at = envelope.time.astimezone(TOKYO).isoformat(timespec="seconds")
    tx.execute(
        "INSERT INTO hub_applications (group_id, name, stage, applied_at, source_sequence) "
        "VALUES (%s, %s, 'assessing', %s, %s) ON CONFLICT (group_id) DO UPDATE SET name = excluded.name, "
        "stage = 'assessing', applied_at = excluded.applied_at, information_criteria = NULL, "
        "source_sequence = excluded.source_sequence WHERE hub_applications.source_sequence < excluded.source_sequence",
        (str(event.group_id), event.profile.name, applied_at, envelope.sequence),
    )


def on_assessment(envelope: Envelope, tx: Tx) -> None:
    event, sequence = envelope.data, envelope.sequence
    if isinstance(event, r.GroupInformationRequested):
        criteria = json.dumps([c.value for c in event.criteria])
        tx.execute(
            "UPDATE hub_applications SET stage = 'information_requested', information_criteria = %s, "  # noqa: S608
            f"source_sequence = %s {_GUARD}",
            (criteria, sequence, str(event.group_id), sequence),
        )
    elif isinstance(event, r.GroupInformationProvided):
        tx.execute(
            "UPDATE hub_applications SET stage = 'assessing', information_criteria = NULL, "  # noqa: S608
            f"source_sequence = %s {_GUARD}",
            (sequence, str(event.group_id), sequence),
        )
    elif isinstance(event, r.GroupRejected):
        tx.execute(
            f"UPDATE hub_applications SET stage = 'rejected', source_sequence = %s {_GUARD}",  # noqa: S608
            (sequence, str(event.group_id), sequence),
        )
    elif isinstance(event, r.GroupRecheckOpened):
        criteria = json.dumps([c.value for c in event.criteria])
        tx.execute(
            f"UPDATE hub_applications SET recheck_criteria = %s, source_sequence = %s {_GUARD}",  # noqa: S608
            (criteria, sequence, str(event.group_id), sequence),
        )
    elif isinstance(event, r.GroupRecheckPassed):
        tx.execute(
            f"UPDATE hub_applications SET recheck_criteria = NULL, source_sequence = %s {_GUARD}",  # noqa: S608
            (sequence, str(event.group_id), sequence),
        )


def forget_application(tx: Tx, group_id: str) -> None:
    """A dissolved group leaves the directory, and its application row with it."""
    tx.execute("DELETE FROM hub_applications WHERE group_id = %s", (group_id,))


@dataclass(frozen=True)
class Application:
    group_id: str
    name: str
    stage: str  # assessing, information_requested, rejected; registered: in the directory
    applied_at: str
    information_criteria: list[str]
    recheck_criteria: list[str]


_COLUMNS = (
    "a.group_id, a.name, CASE WHEN d.group_id IS NULL THEN a.stage ELSE 'registered' END, a.applied_at, "
    "a.information_criteria, a.recheck_criteria"
)
_FROM = "FROM hub_applications a LEFT JOIN directory_groups d ON d.group_id = a.group_id"


def applications_of(db: Database, group_ids: list[str]) -> list[Application]:
    """These groups' applications (their rows; a registered one's stage is `registered`)."""
    if not group_ids:
        return []
    marks = ", ".join(["%s"] * len(group_ids))
    with db.transaction(read_only=True) as tx:
        rows = tx.fetchall(f"SELECT {_COLUMNS} {_FROM} WHERE a.group_id IN ({marks})", tuple(group_ids))
    return [_application(row) for row in rows]


def awaiting_assessment(db: Database) -> list[Application]:
    """What waits for a coordinator's assessment, oldest first: applications being assessed (not registered, not
    waiting for the group's information) and registered groups with re-opened criteria."""
    with db.transaction(read_only=True) as tx:
        rows = tx.fetchall(
            f"SELECT {_COLUMNS} {_FROM} WHERE (d.group_id IS NULL AND a.stage = 'assessing') "
            "OR (d.group_id IS NOT NULL AND a.recheck_criteria IS NOT NULL) ORDER BY a.applied_at, a.group_id"
        )
    return [_application(row) for row in rows]


def _application(row: tuple[object, ...]) -> Application:
    return Application(
        group_id=str(row[0]),
        name=str(row[1]),
        stage=str(row[2]),
        applied_at=str(row[3]),
        information_criteria=json.loads(str(row[4])) if row[4] else [],
        recheck_criteria=json.loads(str(row[5])) if row[5] else [],
    )


HANDLERS: dict[type[Contract], Handler] = {
    r.GroupApplied: on_applied,
    r.GroupReapplied: on_applied,
    r.GroupInformationRequested: on_assessment,
    r.GroupInformationProvided: on_assessment,
    r.GroupRejected: on_assessment,
    r.GroupRecheckOpened: on_assessment,
    r.GroupRecheckPassed: on_assessment,
}
