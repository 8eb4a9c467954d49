"""The assessment queue (審査待ち一覧): `/registry/assessments`, the groups waiting for a coordinator's
assessment, the longest-waiting first — applications, re-applications, and re-checks after changed bylaws, a new
tie or an assessor's declared interest — with whether information was asked for and answered."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from kyodo_registry.pages.coordinator.common import QUEUE, coordinator
from kyodo_registry.pages.coordinator.reads import assessment_queue
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.paths import breadcrumbs
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router
from kyodo_shared.web.pagination import Paging

router = page_router(prefix="/registry")


@router.get("/assessments")
def queue(request: Request, paging: Paging) -> HTMLResponse:
    principal, app = coordinator(request)
    waiting, total = assessment_queue(app, principal.sub, paging.offset, paging.limit)
    return render(
        request,
        "registry/coord_queue.html",
        {
            "waiting": waiting,
            "listing": {"page": paging.page, "per_page": paging.per_page, "total": total},
            "breadcrumbs": breadcrumbs(
                request,
                ("/registry/", gettext(request, "Group registry")),
                (QUEUE, gettext(request, "Assessment queue")),
            ),
        },
    )
