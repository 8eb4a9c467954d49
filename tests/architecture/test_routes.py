"""Every route of every service runs off the event loop in one `asyncio.to_thread` hop (web.routes.ThreadRoute):
no plain `def` endpoint is left to Starlette's anyio thread pool (two hops; measured ~1.8 ms CPU more per request,
bench/RESULTS.md "Issue 10")."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import threading
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from kyodo_shared.web.routes import ThreadRoute, service_router

PACKAGES = ["kyodo_registry", "kyodo_proposals", "kyodo_info_hub", "kyodo_shared.audit"]


def routers_of(package: str) -> dict[str, APIRouter]:
    found: dict[str, APIRouter] = {}
    root = importlib.import_module(package)
    for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, APIRouter) and value.routes:
                found.setdefault(f"{info.name}.{name}", value)
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_every_route_of_a_service_is_a_thread_route(package: str) -> None:
    routers = routers_of(package)
    assert routers, f"no routers found in {package}"
    plain = [
        f"{where}: {route.path}"
        for where, router in routers.items()
        for route in router.routes
        if isinstance(route, APIRoute) and not (isinstance(route, ThreadRoute) and _async(route))
    ]
    assert plain == [], f"routes not declared on web.routes.service_router: {plain}"


def _async(route: APIRoute) -> bool:
    return inspect.iscoroutinefunction(route.dependant.call)


async def test_a_plain_def_route_runs_in_asyncios_worker_threads_not_on_the_loop() -> None:
    router = service_router(prefix="/probe", tags=["probe"])
    seen: list[str] = []

    @router.get("/thread")
    def where(echo: int) -> dict[str, Any]:
        seen.append(threading.current_thread().name)
        return {"echo": echo}

    app = FastAPI()
    app.include_router(router)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        answer = await client.get("/probe/thread", params={"echo": 3})
    assert answer.json() == {"echo": 3}
    assert len(seen) == 1
    assert seen[0] != threading.main_thread().name
    assert not seen[0].startswith("AnyIO")
