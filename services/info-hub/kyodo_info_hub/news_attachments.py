"""The files attached to the center's news, content-addressed by SHA-256 in info-hub's own database (the table
`hub_news_attachments`, made by `info_hub_0005`). Events carry only the hash, name, media type and size; the bytes
live here (the kernel's `ContentStore`, as the registry keeps its documents), and every read checks they still match
the hash the history names.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

from kyodo_shared.store.db import Database
from kyodo_shared.store.documents import ContentStore, FileContent

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
# The file name's extension each type must carry.
EXTENSIONS = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "text/csv": (".csv",),
    "text/plain": (".txt",),
}
_MAGIC = {"application/pdf": b"%PDF-", "image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}
# An Office Open XML file: a zip with its content types and the part of its kind.
_OOXML_PART = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "word/",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xl/",
}


def extension_matches(filename: str, media_type: str) -> bool:
    return filename.lower().endswith(EXTENSIONS.get(media_type, ()))


def content_matches(media_type: str, content: bytes) -> bool:
    """Whether the bytes are what the declared type says (magic bytes; an Office file's parts and no macros; text
    in UTF-8 or CP932 without NUL). The declared type is never trusted on its own: a subscriber embeds or saves by
    it."""
    if media_type in _MAGIC:
        return content.startswith(_MAGIC[media_type])
    if media_type in _OOXML_PART:
        return _ooxml(content, _OOXML_PART[media_type])
    if media_type in ("text/csv", "text/plain"):
        return b"\x00" not in content and (_decodes(content, "utf-8") or _decodes(content, "cp932"))
    return False


def _decodes(content: bytes, encoding: str) -> bool:
    try:
        content.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _ooxml(content: bytes, part: str) -> bool:
    if not content.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    if "[Content_Types].xml" not in names or any(n.lower().endswith("vbaproject.bin") for n in names):
        return False
    return any(n.startswith(part) for n in names)


# A file as a command receives it (the kernel's, shared with the other services that keep files by content).
Attachment = FileContent


class AttachmentStore:
    def __init__(self, db: Database) -> None:
        self.contents = ContentStore(db, "hub_news_attachments")

    def put(self, attachment: Attachment, now: datetime) -> None:
        """Idempotent: the same bytes are stored once. Stored before the event that references them is saved; a
        command refused afterwards leaves unreferenced bytes, never a reference without bytes."""
        self.contents.put(attachment.content, attachment.media_type, now)

    def get(self, sha256: str) -> bytes | None:
        return self.contents.get(sha256)
