"""A running registry (SQLite store, real NATS) with a dev issuer, for HTTP-level tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from kyodo_shared.devissuer import DevIssuer

from support.harness import Backend, Platform, platform, settings_for


@pytest_asyncio.fixture(loop_scope="session")
async def registry(tmp_path: Path, nats_url: str, bus_namespace: str) -> AsyncIterator[Platform]:
    issuer = DevIssuer.load_or_create(tmp_path / "issuer")
    auth = issuer.settings().model_copy(update={"min_refresh_interval_seconds": 0.0})
    settings = settings_for("registry", Backend("sqlite", tmp_path), nats_url, bus_namespace, issuer, auth=auth)
    async with platform({"registry": settings}, issuer) as p:
        yield p
