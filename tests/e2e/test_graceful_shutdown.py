"""SIGTERM under load: the replica stops taking requests, finishes what it accepted, and exits in time;
every command it acknowledged is in the store.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import time
import uuid
from pathlib import Path

import httpx
import pytest

from kyodo_shared.settings import StoreSettings
from kyodo_shared.web.devissuer import DevIssuer

from support.harness import eventually
from support.procs import child, free_port, kyodo_serve, serve_env
from support.registry import application, registry_app

pytestmark = pytest.mark.smoke

ISSUER = "https://id.test.invalid"
GRACE_SECONDS = 30


async def test_sigterm_under_load_loses_no_acknowledged_command_and_exits_within_the_grace_period(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    issuer = DevIssuer.load_or_create(tmp_path / "issuer")
    sqlite_path = tmp_path / "registry.sqlite"
    env = serve_env("registry", sqlite_path, nats_url, bus_namespace) | {
        "KYODO_AUTH__ISSUER": ISSUER,
        "KYODO_AUTH__JWKS_URL": f"file://{issuer.jwks_path}",
    }
    port = free_port()
    base = f"http://127.0.0.1:{port}/api/registry"
    token = issuer.mint("rep-load", ["group"], extra_claims={"iss": ISSUER})
    acknowledged: list[str] = []
    with child(kyodo_serve("registry", port), env, tmp_path / "serve.log") as proc:

        async def up() -> bool:
            try:
                async with httpx.AsyncClient() as client:
                    return (await client.get(f"{base}/healthz")).status_code == 200
            except httpx.HTTPError:
                return False

        await eventually(up, timeout=30)

        async def client_loop(client: httpx.AsyncClient, n: int) -> None:
            while True:
                try:
                    response = await client.post(
                        f"{base}/groups",
                        json=application(name=f"負荷{n}-{uuid.uuid4().hex[:6]}"),
                        headers={"Authorization": f"Bearer {token}"},
                    )
                except httpx.HTTPError:
                    return  # the replica stopped taking requests
                if response.status_code == 201:
                    acknowledged.append(response.json()["id"])

        async with httpx.AsyncClient(timeout=10) as client:
            load = [asyncio.create_task(client_loop(client, n)) for n in range(8)]
            await asyncio.sleep(1.5)
            proc.send_signal(signal.SIGTERM)
            stopped_at = time.monotonic()
            await asyncio.wait_for(asyncio.gather(*load), timeout=GRACE_SECONDS)
            code = await asyncio.to_thread(proc.wait, GRACE_SECONDS)
        elapsed = time.monotonic() - stopped_at
    assert code == 0
    assert elapsed < GRACE_SECONDS
    # Its leases were released on the way out, so another replica takes over at once, not after expiry.
    with sqlite3.connect(sqlite_path) as conn:
        leases = conn.execute("SELECT role, expires_at FROM kyodo_leases").fetchall()
    assert leases
    assert all(expires_at == 0 for _, expires_at in leases)
    assert len(acknowledged) > 10
    app = registry_app(StoreSettings(backend="sqlite", sqlite_path=sqlite_path), tmp_path / "registry-vault.sqlite")
    try:
        for group_id in acknowledged:
            assert app.get_group(uuid.UUID(group_id)).status == "under_review"
    finally:
        app.close()
