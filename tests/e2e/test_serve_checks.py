"""`kyodo serve` starts only on explicit configuration, and a key outage of the issuer never reads as "Forbidden"."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from kyodo_shared.cli.serve import REQUIRED, missing_settings
from kyodo_shared.service import discover
from kyodo_shared.web.auth import JwksVerifier
from kyodo_shared.web.devissuer import DevIssuer

from support.harness import Backend, settings_for


def serve(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("KYODO_") or k.startswith("KYODO_TEST_")}
    return subprocess.run(
        [sys.executable, "-m", "kyodo_shared.cli.main", "serve", "registry", "--host", "127.0.0.1", "--port", "1"],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_kyodo_serve_with_no_kyodo_settings_exits_2_naming_every_missing_variable() -> None:
    result = serve({})
    assert result.returncode == 2, result.stdout + result.stderr
    for name in REQUIRED:
        assert name in result.stderr
    assert "Configuration" in result.stderr
    assert "deploy/" in result.stderr
    assert "Traceback" not in result.stderr


def test_kyodo_serve_on_postgres_without_a_dsn_names_the_dsn_variable() -> None:
    result = serve(
        {
            "KYODO_STORE__BACKEND": "postgres",
            "KYODO_BUS__NATS_URL": "nats://127.0.0.1:1",
            "KYODO_AUTH__ISSUER": "https://id.test.invalid",
            "KYODO_AUTH__AUDIENCE": "kyodo",
            "KYODO_AUTH__JWKS_URL": "https://id.test.invalid/jwks.json",
        }
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "KYODO_STORE__PG_DSN" in result.stderr
    assert "KYODO_BUS__NATS_URL" not in result.stderr


def test_the_store_location_required_depends_on_the_backend() -> None:
    full = dict.fromkeys(REQUIRED, "x")
    assert missing_settings({**full, "KYODO_STORE__BACKEND": "sqlite"}) == ["KYODO_STORE__SQLITE_PATH"]
    assert missing_settings({**full, "KYODO_STORE__BACKEND": "postgres", "KYODO_STORE__PG_DSN": "postgresql://d"}) == []
    assert missing_settings({**full, "KYODO_AUTH__AUDIENCE": ""}) == ["KYODO_AUTH__AUDIENCE"]


async def test_an_unreachable_key_set_answers_503_authentication_unavailable_not_forbidden(tmp_path: Path) -> None:
    issuer = DevIssuer.load_or_create(tmp_path / "issuer")
    # Never started: no bus is reached.
    settings = settings_for("registry", Backend("sqlite", tmp_path), "nats://127.0.0.1:1", "kyodot", issuer)
    # The issuer's JWKS file is gone: its keys cannot be fetched.
    gone = settings.auth.model_copy(update={"jwks_url": (tmp_path / "missing-jwks.json").as_uri()})
    app = discover()["registry"].create_app(settings, JwksVerifier(gone))
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            token = issuer.mint("coord", ["coordinator"])
            response = await client.get("/groups", headers={"Authorization": f"Bearer {token}"})
    finally:
        app.state.kernel.close()
    body = response.json()
    assert response.status_code == 503, body
    assert body["code"] == "jwks_unavailable"
    assert "Forbidden" not in str(body)
    assert "認証の確認ができません" in str(body)
