"""Page routes: one router style for every service's pages.

Like the API's `service_router`, a plain `def` page runs in one `asyncio.to_thread` hop (`CheckedRoute`): pages read
the store and the read models, which block; a query or path parameter holding a control character is refused (422),
as the API's are. The viewer (who is logged in, if anyone) is resolved first, on the event loop, because verifying
the session's token may fetch the identity provider's keys.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from kyodo_shared.pages.session import resolve_viewer
from kyodo_shared.web.routes import CheckedRoute


def page_router(prefix: str = "") -> APIRouter:
    return APIRouter(
        prefix=prefix,
        route_class=CheckedRoute,
        include_in_schema=False,
        default_response_class=HTMLResponse,
        dependencies=[Depends(resolve_viewer)],
    )
