"""Consumer bookkeeping in the consuming service's database: tracked sequences, handler failures, parked messages.

The tracking row advances only from `sequence - 1` to `sequence`, in the same transaction as the effect, and
remembers the identity of the message applied at it (bus/durable.py compares it with the source stream's).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from kyodo_shared.bus.cloudevents import MessageIdentity
from kyodo_shared.store.db import Database, Tx
from kyodo_shared.store.migrations import upgrade_kernel


class TrackingConflict(Exception):
    """The tracked sequence moved under us (another consumer or an operator): the effect was rolled back."""


@dataclass(frozen=True)
class ParkedMessage:
    source: str
    sequence: int
    failures: int
    event_id: str
    event_type: str
    last_error: str
    parked_at: str


class ConsumerLedger:
    """Tracking and failure records of one consuming service."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def migrate(self) -> None:
        # The ledger is a kernel table: the kernel lineage creates it with the others (store/migrations).
        upgrade_kernel(self.db)

    def tracked(self, source: str) -> int:
        with self.db.transaction() as tx:
            return tracked_in(tx, source)

    def tracking(self, source: str) -> tuple[int, MessageIdentity | None]:
        """The tracked sequence and the identity of the message applied at it (None: not remembered)."""
        with self.db.transaction() as tx:
            row = tx.fetchone(
                "SELECT sequence, last_event_id, last_event_time, last_originator_version "
                "FROM kyodo_consumer_tracking WHERE source = %s",
                (source,),
            )
        if not row:
            return 0, None
        identity = MessageIdentity(str(row[1]), str(row[2]), row[3]) if row[1] and row[2] else None
        return int(row[0]), identity

    def advance(
        self,
        tx: Tx,
        source: str,
        sequence: int,
        *,
        first: int | None = None,
        identity: MessageIdentity | None = None,
    ) -> None:
        """Move tracking from first-1 (default sequence-1) to sequence inside the caller's transaction:
        the messages first..sequence are applied in it. `identity` is the message's at `sequence` (None for a skip:
        then nothing is remembered, and nothing compared)."""
        first = sequence if first is None else first
        if first == 1:
            tx.execute(
                "INSERT INTO kyodo_consumer_tracking (source, sequence) VALUES (%s, 0) ON CONFLICT (source) DO NOTHING",
                (source,),
            )
        moved = tx.execute(
            "UPDATE kyodo_consumer_tracking SET sequence = %s, last_event_id = %s, last_event_time = %s, "
            "last_originator_version = %s WHERE source = %s AND sequence = %s",
            (
                sequence,
                identity.event_id if identity else None,
                identity.time if identity else None,
                identity.originator_version if identity else None,
                source,
                first - 1,
            ),
        )
        if moved != 1:
            raise TrackingConflict(f"{source} is not at {first - 1}")
        tx.execute(
            "DELETE FROM kyodo_consumer_failures WHERE source = %s AND sequence BETWEEN %s AND %s",
            (source, first, sequence),
        )

    def record_failure(
        self,
        source: str,
        sequence: int,
        event_id: str,
        event_type: str,
        error: str,
        max_failures: int,
        *,
        poison: bool = False,
    ) -> tuple[int, bool]:
        """Count one handler failure; returns (failures so far, parked now)."""
        now = datetime.now(UTC).isoformat()
        with self.db.transaction() as tx:
            row = tx.fetchone(
                "SELECT failures FROM kyodo_consumer_failures WHERE source = %s AND sequence = %s",
                (source, sequence),
            )
            failures = (int(row[0]) if row else 0) + 1
            parked = poison or failures >= max_failures
            tx.execute(
                "INSERT INTO kyodo_consumer_failures "
                "(source, sequence, failures, parked, event_id, event_type, last_error, updated_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (source, sequence) DO UPDATE SET "
                "failures = excluded.failures, parked = excluded.parked, event_id = excluded.event_id, "
                "event_type = excluded.event_type, last_error = excluded.last_error, updated_at = excluded.updated_at",
                (source, sequence, failures, int(parked), event_id, event_type, error[:1000], now),
            )
        return failures, parked

    def parked(self, source: str | None = None) -> list[ParkedMessage]:
        query = (
            "SELECT source, sequence, failures, event_id, event_type, last_error, updated_at "
            "FROM kyodo_consumer_failures WHERE parked = 1"
        )
        params: tuple[str, ...] = ()
        if source is not None:
            query += " AND source = %s"
            params = (source,)
        with self.db.transaction() as tx:
            rows = tx.fetchall(query + " ORDER BY source, sequence", params)
        return [ParkedMessage(r[0], int(r[1]), int(r[2]), r[3], r[4], r[5], r[6]) for r in rows]

    def is_parked(self, source: str, sequence: int) -> bool:
        with self.db.transaction() as tx:
            row = tx.fetchone(
                "SELECT parked FROM kyodo_consumer_failures WHERE source = %s AND sequence = %s",
                (source, sequence),
            )
        return bool(row and int(row[0]))

    def retry(self, source: str) -> list[int]:
        """Unpark a source: its parked message is delivered again with a fresh failure budget."""
        with self.db.transaction() as tx:
            rows = tx.fetchall(
                "SELECT sequence FROM kyodo_consumer_failures WHERE source = %s AND parked = 1", (source,)
            )
            tx.execute("DELETE FROM kyodo_consumer_failures WHERE source = %s AND parked = 1", (source,))
        return [int(r[0]) for r in rows]

    def skip(self, source: str, sequence: int) -> None:
        """Advance past a parked message without its effect (the caller records the skip as an event)."""
        with self.db.transaction() as tx:
            row = tx.fetchone(
                "SELECT parked FROM kyodo_consumer_failures WHERE source = %s AND sequence = %s",
                (source, sequence),
            )
            if not row or not int(row[0]):
                raise LookupError(f"no parked message {source}#{sequence}")
            self.advance(tx, source, sequence)


def tracked_in(tx: Tx, source: str) -> int:
    row = tx.fetchone("SELECT sequence FROM kyodo_consumer_tracking WHERE source = %s", (source,))
    return int(row[0]) if row else 0
