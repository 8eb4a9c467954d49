"""The bylaws as filed, downloaded from the workspace: `/registry/groups/{gid}/bylaws/file`.

The group's pages and the coordinator's assessment page link here rather than to the API's `GET
/groups/{gid}/bylaws`: that answer is made for API clients (inline, no file name, no caching rule), while a browser
opening an applicant's bylaws with its session must not keep them in its cache (a shared computer at the center),
must save them under the name they were filed with, and must never render them as a page of this site. The read is
the API's own query (`bylaws`: the group's people and coordinators, and anyone once the group is public), so the
page shows no more than the API would.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from kyodo_registry.pages.group.common import group_id_of
from kyodo_registry.routing import application
from kyodo_shared.pages.actions import signed_in
from kyodo_shared.pages.downloads import private_file
from kyodo_shared.pages.routing import page_router

router = page_router(prefix="/registry")


def bylaws_file_url(group_id: object) -> str:
    return f"/registry/groups/{group_id}/bylaws/file"


@router.get("/groups/{group_id}/bylaws/file")
def bylaws_file(group_id: str, request: Request) -> Response:
    principal = signed_in(request)
    found = group_id_of(group_id)
    app = application(request)
    bylaws = app.bylaws(principal, found)  # refused as the API refuses it: not theirs and not public → 404
    filename = str(app.get_group(found).bylaws.get("filename") or "bylaws")
    return private_file(bylaws.content, bylaws.media_type, filename, {"Digest": f"sha-256={bylaws.sha256}"})
