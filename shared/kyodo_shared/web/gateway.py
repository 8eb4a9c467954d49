"""Mounts service apps under `/api/<service>`, the paths the Kubernetes Ingress gives them, in one ASGI app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI


def mount_services(apps: Mapping[str, FastAPI], *, title: str = "Kyodo (協働)") -> FastAPI:
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
    return gateway
