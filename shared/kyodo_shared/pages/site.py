"""A service's pages: which of its templates, catalogs and routes, under which path prefix — and the pages app
built from them beside the service's API app (`web.app.create_service_app`).

The gateway (`web.gateway`) sends a path whose first segment is a service's prefix to that service's pages app,
path unchanged, and every other path (the portal, `/auth/`, `/static/`) to info-hub's. Each service renders only
its own domain from its own store and read models; no page calls another service's API.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders, QueryParams
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kyodo_shared.pages.errors import install_page_errors
from kyodo_shared.pages.login import login_router
from kyodo_shared.pages.render import build_environment, security_headers
from kyodo_shared.runtime import Kernel
from kyodo_shared.settings import KernelSettings
from kyodo_shared.web.auth import JwksVerifier
from kyodo_shared.web.messages import MessageTable

# `/static/<name>?v=<content hash>` (render.static_url): the URL changes with the content, so it may be kept a year.
VERSIONED_ASSET_CACHE = "public, max-age=31536000, immutable"

# The portal's sections, on every page of every service (path, English msgid translated by the catalogs).
PORTAL_NAV: tuple[tuple[str, str], ...] = (
    ("/", "Home"),
    ("/groups", "Groups"),
    ("/calls", "Calls"),
    ("/screening-results", "Screening"),
    ("/evaluation-reports", "Evaluation"),
    ("/trainings", "Trainings"),
    ("/news", "News"),
    ("/surveys", "Surveys"),
    ("/open-data", "Open data"),
    ("/transparency", "Transparency"),
)


@dataclass(frozen=True)
class NavItem:
    href: str
    label: str
    current: bool


@dataclass(frozen=True)
class Workspace:
    """A starting point of a role's work on a service's index page (`/<service>/`): its path, an English msgid
    (N_-marked where declared) and the roles it is for (shown to a logged-in reader holding one of them)."""

    href: str
    label: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class PageSite:
    """`service`: the service's name; `package`: its package holding `templates/` and `locale/` (None: the kit's
    pages only); `prefix`: the first path segment its pages answer under ("" for info-hub, the portal)."""

    service: str
    package: str | None = None
    routers: Sequence[APIRouter] = field(default=())
    prefix: str = ""
    # Status messages a workspace form's redirect may show (`?done=<key>`, pages/actions.py): key → English msgid,
    # each written as N_("…") where it is declared so the catalog test sees it.
    notices: Mapping[str, str] = field(default_factory=dict)
    # Page paths (patterns searched in the path) whose form posts may exceed `http.max_body_bytes` — an upload —
    # with their own limit, as `create_service_app(larger_bodies=…)` for the API.
    larger_bodies: Mapping[str, int] = field(default_factory=dict)
    # The workspaces the service's index lists for the reader's roles.
    workspaces: Sequence[Workspace] = field(default=())
    # Page route prefixes never counted in /metrics, as `create_service_app(unmetered=…)` for the API: pages whose
    # requests' number or outcome is sealed (a group's proposal before the deadline).
    unmetered: Sequence[str] = field(default=())

    def navigation(self, path: str) -> list[NavItem]:
        def current(href: str) -> bool:
            return path == href if href == "/" else path == href or path.startswith(href + "/")

        return [NavItem(href, label, current(href)) for href, label in PORTAL_NAV]


def build_pages_app(
    site: PageSite, *, kernel: Kernel, verifier: JwksVerifier, settings: KernelSettings, messages: MessageTable
) -> FastAPI:
    """The service's pages: its routes, the kit's (`/auth/…`, `/static/…`, a service's index and transparency
    pages) and HTML error pages. No OpenAPI: pages are for people; the API documents itself."""
    from kyodo_shared.pages.kit_pages import kit_router  # the kit's own pages use render, as services' do

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.kernel, app.state.verifier, app.state.settings = kernel, verifier, settings
    app.state.site = site
    # Page form handlers word a Refusal with the API's own message table (pages/forms.py).
    app.state.messages = messages
    app.state.templates = build_environment(site.package)
    # The pages' CSP depends only on the configuration (the identity provider's origin): computed once, here.
    app.state.security_headers = security_headers(settings)
    for router in site.routers:
        app.include_router(router)
    app.include_router(kit_router(site))
    app.include_router(login_router(settings))
    # The kit's assets, then the service's own (`<package>/static/`, e.g. a page's script), under one `/static/`.
    packages: list[str | tuple[str, str]] = [("kyodo_shared.pages", "static")]
    if site.package and resources.files(site.package).joinpath("static").is_dir():
        packages.append((site.package, "static"))
    app.mount("/static", AssetHeaders(StaticFiles(packages=packages)), name="static")
    install_page_errors(app, messages)
    app.add_middleware(PageHeaders)
    return app


# Every answer of a pages app that did not set its own: a download (a receipt, the bylaws), a redirect, an asset.
# Rendered pages carry the full set with their CSP (render.security_headers); anything else may not be framed,
# sniffed, or run as a document.
_BASELINE_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'; base-uri 'none'"),
)


class PageHeaders:
    """Adds the baseline security headers to any answer of the pages app lacking them (pure ASGI, as the
    kernel's other middleware: web/app.py ObserveMiddleware says why)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend((name, value) for name, value in _BASELINE_HEADERS if name not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


class AssetHeaders:
    """Every `/static/` answer (304s and 404s too) with `X-Content-Type-Options: nosniff`; a versioned URL
    (`?v=…`) is cached for a year, any other revalidated (ETag) on each use."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        versioned = bool(QueryParams(scope.get("query_string", b"").decode("latin-1")).get("v"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                if message["status"] in (200, 304):
                    headers["Cache-Control"] = VERSIONED_ASSET_CACHE if versioned else "no-cache"
            await send(message)

        await self.app(scope, receive, send_with_headers)
