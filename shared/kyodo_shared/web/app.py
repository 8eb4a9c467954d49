"""The HTTP kernel of a service: FastAPI app with health, readiness, metrics, limits, correlation and auth."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import structlog
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kyodo_shared.audit.api import router as audit_router
from kyodo_shared.bus.asyncapi import render as render_asyncapi
from kyodo_shared.pages.site import PageSite, build_pages_app
from kyodo_shared.pages.swagger import install_swagger
from kyodo_shared.privacy.vault import request_keys
from kyodo_shared.runtime import Kernel
from kyodo_shared.tasks.clock import OFFSET_HEADER, iso_duration
from kyodo_shared.tasks.recorded_time import recording_on
from kyodo_shared.web.auth import JwksVerifier
from kyodo_shared.web.handlers import install_problem_handlers
from kyodo_shared.web.messages import MessageTable
from kyodo_shared.web.problems import MEDIA_TYPE, ProblemDetails

log = structlog.get_logger(__name__)

CORRELATION_HEADER = "X-Correlation-Id"
PRIVATE_NO_STORE = b"private, no-store"
MEDIA_JSON = "application/json"


class BodyLimitMiddleware:
    """Refuses bodies over the limit before the app reads them, whether or not Content-Length is sent. `larger`
    raises it for the routes whose path matches (a pattern searched in the path, e.g. an upload), and only there."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, larger: Mapping[str, int] | None = None, *, page: bool = False
    ) -> None:
        self.app, self.default_max = app, max_bytes
        self.larger = [(re.compile(pattern), limit) for pattern, limit in (larger or {}).items()]
        # A pages app answers a person: the refusal as a page, not problem+json.
        self.too_large = _too_large_page if page else _too_large

    def _limit(self, scope: Scope) -> int:
        path = str(scope.get("path", ""))
        return next((limit for pattern, limit in self.larger if pattern.search(path)), self.default_max)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self._limit(scope)
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_bytes:
            await self.too_large(scope, send)
            return
        if declared is not None:
            await self.app(scope, receive, send)
            return
        # No Content-Length (chunked): read up to the limit here, then replay the body to the app.
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message], receive), send)
                return
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > max_bytes:
                await self.too_large(scope, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay([body], receive), send)


def _replay(messages: list[Message], then: Receive) -> Receive:
    """Hands out the already-read messages, then the connection's own (so a disconnect is still seen)."""
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await then()

    return replayed


async def _too_large(scope: Scope, send: Send) -> None:
    problem = MessageTable().problem("body_too_large")
    response = JSONResponse(problem.body(scope.get("path", "")), status_code=413, media_type=MEDIA_TYPE)
    await response(scope, _noop_receive, send)


# Before the app reads anything, so without its templates: a plain page in both languages, styled by the kit.
_TOO_LARGE_PAGE = """<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>送信内容が大きすぎます | Kyodo</title><link rel="stylesheet" href="/static/kit.css"></head>
<body><main id="main" class="main"><h1>送信内容が大きすぎます</h1>
<p>選んだファイルが大きすぎるため、受け付けられませんでした。ブラウザの「戻る」でフォームに戻り、小さいファイルを選んでください。</p>
<p lang="en">The data sent is too large: the file chosen is over the limit. Go back to the form and choose a smaller
file.</p></main></body></html>"""
_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


async def _too_large_page(scope: Scope, send: Send) -> None:
    response = HTMLResponse(_TOO_LARGE_PAGE, status_code=413, headers=_PAGE_HEADERS)
    await response(scope, _noop_receive, send)


async def _noop_receive() -> Message:
    return {"type": "http.disconnect"}


def correlation_id(request: Request) -> str:
    value: str = request.state.correlation_id
    return value


