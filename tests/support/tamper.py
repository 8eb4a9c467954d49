"""What an insider with database access might do to a service's stored history: rewrite text inside stored events
of one kind, in place (SQLite or PostgreSQL), so a test shows that an auditor's recompute catches it."""

from __future__ import annotations

import sqlite3
from typing import Any

import psycopg


def rewrite_stored(settings: Any, application: str, topic_suffix: str, old: str, new: str) -> int:
    """Replace `old` by `new` in the stored state of every event whose topic ends with `topic_suffix` (e.g.
    "Review.Scored") and holds `old`; returns how many events changed."""
    store = settings.store
    if store.backend == "sqlite":
        with sqlite3.connect(store.sqlite_path) as conn:
            return conn.execute(
                "UPDATE stored_events SET state = CAST(REPLACE(CAST(state AS TEXT), ?, ?) AS BLOB) "
                "WHERE topic LIKE ? AND CAST(state AS TEXT) LIKE ?",
                (old, new, f"%{topic_suffix}", f"%{old}%"),
            ).rowcount
    with psycopg.connect(store.pg_dsn, options=f"-c search_path={store.pg_schema}") as conn:
        # eventsourcing names the application's table after it on PostgreSQL (`proposals_events`).
        return conn.execute(
            f"UPDATE {application}_events SET state = "
            "convert_to(replace(convert_from(state, 'UTF8'), %s, %s), 'UTF8') "
            "WHERE topic LIKE %s AND convert_from(state, 'UTF8') LIKE %s",
            (old, new, f"%{topic_suffix}", f"%{old}%"),
        ).rowcount
