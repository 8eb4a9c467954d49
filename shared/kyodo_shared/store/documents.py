"""Files a service keeps by content: bytes addressed by their SHA-256 in a table of the service's own database
(columns `sha256` (key), `media_type`, `size`, `content_b64`, `stored_at`), made by the service's own migration.

Events carry only the hash (with the name, media type and size); the bytes live here, so the hash in the history
proves which file it was, and every read checks the bytes still match it. Used by the registry's bylaws
(`registry_documents`) and info-hub's news attachments (`hub_news_attachments`).
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kyodo_shared.store.db import Database

_TABLE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class FileContent:
    """A file as a command receives it: its name, media type and bytes."""

    filename: str
    media_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    def reference(self) -> dict[str, Any]:
        """What an event records of the file: its hash, name, media type and size — never the bytes."""
        return {
            "sha256": self.sha256,
            "filename": self.filename,
            "media_type": self.media_type,
            "size": len(self.content),
        }


class ContentMismatch(ValueError):
    """Stored bytes no longer match the hash they are stored under."""


class ContentStore:
    def __init__(self, db: Database, table: str) -> None:
        if not _TABLE.match(table):
            raise ValueError(f"not a table name: {table!r}")
        self.db, self.table = db, table

    def put(self, content: bytes, media_type: str, now: datetime) -> str:
        """Idempotent: the same bytes are stored once, whoever stores them. Returns their SHA-256 (hex).

        Every caller stores the bytes within a command whose events, committed afterwards to the same database,
        are what reference them.
        """
        sha256 = hashlib.sha256(content).hexdigest()
        with self.db.transaction() as tx:
            if tx.backend == "postgres":
                # This commit need not wait for its WAL flush. The bytes are only ever referenced by events the
                # same command commits later, to the same server, with synchronous commit; PostgreSQL's WAL is
                # sequential and a synchronous commit flushes it up to its own commit record, so once the events
                # are durable the bytes committed before them are too (also when another command stored these
                # bytes first and this insert did nothing). If the server crashes before the events commit, the
                # command was never acknowledged and nothing references the lost bytes: they are content-addressed
                # and idempotent, stored again with the next attempt. Bytes put with no synchronous commit after
                # them would be at risk for the server's wal_writer_delay: no caller relies on that (a command
                # refused after storing leaves its bytes unreferenced). SET LOCAL ends with this transaction, so
                # the pooled connection commits synchronously again afterwards.
                tx.execute("SET LOCAL synchronous_commit = off")
            tx.execute(
                f"INSERT INTO {self.table} (sha256, media_type, size, content_b64, stored_at) "  # noqa: S608
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (sha256) DO NOTHING",
                (sha256, media_type, len(content), base64.b64encode(content).decode(), now.isoformat()),
            )
        return sha256

    def get(self, sha256: str) -> bytes | None:
        with self.db.transaction() as tx:
            row = tx.fetchone(f"SELECT content_b64 FROM {self.table} WHERE sha256 = %s", (sha256,))  # noqa: S608
        if row is None:
            return None
        content = base64.b64decode(str(row[0]))
        # Checked on every read: the hash in the history must still describe these bytes.
        if hashlib.sha256(content).hexdigest() != sha256:
            raise ContentMismatch("stored document does not match its hash")
        return content
