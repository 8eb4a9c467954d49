"""The bylaws as filed, downloaded from the workspace: `/registry/groups/{gid}/bylaws/file`.

The group's pages and the coordinator's assessment page link here rather than to the API's `GET
/groups/{gid}/bylaws`: that answer is made for API clients (inline, no file name, no caching rule), while a browser
opening an applicant's bylaws with its session must not keep them in its cache (a shared computer at the center),
must save them under the name they were filed with, and must never render them as a page of this site. The read is
the API's own query (`bylaws`: the group's people and coordinators, and anyone once the group is public), so the
page shows no more than the API would.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import Response

from kyodo_registry.pages.group.common import group_id_of
from kyodo_registry.routing import application
from kyodo_shared.pages.actions import signed_in
from kyodo_shared.pages.render import NOT_STORED
from kyodo_shared.pages.routing import page_router

router = page_router(prefix="/registry")
_NOT_ASCII_SAFE = re.compile(r"[^A-Za-z0-9._-]")


def bylaws_file_url(group_id: object) -> str:
    return f"/registry/groups/{group_id}/bylaws/file"


def content_disposition(filename: str) -> str:
    """RFC 6266 with RFC 5987's `filename*`: an ASCII stand-in, and the filed name percent-encoded in UTF-8 — never
    the name as it came (a quote, a semicolon or a line break in it would add parameters or headers)."""
    fallback = _NOT_ASCII_SAFE.sub("_", filename) or "bylaws"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@router.get("/groups/{group_id}/bylaws/file")
def bylaws_file(group_id: str, request: Request) -> Response:
    principal = signed_in(request)
    found = group_id_of(group_id)
    app = application(request)
    bylaws = app.bylaws(principal, found)  # refused as the API refuses it: not theirs and not public → 404
    filename = str(app.get_group(found).bylaws.get("filename") or "bylaws")
    return Response(
        bylaws.content,
        media_type=bylaws.media_type,
        headers={
            "Content-Disposition": content_disposition(filename),
            "Cache-Control": NOT_STORED,
            "X-Content-Type-Options": "nosniff",
            # Should a browser render it anyway: no script, no plugin, no request of its own, a unique origin.
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Digest": f"sha-256={bylaws.sha256}",
        },
    )
