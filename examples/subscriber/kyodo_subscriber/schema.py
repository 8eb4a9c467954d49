"""The bookkeeping tables and their migrations: a database of an older kit release keeps working after an upgrade.

`PRAGMA user_version` holds the schema version. Each step runs once, in order, in one transaction; a step adds tables
and nullable columns (or moves rows into a table that replaces one), so a row written before it stays valid and the
code reads a missing value as unknown. A database of a newer kit (a version beyond STEPS) is refused, never
"migrated" back: this kit would neither write nor read what the newer one relies on.
"""

from __future__ import annotations

import sqlite3

from kyodo_subscriber.refusals import StartRefused

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

# Version 3:
# - notification_messages replaces applied_notifications. One stored Kyodo event may be published as several
#   contract events of the same name (Call.ResultsPublished: one ProposalAdopted per selected proposal), so the key
#   of "this stored event's effect" is (source, notification id, event name, occurrence), the occurrence being the
#   number of earlier messages of the same stored event with the same exact ce-type: v1 #k and v2 #k share a key,
#   ProposalAdopted #0 and #1 do not. One row per message that carries a notification id (applied, a duplicate of
#   its other version, unfollowed, or skipped by the operator), so the occurrence can be counted.
#   Rows of version 2 come over as occurrence 0 with no ce-type (that kit applied only the first message of a name per
#   stored event); they are not counted as occurrences.
# - failures and parked keep the message's notification id, event name and whether it is followed, so an operator's
#   skip records it here too (its other version is then skipped as well).
V3 = """
CREATE TABLE IF NOT EXISTS notification_messages (
    source TEXT NOT NULL, sequence INTEGER NOT NULL, notification_id INTEGER NOT NULL, event_type TEXT,
    event_name TEXT NOT NULL, occurrence INTEGER NOT NULL, event_id TEXT NOT NULL, outcome TEXT NOT NULL,
    PRIMARY KEY (source, sequence));
CREATE INDEX IF NOT EXISTS notification_messages_key
    ON notification_messages (source, notification_id, event_name, occurrence);
CREATE INDEX IF NOT EXISTS notification_messages_type ON notification_messages (source, notification_id, event_type);
INSERT OR IGNORE INTO notification_messages
    SELECT source, sequence, notification_id, NULL, event_name, 0, event_id, 'applied' FROM applied_notifications;
DROP TABLE applied_notifications;
ALTER TABLE failures ADD COLUMN notification_id INTEGER;
ALTER TABLE failures ADD COLUMN event_name TEXT;
ALTER TABLE failures ADD COLUMN followed INTEGER;
ALTER TABLE parked ADD COLUMN notification_id INTEGER;
ALTER TABLE parked ADD COLUMN event_name TEXT;
ALTER TABLE parked ADD COLUMN followed INTEGER;
"""

STEPS = (V1, V2, V3)


class DatabaseFromNewerKit(StartRefused):
    """The database's schema version is beyond this kit's: it was written by a newer release."""


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the bookkeeping tables to the latest version (conn in autocommit mode)."""
    conn.execute("BEGIN IMMEDIATE")  # two processes starting at once: one migrates, the other then sees it done
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version == 0 and _has_table(conn, "tracking"):
            version = 1  # created by the first release, which set no user_version
        if version > len(STEPS):
            # Marking it as ours would make the newer kit re-run its steps on top of themselves, and this kit would
            # ignore the bookkeeping the newer one keeps (e.g. what it de-duplicates on).
            raise DatabaseFromNewerKit(
                f"the database was written by a newer release of the subscriber kit (schema version {version}, this "
                f"kit knows {len(STEPS)}): upgrade the kit to that release or later; do not start this one on it"
            )
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