def create_service_app(
    *,
    kernel: Kernel,
    verifier: JwksVerifier,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    messages: MessageTable | None = None,
    on_startup: Callable[[], Awaitable[None]] | None = None,
    unmetered: Sequence[str] = (),
    larger_bodies: Mapping[str, int] | None = None,
    pages: PageSite | None = None,
) -> FastAPI:
    """`messages`: the service's refusal messages (beside the kernel's); `unmetered`: route prefixes never counted
    in /metrics — requests whose number or outcome is itself sealed; `larger_bodies`: path patterns whose requests
    may exceed `http.max_body_bytes` (an upload), with their own limit; `pages`: the service's pages, built as a
    second app sharing the kernel (`app.state.pages`), which the gateway routes by path (`web.gateway`)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await kernel.start()
        if on_startup is not None:
            await on_startup()
        try:
            yield
        finally:
            await kernel.stop()
            kernel.close()

    app = FastAPI(
        title=title, description=description, version="1.0.0", lifespan=lifespan, docs_url=None, redoc_url=None
    )
    app.state.kernel = kernel
    app.state.verifier = verifier
    table = messages or MessageTable()
    install_problem_handlers(app, table)
    _document_problems(app)
    install_swagger(app)
    for router in [*routers, audit_router]:
        app.include_router(router)

    @app.get("/healthz", tags=["operations"], summary="Liveness")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["operations"],
        summary="Readiness (blocked tasks fail it with reason and hint)",
        responses={503: {"description": "Not ready: the same body, naming what blocks", "content": {MEDIA_JSON: {}}}},
    )
    def readyz() -> JSONResponse:
        ready, body = kernel.readiness()
        # A staging clock is said plainly, so nobody mistakes its deadlines and lapses for real ones.
        clock = kernel.service_clock.describe()
        if clock is not None:
            body["clock"] = clock
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get(
        "/asyncapi.yaml",
        tags=["events"],
        summary="AsyncAPI 3 document of the events this service publishes (CloudEvents on NATS JetStream)",
        response_class=Response,
        responses={200: {"content": {"application/yaml": {}}}},
    )
    def asyncapi() -> Response:
        return Response(render_asyncapi(kernel.service), media_type="application/yaml")

    @app.get(
        "/metrics",
        tags=["operations"],
        summary="Prometheus metrics",
        response_class=Response,
        responses={200: {"content": {"text/plain": {}}}},
    )
    def metrics() -> Response:
        return Response(generate_latest(kernel.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(ObserveMiddleware, kernel=kernel, unmetered=tuple(unmetered))
    app.add_middleware(BodyLimitMiddleware, max_bytes=kernel.settings.http.max_body_bytes, larger=larger_bodies)
    app.state.pages = None
    if pages is not None:
        site = build_pages_app(pages, kernel=kernel, verifier=verifier, settings=kernel.settings, messages=table)
        # Labelled apart in /metrics: a page and an API route may share a path (`/groups/{group_id}`).
        site.add_middleware(ObserveMiddleware, kernel=kernel, unmetered=tuple(pages.unmetered), label="page:")
        limit = kernel.settings.http.max_body_bytes
        site.add_middleware(BodyLimitMiddleware, max_bytes=limit, larger=pages.larger_bodies, page=True)
        app.state.pages = site
    app.state.page_prefix = pages.prefix if pages is not None else None
    return app


def _document_problems(app: FastAPI) -> None:
    """The OpenAPI document carries the problem+json schema every route's refusals refer to (web.routes.ApiRoute)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            problem = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(problem.pop("$defs", {}))
            schemas["Problem"] = problem
        return app.openapi_schema or generate()  # generate() keeps the document in app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


class ObserveMiddleware:
    """Correlation id, the service's clock for what the request records, metrics, and the response headers.

    Pure ASGI rather than `@app.middleware("http")`: Starlette's BaseHTTPMiddleware runs the app in an anyio task
    group and streams the response through a memory channel, which cost about a tenth of P1's CPU per command
    (bench/RESULTS.md, issue 14). The order is the same: the innermost of the kernel's middleware, inside the body
    limit."""

    def __init__(self, app: ASGIApp, kernel: Kernel, unmetered: tuple[str, ...], label: str = "") -> None:
        self.app, self.kernel, self.unmetered, self.label = app, kernel, unmetered, label

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        kernel = self.kernel
        supplied = _header(scope, b"x-correlation-id")
        # Only a well-formed id is propagated, so a header cannot smuggle text into logs and events.
        correlation = supplied if _is_token(supplied) else str(uuid.uuid4())
        scope.setdefault("state", {})["correlation_id"] = correlation
        started = time.perf_counter()
        status = 500

        async def observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-correlation-id", correlation.encode("ascii")))
                if scope["state"].get("cookie_auth"):
                    # Read with a browser's session (a group's full record, its bylaws): no cache keeps it, and a
                    # shared cache never answers another browser with it.
                    if not any(name.lower() == b"cache-control" for name, _ in headers):
                        headers.append((b"cache-control", PRIVATE_NO_STORE))
                    headers.append((b"vary", b"Cookie"))
                offset = kernel.service_clock.offset
                if offset:
                    headers.append((OFFSET_HEADER.lower().encode(), iso_duration(offset).encode()))
                message = {**message, "headers": headers}
            await send(message)

        # What the request stores is stamped by this service's clock (tasks/recorded_time.py).
        with (
            structlog.contextvars.bound_contextvars(service=kernel.service, correlation_id=correlation),
            recording_on(kernel.service_clock),
            request_keys(),
        ):
            try:
                await self.app(scope, receive, observed)
            except Exception:
                # Answered 500 by Starlette's outermost layer (web/handlers.py `on_unexpected`) unless the answer had
                # begun; counted here either way. (A cancelled request — the client gone — is not counted.)
                self._count(scope, status, started)
                raise
        self._count(scope, status, started)

    def _count(self, scope: Scope, status: int, started: float) -> None:
        route: Any = scope.get("route")
        path = getattr(route, "path", "unmatched")
        if not any(path.startswith(prefix) for prefix in self.unmetered):
            method, series = scope["method"], self.label + path
            self.kernel.metrics.http_requests.labels(method, series, str(status)).inc()
            self.kernel.metrics.http_latency.labels(method, series).observe(time.perf_counter() - started)


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return ""


def _is_token(value: str) -> bool:
    return 0 < len(value) <= 100 and value.isascii() and all(c.isalnum() or c in "-_." for c in value)
