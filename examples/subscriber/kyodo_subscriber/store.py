"""The subscriber's SQLite database: its read model (effects.py) and its own bookkeeping, side by side.

Bookkeeping (schema.py): the last applied `ce-sequence` per `ce-source` with the identity of that message (tracking),
the ids of applied events, the messages of each stored Kyodo event (what took effect under which key), failure
counts, parked messages and held gaps.
An effect and the tracking move commit in one transaction, so a crash anywhere leaves either both or neither: that is
what makes JetStream's at-least-once delivery an exactly-once effect.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kyodo_subscriber.occurrences import note
from kyodo_subscriber.schema import migrate

# An effect writes the read model through the connection whose transaction also moves tracking.
Effect = Callable[[sqlite3.Connection], None]


class TrackingMoved(Exception):
    """Tracking is not where this process thought (another process, or an operator's skip): nothing was written."""


@dataclass(frozen=True)
class Position:
    tracked: int
    # The sequence the source is parked at: nothing from it on is applied until an operator retries or skips it.
    parked: int | None


@dataclass(frozen=True)
class Tracked:
    """The message at the tracked sequence, as applied: compared at start with the stream's message there."""

    sequence: int
    event_id: str | None  # None: nothing to compare (never applied, or a missing message skipped by an operator)
    event_time: str | None  # None: tracked by the kit's first release, which did not keep it


@dataclass(frozen=True)
class Message:
    """What the bookkeeping keeps of a message: its ce-id and ce-time, the stored Kyodo event it was published from
    (ce-kyodonotificationid; 0 when absent), its exact ce-type, its event name without version, and whether a
    handler follows it."""

    event_id: str
    event_time: str | None = None
    notification_id: int = 0
    event_name: str = ""
    followed: bool = False
    event_type: str = ""


@dataclass(frozen=True)
class ParkedMessage:
    source: str
    sequence: int
    failures: int
    event_id: str
    event_type: str
    error_class: str
    parked_at: str
    # Of the message, for an operator's skip (None: parked by a kit before schema version 3, or no such header).
    notification_id: int | None = None
    event_name: str | None = None
    followed: bool = False


@dataclass(frozen=True)
class Gap:
    source: str
    expected: int  # the missing sequence (tracked + 1 when noticed)
    held: int  # a later message held behind it
    noticed_at: str


def _now() -> str:
    return datetime.now(UTC).isoformat()


def is_locked(exc: BaseException) -> bool:
    """SQLite's busy answer: another connection (the operator's CLI, another source) holds the write lock."""
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc).lower()


