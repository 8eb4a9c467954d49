"""Documents a group files (bylaws, 会則), content-addressed by SHA-256 in the registry's own database.

Events carry only the hash, name, media type and size; the bytes live here (the kernel's `ContentStore`), so the
hash in the history proves which document was assessed.
"""

from __future__ import annotations

from datetime import datetime

from kyodo_shared.store.db import Database
from kyodo_shared.store.documents import ContentStore, FileContent

# What bylaws may be filed as: PDF, plain text, Word.
MEDIA_TYPES = frozenset(
    {
        "application/pdf",
        "text/plain",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }
)
MAX_BYTES = 2 * 1024 * 1024


# A file as a command receives it (the kernel's, shared with the other services that keep files by content).
Document = FileContent


class DocumentStore:
    """The registry's documents in `registry_documents` (the kernel's content store)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.contents = ContentStore(db, "registry_documents")

    def put(self, document: Document, now: datetime) -> None:
        """Idempotent: the same bytes are stored once, whoever files them. Every caller files the document within
        a command whose events, committed afterwards to the same database, are what reference it (registry app.py,
        app_life.py); see `ContentStore.put` for why its commit need not wait for the WAL."""
        self.contents.put(document.content, document.media_type, now)

    def get(self, sha256: str) -> bytes | None:
        return self.contents.get(sha256)
