"""One ASGI app for every service: APIs under `/api/<service>`, pages by path, the paths the Ingress routes too.

- `/api/<service>/…` → the service's API app (prefix stripped: it serves `/groups`, `/docs`, …).
- A path whose first segment is a service's page prefix (`/registry/…`) → that service's pages app, path unchanged.
- Every other path (`/`, `/groups/…`, `/auth/…`, `/static/…`) → the portal's pages app: info-hub's when mounted,
  else the first service's (`kyodo serve <service>` alone still serves its login and assets).
- `also`: further apps by path prefix (the embedded OIDC provider of `kyodo up` at `/oidc`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

PORTAL_SERVICE = "info-hub"


class PageDispatch:
    """Chooses the pages app by the path's first segment (a whole segment: `/screening-results` is the portal's)."""

    def __init__(self, by_prefix: Mapping[str, ASGIApp], portal: ASGIApp | None) -> None:
        self.by_prefix, self.portal = dict(by_prefix), portal

    def choose(self, path: str) -> ASGIApp | None:
        first = "/" + path.lstrip("/").split("/", 1)[0]
        return self.by_prefix.get(first, self.portal)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", "/"))
        if misleading(path):
            from fastapi.responses import HTMLResponse

            # A fixed page: the path asked for is not echoed, and no page is built from it.
            await HTMLResponse(_NOT_FOUND_PAGE, status_code=404, headers=_NOT_FOUND_HEADERS)(scope, receive, send)
            return
        app = self.choose(path)
        if app is None:
            from fastapi.responses import PlainTextResponse

            await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)
            return
        await app(scope, receive, send)


_NOT_FOUND_PAGE = (
    '<!doctype html><html lang="ja"><meta charset="utf-8"><title>ページが見つかりません (Not Found)</title>'
    '<h1>ページが見つかりません</h1><p lang="en">Not Found</p><p><a href="/">協働 Kyodo</a></p></html>'
)
_NOT_FOUND_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-cache",
}


def misleading(path: str) -> bool:
    """A page path a browser would read as another host if a link were built from it: `//host/…` (also from
    `/%2F%2Fhost`, decoded before routing) or one with a backslash (`/\\host` is `//host` to browsers). No page
    has such a path."""
    return path.startswith("//") or "\\" in path


def mount_services(
    apps: Mapping[str, FastAPI], *, title: str = "Kyodo (協働)", also: Mapping[str, ASGIApp] | None = None
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Starlette does not run a mounted app's lifespan; each service's kernel starts and stops here.
        async with AsyncExitStack() as stack:
            for app in apps.values():
                await stack.enter_async_context(app.router.lifespan_context(app))
            yield

    gateway = FastAPI(title=title, lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)

    @gateway.get("/api", include_in_schema=False)
    def index() -> dict[str, object]:
        return {
            "name": "Kyodo (協働)",
            "services": {
                name: {
                    "base": f"/api/{name}",
                    "openapi": f"/api/{name}/openapi.json",
                    "docs": f"/api/{name}/docs",
                    "asyncapi": f"/api/{name}/asyncapi.yaml",
                }
                for name in apps
            },
        }

    for name, app in apps.items():
        gateway.mount(f"/api/{name}", app)
    for prefix, extra in (also or {}).items():
        gateway.mount(prefix, extra)
    gateway.mount("", page_dispatch(apps))
    return gateway


def page_dispatch(apps: Mapping[str, FastAPI]) -> PageDispatch:
    pages = {name: app.state.pages for name, app in apps.items() if getattr(app.state, "pages", None) is not None}
    by_prefix = {apps[name].state.page_prefix: site for name, site in pages.items() if apps[name].state.page_prefix}
    portal = pages.get(PORTAL_SERVICE) or next(iter(pages.values()), None)
    return PageDispatch(by_prefix, portal)