class Store:
    def __init__(self, path: Path, busy_timeout: float = 10.0) -> None:
        # Autocommit mode: transactions are explicit (BEGIN IMMEDIATE takes the write lock up front, so two
        # processes never both read a tracking row and then race to move it).
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=busy_timeout)
        self.conn.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit survives a power loss, not only a process crash (the guarantee the README gives).
        self.conn.execute("PRAGMA synchronous=FULL")
        migrate(self.conn)

    def close(self) -> None:
        self.conn.close()

    def _begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def position(self, source: str) -> Position:
        row = self.conn.execute("SELECT sequence FROM tracking WHERE source = ?", (source,)).fetchone()
        parked = self.conn.execute("SELECT MIN(sequence) FROM parked WHERE source = ?", (source,)).fetchone()
        return Position(int(row[0]) if row else 0, int(parked[0]) if parked and parked[0] is not None else None)

    def tracked(self, source: str) -> Tracked:
        row = self.conn.execute(
            "SELECT sequence, event_id, event_time FROM tracking WHERE source = ?", (source,)
        ).fetchone()
        return Tracked(int(row[0]), row[1] or None, row[2] or None) if row else Tracked(0, None, None)

    def apply(self, source: str, sequence: int, message: Message, effect: Effect | None) -> bool:
        """Run `effect` and move tracking from sequence-1 to sequence in one transaction. Returns False when the
        effect was not run: the event id was applied before (at another sequence), or its stored event took effect
        (or was skipped) under the same key in another version — v1 and v2 during a deprecation period
        (occurrences.note). Tracking moves either way.
        """
        self._begin()
        try:
            self._advance(source, sequence, message.event_id, message.event_time)
            # The same ce-id at another sequence is the same message (the id is the stored event's and its index):
            # not applied again, and not counted as another occurrence.
            seen = bool(
                self.conn.execute("SELECT 1 FROM applied_events WHERE event_id = ?", (message.event_id,)).fetchone()
            )
            if not seen:
                outcome = note(self.conn, source, sequence, message, "applied")
                seen = outcome == "duplicate"
                if not seen and effect is not None:
                    effect(self.conn)
                self.conn.execute(
                    "INSERT INTO applied_events (event_id, source, sequence) VALUES (?, ?, ?)",
                    (message.event_id, source, sequence),
                )
            self.conn.execute("DELETE FROM failures WHERE source = ? AND sequence = ?", (source, sequence))
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        return not seen

    def _advance(self, source: str, sequence: int, event_id: str | None, event_time: str | None) -> None:
        if sequence == 1:
            self.conn.execute(
                "INSERT INTO tracking (source, sequence, updated_at) VALUES (?, 0, ?) ON CONFLICT DO NOTHING",
                (source, _now()),
            )
        moved = self.conn.execute(
            "UPDATE tracking SET sequence = ?, event_id = ?, event_time = ?, updated_at = ? "
            "WHERE source = ? AND sequence = ?",
            (sequence, event_id, event_time, _now(), source, sequence - 1),
        ).rowcount
        if moved != 1:
            raise TrackingMoved(f"{source} is not at {sequence - 1}")
        self.conn.execute("DELETE FROM gaps WHERE source = ? AND expected <= ?", (source, sequence))

    def failures(self, source: str, sequence: int) -> int:
        row = self.conn.execute(
            "SELECT failures FROM failures WHERE source = ? AND sequence = ?", (source, sequence)
        ).fetchone()
        return int(row[0]) if row else 0

    def record_failure(
        self, source: str, sequence: int, message: Message, error_class: str, max_failures: int
    ) -> tuple[int, bool]:
        """Count one failure; park the message when it reaches `max_failures`. Returns (failures, parked now).
        Only the error's class is stored: a message (or an exception's text) may carry personal data. Its stored
        event's identity is kept too, for an operator's skip (`skip`).
        """
        self._begin()
        try:
            failures = self.failures(source, sequence) + 1
            identity = (
                message.event_id,
                message.event_type,
                error_class,
                message.notification_id or None,
                message.event_name or None,
                int(message.followed),
            )
            self.conn.execute(
                "INSERT INTO failures (source, sequence, failures, event_id, event_type, error_class, "
                "notification_id, event_name, followed, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (source, sequence) DO UPDATE SET failures = excluded.failures, "
                "error_class = excluded.error_class, updated_at = excluded.updated_at",
                (source, sequence, failures, *identity, _now()),
            )
            parked = failures >= max_failures
            if parked:
                self.conn.execute(
                    "INSERT OR REPLACE INTO parked (source, sequence, failures, event_id, event_type, error_class, "
                    "notification_id, event_name, followed, parked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (source, sequence, failures, *identity, _now()),
                )
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        return failures, parked

    def record_gap(self, source: str, expected: int, held: int) -> bool:
        """Record a gap held too long; False when it was recorded before (or tracking has moved past it)."""
        self._begin()
        try:
            if self.position(source).tracked >= expected:
                self.conn.execute("ROLLBACK")
                return False
            added = self.conn.execute(
                "INSERT INTO gaps (source, expected, held, noticed_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (source, expected, held, _now()),
            ).rowcount
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        return added == 1

    def gaps(self, source: str | None = None) -> list[Gap]:
        query = "SELECT source, expected, held, noticed_at FROM gaps"
        rows = (
            self.conn.execute(query + " WHERE source = ? ORDER BY expected", (source,))
            if source is not None
            else self.conn.execute(query + " ORDER BY source, expected")
        ).fetchall()
        return [Gap(r[0], int(r[1]), int(r[2]), r[3]) for r in rows]

    def parked(self, source: str | None = None) -> list[ParkedMessage]:
        query = (
            "SELECT source, sequence, failures, event_id, event_type, error_class, parked_at, notification_id, "
            "event_name, followed FROM parked"
        )
        rows = (
            self.conn.execute(query + " WHERE source = ? ORDER BY sequence", (source,))
            if source is not None
            else self.conn.execute(query + " ORDER BY source, sequence")
        ).fetchall()
        return [ParkedMessage(r[0], int(r[1]), int(r[2]), r[3], r[4], r[5], r[6], r[7], r[8], bool(r[9])) for r in rows]

    def retry(self, source: str, sequence: int) -> None:
        """Unpark a message: it is delivered again with a fresh failure budget (after a fix was deployed)."""
        self._begin()
        try:
            self._take_parked(source, sequence)
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise

    def skip(self, source: str, sequence: int) -> None:
        """Move tracking past a parked message without its effect; the skip is recorded (table `skipped`). A
        followed message's stored event counts as done under its key (occurrences.note): its other version (v1 or v2) is
        skipped too, so the operator's decision holds for the stored event, not for one of its copies."""
        self._begin()
        try:
            parked = self._take_parked(source, sequence)
            self._advance(source, sequence, parked.event_id, None)
            self._record_skip(source, sequence, parked.event_id, parked.event_type)
            if parked.notification_id and parked.event_name:
                message = Message(
                    parked.event_id,
                    notification_id=parked.notification_id,
                    event_name=parked.event_name,
                    followed=parked.followed,
                    event_type=parked.event_type,
                )
                note(self.conn, source, sequence, message, "skipped")
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise

    def skip_gap(self, source: str, sequence: int) -> None:
        """Move tracking past a missing sequence recorded as a gap (the stream no longer holds that message): the
        messages held behind it follow. Recorded in `skipped` with an empty id and the type `(missing)`."""
        self._begin()
        try:
            if not [g for g in self.gaps(source) if g.expected == sequence]:
                raise LookupError(f"no gap recorded at {source} #{sequence} (see `parked list`)")
            # No identity to keep: the start's comparison with the stream has nothing to compare at a missing one.
            self._advance(source, sequence, None, None)
            self._record_skip(source, sequence, "", "(missing)")
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise

    def _record_skip(self, source: str, sequence: int, event_id: str, event_type: str) -> None:
        self.conn.execute(
            "INSERT INTO skipped (source, sequence, event_id, event_type, skipped_at) VALUES (?, ?, ?, ?, ?)",
            (source, sequence, event_id, event_type, _now()),
        )

    def _take_parked(self, source: str, sequence: int) -> ParkedMessage:
        found = [p for p in self.parked(source) if p.sequence == sequence]
        if not found:
            raise LookupError(f"no parked message {source} #{sequence}")
        self.conn.execute("DELETE FROM parked WHERE source = ? AND sequence = ?", (source, sequence))
        self.conn.execute("DELETE FROM failures WHERE source = ? AND sequence = ?", (source, sequence))
        return found[0]
