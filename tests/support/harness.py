"""Builds and runs services in-process for tests: real stores, real NATS, ASGI clients, dev tokens."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx
from fastapi import FastAPI

from kyodo_shared.service import discover
from kyodo_shared.settings import (
    AuditSettings,
    BusSettings,
    ConsumerSettings,
    KernelSettings,
    LeaseSettings,
    StoreSettings,
)
from kyodo_shared.web.auth import JwksVerifier
from kyodo_shared.web.devissuer import DevIssuer


@dataclass
class Backend:
    """Where services keep their stores: SQLite files in a folder, or schemas in one PostgreSQL database."""

    kind: str
    folder: Path
    pg_dsn: str = ""

    def store(self, service: str, schema: str) -> StoreSettings:
        if self.kind == "sqlite":
            return StoreSettings(backend="sqlite", sqlite_path=self.folder / f"{service}.sqlite")
        return StoreSettings(backend="postgres", pg_dsn=self.pg_dsn, pg_schema=schema, pg_pool_size=4)


def settings_for(
    service: str,
    backend: Backend,
    nats_url: str,
    namespace: str,
    issuer: DevIssuer,
    *,
    provision: Literal["check", "create"] = "create",
    **overrides: Any,
) -> KernelSettings:
    """A service's settings on a throwaway namespace. Nobody provisions it (`kyodo bus init`) unless the test does
    and asks for `provision="check"`: each service makes its own part, with the same definitions."""
    spec = discover()[service]
    consumer = ConsumerSettings(
        max_failures=3,
        retry_base_seconds=0.2,
        retry_max_seconds=1.0,
        hold_delay_seconds=0.2,
        idle_wait_seconds=0.5,
    )
    values: dict[str, Any] = {
        "store": backend.store(service, spec.pg_schema),
        "bus": BusSettings(nats_url=nats_url, namespace=namespace, provision=provision),
        "consumer": consumer,
        "auth": issuer.settings(),
        "audit": AuditSettings(keys_dir=backend.folder / "keys", checkpoint_every_seconds=0.5),
        "leases": LeaseSettings(ttl_seconds=2.0),
        "privacy": spec.settings_type().privacy.model_copy(
            update={"vault_path": backend.folder / f"{service}-vault.sqlite"}
        ),
    }
    values.update(overrides)
    return spec.settings_type.model_validate(values)


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan (kernel, relay, consumers) and give an HTTP client for it."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


@dataclass
class Platform:
    apps: dict[str, FastAPI]
    clients: dict[str, httpx.AsyncClient]
    issuer: DevIssuer

    def token(self, sub: str, *roles: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.mint(sub, roles)}"}


@asynccontextmanager
async def platform(
    services: Mapping[str, KernelSettings],
    issuer: DevIssuer,
    *,
    hooks: Callable[[FastAPI], None] | None = None,
) -> AsyncIterator[Platform]:
    specs = discover()
    async with AsyncExitStack() as stack:
        apps: dict[str, FastAPI] = {}
        clients: dict[str, httpx.AsyncClient] = {}
        for name, settings in services.items():
            app = specs[name].create_app(settings, JwksVerifier(settings.auth))
            if hooks is not None:
                hooks(app)
            apps[name] = app
            # Registered first so it runs last: the store closes only after the kernel's tasks have stopped.
            stack.callback(app.state.kernel.close)
            clients[name] = await stack.enter_async_context(serving(app))
        yield Platform(apps, clients, issuer)


async def eventually(check: Callable[[], Any], timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Poll an async or sync check until it returns a truthy value."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(interval)
