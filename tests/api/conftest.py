"""A running registry (real NATS; SQLite and PostgreSQL stores) with a dev issuer, for HTTP-level tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from kyodo_shared.web.devissuer import DevIssuer

from support.harness import Backend, Platform, platform, settings_for


@pytest.fixture(params=["sqlite", "postgres"])
def api_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "sqlite":
        return Backend("sqlite", tmp_path)
    return Backend("postgres", tmp_path, request.getfixturevalue("pg_database"))


@pytest_asyncio.fixture(loop_scope="session")
async def registry(tmp_path: Path, nats_url: str, bus_namespace: str, api_backend: Backend) -> AsyncIterator[Platform]:
    issuer = DevIssuer.load_or_create(tmp_path / "issuer")
    auth = issuer.settings().model_copy(update={"min_refresh_interval_seconds": 0.0})
    settings = settings_for("registry", api_backend, nats_url, bus_namespace, issuer, auth=auth)
    async with platform({"registry": settings}, issuer) as p:
        yield p
