"""The kernel's HTTP layer before the kernel runs: readiness, an unexpected error's answer, correlation ids; and
`kyodo serve` refusing the development token issuer."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import structlog.testing
from fastapi import FastAPI

from kyodo_shared.service import discover
from kyodo_shared.web.auth import JwksVerifier
from kyodo_shared.web.devissuer import DEV_ISSUER, DevIssuer

from support.harness import Backend, settings_for


@pytest.fixture
def registry_app(tmp_path: Path, nats_url: str, bus_namespace: str) -> Iterator[FastAPI]:
    """The registry's app without its lifespan: the kernel never starts (nor connects to the bus)."""
    issuer = DevIssuer.load_or_create(tmp_path / "issuer")
    settings = settings_for("registry", Backend("sqlite", tmp_path), nats_url, bus_namespace, issuer)
    app = discover()["registry"].create_app(settings, JwksVerifier(settings.auth))
    yield app
    app.state.kernel.close()


async def test_readyz_fails_while_this_replica_cannot_reach_nats(registry_app: FastAPI) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=registry_app), base_url="http://t") as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"store": "ok", "bus": "unreachable"}


def test_kyodo_serve_refuses_the_development_issuer(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "KYODO_AUTH__ISSUER": DEV_ISSUER,
        "KYODO_AUTH__AUDIENCE": "kyodo",
        "KYODO_AUTH__JWKS_URL": f"file://{tmp_path}/jwks.json",
        "KYODO_STORE__SQLITE_PATH": str(tmp_path / "s.sqlite"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "kyodo_shared.cli.main", "serve", "registry", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "development token issuer" in result.stderr


async def test_an_unexpected_error_answers_500_with_its_correlation_id_is_counted_and_logged_with_the_service(
    registry_app: FastAPI,
) -> None:
    @registry_app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("unforeseen")

    transport = httpx.ASGITransport(app=registry_app, raise_app_exceptions=False)
    with structlog.testing.capture_logs() as logs:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get("/boom", headers={"X-Correlation-Id": "trace-500"})
            metrics = (await client.get("/metrics")).text
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert response.headers["X-Correlation-Id"] == "trace-500"
    assert 'kyodo_http_requests_total{method="GET",route="/boom",status="500"} 1.0' in metrics
    [line] = [entry for entry in logs if entry["event"] == "http_unhandled_error"]
    assert (line["service"], line["correlation_id"]) == ("registry", "trace-500")


async def test_a_correlation_id_that_is_not_plain_ascii_is_replaced_not_echoed(registry_app: FastAPI) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=registry_app), base_url="http://t") as client:
        # Raw header bytes, as a client may send them: UTF-8 "café".
        response = await client.get("/healthz", headers=[(b"X-Correlation-Id", "café".encode())])
    echoed = response.headers["X-Correlation-Id"]
    assert echoed.isascii()
    assert len(echoed) == 36  # a fresh UUID
