"""Documents a group files (bylaws, 会則), content-addressed by SHA-256 in the registry's own database.

Events carry only the hash, name, media type and size; the bytes live here, so the hash in the history proves
which document was assessed.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kyodo_shared.store.db import Database

# What bylaws may be filed as: PDF, plain text, Word.
MEDIA_TYPES = frozenset(
    {
        "application/pdf",
        "text/plain",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }
)
MAX_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class Document:
    filename: str
    media_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    def reference(self) -> dict[str, Any]:
        """What an event records of the document."""
        return {
            "sha256": self.sha256,
            "filename": self.filename,
            "media_type": self.media_type,
            "size": len(self.content),
        }


class DocumentStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def put(self, document: Document, now: datetime) -> None:
        """Idempotent: the same bytes are stored once, whoever files them.

        Every caller files the document within a command whose events, committed afterwards to the same database,
        are what reference it (registry app.py, app_life.py).
        """
        with self.db.transaction() as tx:
            if tx.backend == "postgres":
                # This commit need not wait for its WAL flush. The document is only ever referenced by events the
                # same command commits later, to the same server, with synchronous commit; PostgreSQL's WAL is
                # sequential and a synchronous commit flushes it up to its own commit record, so once the events
                # are durable the document committed before them is too (also when another command stored these
                # bytes first and this insert did nothing). If the server crashes before the events commit, the
                # command was never acknowledged and nothing references the lost document: it is content-addressed
                # and idempotent, filed again with the next attempt. A document put with no synchronous commit
                # after it would be at risk for the server's wal_writer_delay: no caller relies on one (a command
                # refused after filing leaves its document unreferenced). SET LOCAL ends with this transaction, so
                # the pooled connection commits synchronously again afterwards.
                tx.execute("SET LOCAL synchronous_commit = off")
            tx.execute(
                "INSERT INTO registry_documents (sha256, media_type, size, content_b64, stored_at) "
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (sha256) DO NOTHING",
                (
                    document.sha256,
                    document.media_type,
                    len(document.content),
                    base64.b64encode(document.content).decode(),
                    now.isoformat(),
                ),
            )

    def get(self, sha256: str) -> bytes | None:
        with self.db.transaction() as tx:
            row = tx.fetchone("SELECT content_b64 FROM registry_documents WHERE sha256 = %s", (sha256,))
        if row is None:
            return None
        content = base64.b64decode(str(row[0]))
        # Checked on every read: the hash in the history must still describe these bytes.
        if hashlib.sha256(content).hexdigest() != sha256:
            raise ValueError("stored document does not match its hash")
        return content
