"""The files attached to the center's news, content-addressed by SHA-256 in info-hub's own database (the table
`hub_news_attachments`, made by `info_hub_0005`). Events carry only the hash, name, media type and size; the bytes
live here (the kernel's `ContentStore`, as the registry keeps its documents), and every read checks they still match
the hash the history names.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kyodo_shared.store.db import Database
from kyodo_shared.store.documents import ContentStore

# What may be attached: PDF, PNG, JPEG, Word (.docx), Excel (.xlsx), CSV and plain text.
MEDIA_TYPES = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "text/csv",
        "text/plain",
    }
)
MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Attachment:
    filename: str
    media_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    def reference(self) -> dict[str, Any]:
        """What an event records of the file."""
        return {
            "sha256": self.sha256,
            "filename": self.filename,
            "media_type": self.media_type,
            "size": len(self.content),
        }


class AttachmentStore:
    def __init__(self, db: Database) -> None:
        self.contents = ContentStore(db, "hub_news_attachments")

    def put(self, attachment: Attachment, now: datetime) -> None:
        """Idempotent: the same bytes are stored once. Stored before the event that references them is saved; a
        command refused afterwards leaves unreferenced bytes, never a reference without bytes."""
        self.contents.put(attachment.content, attachment.media_type, now)

    def get(self, sha256: str) -> bytes | None:
        return self.contents.get(sha256)
