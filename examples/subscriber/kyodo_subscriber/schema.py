"""The bookkeeping tables and their migrations: a database of an older kit release keeps working after an upgrade.

`PRAGMA user_version` holds the schema version. Each step runs once, in order, in one transaction; a step only adds
(tables, nullable columns), so a row written before it stays valid and the code reads a missing value as unknown.
"""

from __future__ import annotations

import sqlite3

# Version 1: the first release of the kit.
V1 = """
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

# Version 2:
# - tracking.event_time: the ce-time of the last applied message; with its ce-id it identifies the message at the
#   tracked sequence, which the start compares with the stream's (a source re-published with another history).
#   NULL for rows written by version 1: then only the ce-id is compared.
# - applied_notifications: one row per stored Kyodo event and event name (without version) whose effect ran, so the
#   same stored event published as v1 and v2 takes effect once (README, "Versions").
# - gaps: a message held behind a missing sequence for longer than KYODO_SUB_GAP_ALERT (an operator's matter).
V2 = """
ALTER TABLE tracking ADD COLUMN event_time TEXT;
CREATE TABLE IF NOT EXISTS applied_notifications (
    source TEXT NOT NULL, notification_id INTEGER NOT NULL, event_name TEXT NOT NULL, event_id TEXT NOT NULL,
    sequence INTEGER NOT NULL, PRIMARY KEY (source, notification_id, event_name));
CREATE TABLE IF NOT EXISTS gaps (
    source TEXT NOT NULL, expected INTEGER NOT NULL, held INTEGER NOT NULL, noticed_at TEXT NOT NULL,
    PRIMARY KEY (source, expected));
"""

STEPS = (V1, V2)


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the bookkeeping tables to the latest version (conn in autocommit mode)."""
    conn.execute("BEGIN IMMEDIATE")  # two processes starting at once: one migrates, the other then sees it done
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version == 0 and _has_table(conn, "tracking"):
            version = 1  # created by the first release, which set no user_version
        for number, step in enumerate(STEPS, start=1):
            if number > version:
                for statement in filter(str.strip, step.split(";")):
                    conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {len(STEPS)}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None
