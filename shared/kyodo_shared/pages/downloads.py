"""A file a page hands a signed-in reader to keep — a signed receipt, the bylaws as filed: one way on every service.

`private_file(content, media_type, filename, headers)` answers it as an attachment under the name it was filed with,
kept by no cache (a shared computer at the center must not keep another person's file), and never as a page of this
site: nosniff, and should a browser render it anyway, a CSP with no script, plugin or request of its own and a
unique origin. `headers`: the file's own (a digest).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote

from fastapi.responses import Response

from kyodo_shared.pages.render import NOT_STORED

__all__ = ["content_disposition", "private_file"]

_NOT_ASCII_SAFE = re.compile(r"[^A-Za-z0-9._-]")


def content_disposition(filename: str) -> str:
    """RFC 6266 with RFC 5987's `filename*`: an ASCII stand-in, and the filed name percent-encoded in UTF-8 — never
    the name as it came (a quote, a semicolon or a line break in it would add parameters or headers)."""
    fallback = _NOT_ASCII_SAFE.sub("_", filename) or "file"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def private_file(
    content: bytes | str, media_type: str, filename: str, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": content_disposition(filename),
            "Cache-Control": NOT_STORED,
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            **(headers or {}),
        },
    )
