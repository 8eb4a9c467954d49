"""Every group, for the coordinator's decisions: `/registry/decisions` — search by name, field, area and any status
(coordinators may list applications and dissolved groups too), each linking to its decisions and assessments.

Read by the application query the API's `GET /groups` answers with (`find_groups`), so the page lists what a
coordinator's token lists there.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from kyodo_registry.domain import GroupStatus
from kyodo_registry.pages.coordinator.common import QUEUE, coordinator
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.paths import breadcrumbs
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router
from kyodo_shared.web.pagination import Paging

router = page_router(prefix="/registry")
STATUS_PATTERN = f"^({'|'.join(GroupStatus)})?$"


@router.get("/decisions")
def groups(
    request: Request,
    paging: Paging,
    q: Annotated[str, Query(max_length=100)] = "",
    status: Annotated[str, Query(pattern=STATUS_PATTERN)] = "",
) -> HTMLResponse:
    principal, app = coordinator(request)
    found, total = app.find_groups(
        principal, GroupStatus(status) if status else None, "", "", q, paging.offset, paging.limit
    )
    return render(
        request,
        "registry/coord_groups.html",
        {
            "groups": found,
            "statuses": [str(s) for s in GroupStatus],
            "filters": {"q": q, "status": status},
            "listing": {"page": paging.page, "per_page": paging.per_page, "total": total},
            "breadcrumbs": breadcrumbs(
                request,
                (QUEUE, gettext(request, "Assessment queue")),
                ("/registry/decisions", gettext(request, "Groups and decisions")),
            ),
        },
    )
