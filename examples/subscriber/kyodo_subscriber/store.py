"""The subscriber's SQLite database: its read model (effects.py) and its own bookkeeping, side by side.

Bookkeeping: the last applied `ce-sequence` per `ce-source` (tracking), the ids of applied events, failure counts and
parked messages. An effect and the tracking move commit in one transaction, so a crash anywhere leaves either both or
neither: that is what makes JetStream's at-least-once delivery an exactly-once effect.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS tracking (
    source TEXT PRIMARY KEY, sequence INTEGER NOT NULL, event_id TEXT, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS applied_events (
    event_id TEXT PRIMARY KEY, source TEXT NOT NULL, sequence INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS failures (
    source TEXT NOT NULL, sequence INTEGER NOT NULL, failures INTEGER NOT NULL, event_id TEXT NOT NULL,
    event_type TEXT NOT NULL, error_class TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (source, sequence));
CREATE TABLE IF NOT EXISTS parked (
    source TEXT NOT NULL, sequence INTEGER NOT NULL, failures INTEGER NOT NULL, event_id TEXT NOT NULL,
    event_type TEXT NOT NULL, error_class TEXT NOT NULL, parked_at TEXT NOT NULL, PRIMARY KEY (source, sequence));
CREATE TABLE IF NOT EXISTS skipped (
    source TEXT NOT NULL, sequence INTEGER NOT NULL, event_id TEXT NOT NULL, event_type TEXT NOT NULL,
    skipped_at TEXT NOT NULL, PRIMARY KEY (source, sequence));
"""

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
class ParkedMessage:
    source: str
    sequence: int
    failures: int
    event_id: str
    event_type: str
    error_class: str
    parked_at: str


def _now() -> str:
    return datetime.now(UTC).isoformat()


class Store:
    def __init__(self, path: Path) -> None:
        # Autocommit mode: transactions are explicit (BEGIN IMMEDIATE takes the write lock up front, so two
        # processes never both read a tracking row and then race to move it).
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10.0)
        self.conn.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit survives a power loss, not only a process crash (the guarantee the README gives).
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.executescript(SCHEMA)

    def close(self) -> None:
        self.conn.close()

    def _begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def position(self, source: str) -> Position:
        row = self.conn.execute("SELECT sequence FROM tracking WHERE source = ?", (source,)).fetchone()
        parked = self.conn.execute("SELECT MIN(sequence) FROM parked WHERE source = ?", (source,)).fetchone()
        return Position(int(row[0]) if row else 0, int(parked[0]) if parked and parked[0] is not None else None)

    def apply(self, source: str, sequence: int, event_id: str, effect: Effect | None) -> bool:
        """Run `effect` and move tracking from sequence-1 to sequence in one transaction. Returns False when the
        event id was applied before (at another sequence): tracking moves, the effect is not run again.
        """
        self._begin()
        try:
            self._advance(source, sequence, event_id)
            seen = self.conn.execute("SELECT 1 FROM applied_events WHERE event_id = ?", (event_id,)).fetchone()
            if seen is None:
                if effect is not None:
                    effect(self.conn)
                self.conn.execute(
                    "INSERT INTO applied_events (event_id, source, sequence) VALUES (?, ?, ?)",
                    (event_id, source, sequence),
                )
            self.conn.execute("DELETE FROM failures WHERE source = ? AND sequence = ?", (source, sequence))
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        return seen is None

    def _advance(self, source: str, sequence: int, event_id: str) -> None:
        if sequence == 1:
            self.conn.execute(
                "INSERT INTO tracking (source, sequence, updated_at) VALUES (?, 0, ?) ON CONFLICT DO NOTHING",
                (source, _now()),
            )
        moved = self.conn.execute(
            "UPDATE tracking SET sequence = ?, event_id = ?, updated_at = ? WHERE source = ? AND sequence = ?",
            (sequence, event_id, _now(), source, sequence - 1),
        ).rowcount
        if moved != 1:
            raise TrackingMoved(f"{source} is not at {sequence - 1}")

    def failures(self, source: str, sequence: int) -> int:
        row = self.conn.execute(
            "SELECT failures FROM failures WHERE source = ? AND sequence = ?", (source, sequence)
        ).fetchone()
        return int(row[0]) if row else 0

    def record_failure(
        self, source: str, sequence: int, event_id: str, event_type: str, error_class: str, max_failures: int
    ) -> tuple[int, bool]:
        """Count one failure; park the message when it reaches `max_failures`. Returns (failures, parked now).
        Only the error's class is stored: a message (or an exception's text) may carry personal data.
        """
        self._begin()
        try:
            failures = self.failures(source, sequence) + 1
            self.conn.execute(
                "INSERT INTO failures (source, sequence, failures, event_id, event_type, error_class, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, sequence) DO UPDATE SET failures = "
                "excluded.failures, error_class = excluded.error_class, updated_at = excluded.updated_at",
                (source, sequence, failures, event_id, event_type, error_class, _now()),
            )
            parked = failures >= max_failures
            if parked:
                self.conn.execute(
                    "INSERT OR REPLACE INTO parked (source, sequence, failures, event_id, event_type, error_class, "
                    "parked_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (source, sequence, failures, event_id, event_type, error_class, _now()),
                )
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        return failures, parked

    def parked(self, source: str | None = None) -> list[ParkedMessage]:
        query = "SELECT source, sequence, failures, event_id, event_type, error_class, parked_at FROM parked"
        rows = (
            self.conn.execute(query + " WHERE source = ? ORDER BY sequence", (source,))
            if source is not None
            else self.conn.execute(query + " ORDER BY source, sequence")
        ).fetchall()
        return [ParkedMessage(r[0], int(r[1]), int(r[2]), r[3], r[4], r[5], r[6]) for r in rows]

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
        """Move tracking past a parked message without its effect; the skip is recorded (table `skipped`)."""
        self._begin()
        try:
            parked = self._take_parked(source, sequence)
            self._advance(source, sequence, parked.event_id)
            self.conn.execute(
                "INSERT INTO skipped (source, sequence, event_id, event_type, skipped_at) VALUES (?, ?, ?, ?, ?)",
                (source, sequence, parked.event_id, parked.event_type, _now()),
            )
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise

    def _take_parked(self, source: str, sequence: int) -> ParkedMessage:
        found = [p for p in self.parked(source) if p.sequence == sequence]
        if not found:
            raise LookupError(f"no parked message {source} #{sequence}")
        self.conn.execute("DELETE FROM parked WHERE source = ? AND sequence = ?", (source, sequence))
        self.conn.execute("DELETE FROM failures WHERE source = ? AND sequence = ?", (source, sequence))
        return found[0]
