"""/metrics on a port of its own (`kyodo serve`, `KYODO_METRICS__PORT`): only the cluster's Prometheus reaches it.

The service app (web/app.py) mounts `/metrics` beside its API, as `kyodo up` and in-process tests use it. `kyodo serve`
takes that route off the public app (`detach_metrics`: the public port answers 404 and the OpenAPI document no longer
lists it) and answers `GET /metrics` on the metrics port instead, through `ByPort`.

One uvicorn server listens on both sockets and `ByPort` chooses the app by the port the connection arrived on
(`scope["server"]`, the local address of the accepted socket). Rather than prometheus_client's `start_http_server`
(a thread with an HTTP server of its own: outside uvicorn's drain, answering every path, a taken port seen only in a
log) or a second `uvicorn.Server` in the same loop (two sets of signal handlers, two shutdowns to order): one
server has one lifespan (the kernel's), one signal handling and one graceful shutdown for both ports.
"""

from __future__ import annotations

import socket

from fastapi import FastAPI
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

METRICS_PATH = "/metrics"


def detach_metrics(app: FastAPI) -> CollectorRegistry:
    """Takes `/metrics` off the service app (before it serves anything) and returns the registry it exposed."""
    app.router.routes[:] = [route for route in app.router.routes if getattr(route, "path", None) != METRICS_PATH]
    app.openapi_schema = None
    registry: CollectorRegistry = app.state.kernel.metrics.registry
    return registry


class MetricsApp:
    """The metrics port's whole app: `GET /metrics` in Prometheus' text format; any other path 404."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1000})
            return
        response: Response
        if scope["path"] != METRICS_PATH:
            response = PlainTextResponse("Not Found", status_code=404)
        elif scope["method"] not in ("GET", "HEAD"):
            response = PlainTextResponse("Method Not Allowed", status_code=405, headers={"Allow": "GET, HEAD"})
        else:
            response = Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)
        await response(scope, receive, send)


class ByPort:
    """Connections to `metrics_port` go to `metrics`; every other connection, and the lifespan, to `public`."""

    def __init__(self, public: ASGIApp, metrics: ASGIApp, metrics_port: int) -> None:
        self.public, self.metrics, self.metrics_port = public, metrics, metrics_port

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        server = scope.get("server") if scope["type"] != "lifespan" else None
        on_metrics_port = server is not None and server[1] == self.metrics_port
        await (self.metrics if on_metrics_port else self.public)(scope, receive, send)


def listen(host: str, port: int) -> socket.socket:
    """A bound TCP socket (uvicorn's own options: SO_REUSEADDR, inheritable); the server listens when it starts.
    Raises OSError when the address is taken or not this host's."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock
