"""`kyodo audit verify` against a running service on PostgreSQL: by database and by the audit API's URL alone,
over a history with a notification-id gap left by a lost 409 race (a gap is not a deletion).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from eventsourcing.persistence import IntegrityError

from kyodo_contracts.registry import CRITERIA_ORDER
from kyodo_registry.app import RegistryApplication
from kyodo_shared.settings import StoreSettings
from kyodo_shared.web.devissuer import DevIssuer

from support.harness import eventually
from support.procs import child, free_port, kyodo_serve, serve_env
from support.registry import apply_directly, assess_directly, registry_app

TRACE = {"correlation_id": "c", "causation_id": "c", "actor": "a"}
ISSUER = "https://id.test.invalid"


def history_with_a_gap(store: StoreSettings, vault: Path) -> None:
    app: RegistryApplication = registry_app(store, vault)
    other: RegistryApplication = registry_app(store, vault)
    try:
        group_id = apply_directly(app, "g", "rep", {"name": "x"}).id
        stale = app.get_group(group_id)
        assess_directly(other, group_id, CRITERIA_ORDER[0], by="coord-2")
        stale.assess(CRITERIA_ORDER[1], True, "後から", "coord-1", "2027-04-01", TRACE)
        with pytest.raises(IntegrityError):
            app.save(stale)  # the lost race consumes a notification id
        assess_directly(other, group_id, CRITERIA_ORDER[1], by="coord-1")
        ids = [n.id for n in app.recorder.select_notifications(start=1, limit=100)]
        assert ids != list(range(ids[0], ids[0] + len(ids))), "expected a notification-id gap"
    finally:
        app.close()
        other.close()


def kyodo(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kyodo_shared.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.smoke
async def test_an_untouched_store_with_a_gap_verifies_clean_by_database_and_by_api_only(
    tmp_path: Path, nats_url: str, bus_namespace: str, pg_database: str
) -> None:
    store = StoreSettings(backend="postgres", pg_dsn=pg_database, pg_schema="registry")
    vault = tmp_path / "registry-vault.sqlite"
    await asyncio.to_thread(history_with_a_gap, store, vault)
    issuer = DevIssuer.load_or_create(tmp_path / "issuer")
    env = serve_env("registry", tmp_path / "unused.sqlite", nats_url, bus_namespace) | {
        "KYODO_STORE__BACKEND": "postgres",
        "KYODO_STORE__PG_DSN": pg_database,
        "KYODO_STORE__PG_SCHEMA": "registry",
        "KYODO_PRIVACY__VAULT_PATH": str(vault),
        "KYODO_AUTH__ISSUER": ISSUER,
        "KYODO_AUTH__JWKS_URL": f"file://{issuer.jwks_path}",
        "KYODO_AUDIT__CHECKPOINT_EVERY_SECONDS": "0.2",
    }
    port = free_port()
    base = f"http://127.0.0.1:{port}/api/registry"
    with child(kyodo_serve("registry", port), env, tmp_path / "serve.log"):

        async def checkpointed() -> bool:
            try:
                async with httpx.AsyncClient() as client:
                    return bool((await client.get(f"{base}/audit/checkpoints")).json()["items"])
            except httpx.HTTPError:
                return False

        await eventually(checkpointed, timeout=30)
        token = issuer.mint("auditor-1", ["auditor"], extra_claims={"iss": ISSUER})
        by_api = await asyncio.to_thread(
            kyodo,
            env | {"KYODO_AUDIT_TOKEN": token},
            "audit",
            "verify",
            "registry",
            "--url",
            base,
            "--pin",
            str(tmp_path / "pins-api.json"),
        )
        by_db = await asyncio.to_thread(
            kyodo, env, "audit", "verify", "registry", "--pin", str(tmp_path / "pins-db.json")
        )
        async with httpx.AsyncClient() as client:
            records = (await client.get(f"{base}/audit/records", headers={"Authorization": f"Bearer {token}"})).json()
        # Each record names its event's published type beside the chained topic.
        types = [r["type"] for r in records["items"] if r["stored"]]
        assert types[:3] == ["registry.Group.Applied", *["registry.Group.CriterionAssessed"] * 2]
        assert "kernel.AuditCheckpoints.Signed" in types
    for result in (by_api, by_db):
        assert result.returncode == 0, result.stdout + result.stderr
        report = json.loads(result.stdout)
        assert report["ok"]
        assert report["checkpoints_valid"] >= 1
    positions = json.loads((tmp_path / "pins-api.json").read_text())["registry"]["checkpoints"]
    assert positions
