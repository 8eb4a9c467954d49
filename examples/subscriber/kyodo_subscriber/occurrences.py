"""Which messages of one stored Kyodo event take effect: v1 and v2 of a contract during a deprecation period are one
effect, several contract events of one name mapped from one stored event are several (README, "Versions").
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kyodo_subscriber.store import Message


def note(conn: sqlite3.Connection, source: str, sequence: int, message: Message, outcome: str) -> str:
    """Record a message of a stored Kyodo event in `notification_messages`, and return what becomes of it:
    `outcome` ("applied" or "skipped") for a followed message whose key is not done yet, "duplicate" for one
    whose key is, "unfollowed" otherwise. A message without ce-kyodonotificationid is not recorded (it is
    de-duplicated by ce-id only) and keeps `outcome`.

    The key is (source, notification id, event name, occurrence): one stored event may be published as several
    contract events of one name (one ProposalAdopted per selected proposal) and, during a deprecation period,
    each as v1 and v2. The occurrence counts the earlier messages of the same stored event with the same exact
    ce-type — every one is recorded here, whatever became of it — so v1 #k and v2 #k share a key and
    ProposalAdopted #0 and #1 do not. Messages come in ce-sequence order, so "earlier" is "recorded before".
    """
    if not message.notification_id:
        return outcome
    occurrence = int(
        conn.execute(
            "SELECT COUNT(*) FROM notification_messages WHERE source = ? AND notification_id = ? "
            "AND event_type = ? AND sequence < ?",
            (source, message.notification_id, message.event_type, sequence),
        ).fetchone()[0]
    )
    if not message.followed:
        outcome = "unfollowed"
    elif conn.execute(
        "SELECT 1 FROM notification_messages WHERE source = ? AND notification_id = ? AND event_name = ? "
        "AND occurrence = ? AND outcome IN ('applied', 'skipped')",
        (source, message.notification_id, message.event_name, occurrence),
    ).fetchone():
        outcome = "duplicate"
    conn.execute(
        "INSERT INTO notification_messages (source, sequence, notification_id, event_type, event_name, "
        "occurrence, event_id, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            source,
            sequence,
            message.notification_id,
            message.event_type,
            message.event_name,
            occurrence,
            message.event_id,
            outcome,
        ),
    )
    return outcome
