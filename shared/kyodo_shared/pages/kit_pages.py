"""The kit's own pages in every service: its index (`/<service>/`) and its transparency page (checkpoints, keys).

(Initial version by the lead; the kit part owns and completes it.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router

if TYPE_CHECKING:
    from kyodo_shared.pages.site import PageSite


def kit_router(site: PageSite) -> APIRouter:
    router = page_router(site.prefix)
    if site.prefix:

        @router.get("/")
        def service_index(request: Request) -> HTMLResponse:
            return render(request, "kit/service_index.html", {"service": site.service})

    return router
