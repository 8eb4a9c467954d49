"""The register of declared ties (関係団体の届出): read model `hub_group_ties`, fed from the registry's contract events.

A group declares its ties to political, religious, commercial or other organizations — the register behind
criterion 6 (自己統治) — and the registry publishes each declaration and withdrawal. The portal's group page lists
the ties in force. A dissolved group's ties go with its directory row (`bus/directory.py`, one handler per
contract).
"""

from __future__ import annotations

from dataclasses import dataclass

from kyodo_contracts import Contract
from kyodo_contracts import registry as r
from kyodo_shared.bus.cloudevents import Envelope
from kyodo_shared.bus.consumer import Handler
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.store.db import Database, Tx

TABLES = ["hub_group_ties"]


@dataclass(frozen=True)
class DeclaredTie:
    tie_id: str
    kind: str
    counterpart: str
    declared_at: str


def on_tie(envelope: Envelope, tx: Tx) -> None:
    event = envelope.data
    if isinstance(event, r.GroupTieDeclared):
        declared_at = envelope.time.astimezone(TOKYO).isoformat(timespec="seconds")
        tx.execute(
            "INSERT INTO hub_group_ties (tie_id, group_id, kind, counterpart, declared_at, source_sequence) "
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (tie_id) DO UPDATE SET kind = excluded.kind, "
            "counterpart = excluded.counterpart, source_sequence = excluded.source_sequence "
            "WHERE hub_group_ties.source_sequence <= excluded.source_sequence",
            (
                str(event.tie_id),
                str(event.group_id),
                event.kind.value,
                event.counterpart,
                declared_at,
                envelope.sequence,
            ),
        )
    elif isinstance(event, r.GroupTieWithdrawn):
        tx.execute("DELETE FROM hub_group_ties WHERE tie_id = %s", (str(event.tie_id),))


def forget_group(tx: Tx, group_id: str) -> None:
    """A dissolved group leaves the directory, and its register with it."""
    tx.execute("DELETE FROM hub_group_ties WHERE group_id = %s", (group_id,))


def ties_of(db: Database, group_id: str) -> list[DeclaredTie]:
    """The ties in force of a group, oldest declaration first."""
    with db.transaction(read_only=True) as tx:
        rows = tx.fetchall(
            "SELECT tie_id, kind, counterpart, declared_at FROM hub_group_ties WHERE group_id = %s "
            "ORDER BY declared_at, tie_id",
            (group_id,),
        )
    return [DeclaredTie(str(row[0]), str(row[1]), str(row[2]), str(row[3])) for row in rows]


HANDLERS: dict[type[Contract], Handler] = {r.GroupTieDeclared: on_tie, r.GroupTieWithdrawn: on_tie}
