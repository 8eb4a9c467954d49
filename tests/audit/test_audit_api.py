"""The auditor's API over HTTP: chain fields always, bodies only as the visibility policy allows."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from pathlib import Path

import nats

from kyodo_shared.audit.checkpoints import sign_checkpoint
from kyodo_shared.audit.keys import SigningKeys
from kyodo_shared.audit.publisher import CheckpointPublisher
from kyodo_shared.audit.visibility import EventPolicy, VisibilityPolicy, sealed
from kyodo_shared.web.devissuer import DevIssuer

from support.harness import Backend, Platform, eventually, platform, settings_for
from support.registry import CRITERIA, application

CHAIN_FIELDS = {"position", "originator_id", "originator_version", "type", "topic", "state_hash", "link"}


async def registered_history(p: Platform) -> str:
    registry = p.clients["registry"]
    created = await registry.post("/groups", json=application(), headers=p.token("rep-1", "group"))
    group_id, etag = created.json()["id"], created.headers["ETag"]
    response = await registry.post(
        f"/groups/{group_id}/assessments",
        json={"criterion": CRITERIA[0], "met": True, "reason": "確認"},
        headers={**p.token("coord-1", "coordinator"), "If-Match": etag},
    )
    assert response.status_code == 200
    return str(group_id)


async def chained_events(p: Platform, count: int) -> list[dict[str, object]]:
    auditor = p.token("auditor-1", "auditor")

    async def all_chained() -> list[dict[str, object]] | None:
        items: list[dict[str, object]] = (await p.clients["registry"].get("/audit/events", headers=auditor)).json()[
            "items"
        ]
        return items if len(items) >= count and all(i["link"] for i in items[:count]) else None

    found: list[dict[str, object]] = await eventually(all_chained)
    return found


async def test_the_audit_api_redacts_personal_fields_and_shows_chain_fields(
    tmp_path: Path, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    settings = settings_for("registry", Backend("sqlite", tmp_path), nats_url, bus_namespace, issuer)
    async with platform({"registry": settings}, issuer) as p:
        await registered_history(p)
        applied = (await chained_events(p, 2))[0]
        assert set(applied) >= CHAIN_FIELDS
        assert applied["type"] == "registry.Group.Applied"
        body = applied["body"]
        assert isinstance(body, dict)
        assert body["representative"] == "[personal data redacted]"
        assert body["salt"] == "[personal data redacted]"
        assert body["profile"]["name"] == "国分寺みどりの会"
        assert "hanako" not in str(applied)
        assert "state" not in applied  # not fully public: its stored bytes stay inside
        registry = p.clients["registry"]
        auditor = p.token("auditor-1", "auditor")
        events = (await registry.get("/audit/events", headers=auditor)).json()["items"]
        assessed = next(e for e in events if e["topic"].endswith("CriterionAssessed"))
        # A fully public event carries its stored bytes, which hash to the chained state hash.
        assert hashlib.sha256(base64.b64decode(assessed["state"])).hexdigest() == assessed["state_hash"]
        forbidden = await p.clients["registry"].get("/audit/events", headers=p.token("coord-1", "coordinator"))
        assert forbidden.status_code == 403


async def test_a_sealed_event_appears_only_with_its_chain_fields(
    tmp_path: Path, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    settings = settings_for("registry", Backend("sqlite", tmp_path), nats_url, bus_namespace, issuer)
    async with platform({"registry": settings}, issuer) as p:
        # Assessments sealed until a deadline not yet set (as proposals are until their call closes).
        p.apps["registry"].state.kernel.visibility = VisibilityPolicy(
            events={"kyodo_registry.domain:Group.CriterionAssessed": EventPolicy(event=sealed(lambda body: None))}
        )
        await registered_history(p)
        assessed = (await chained_events(p, 2))[1]
        assert assessed["body"] == "sealed"
        assert set(assessed) >= CHAIN_FIELDS
        assert assessed["topic"] == "kyodo_registry.domain:Group.CriterionAssessed"


async def test_checkpoints_and_their_keys_are_public(
    tmp_path: Path, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    settings = settings_for("registry", Backend("sqlite", tmp_path), nats_url, bus_namespace, issuer)
    async with platform({"registry": settings}, issuer) as p:
        await registered_history(p)
        registry = p.clients["registry"]

        async def signed() -> list[dict[str, object]]:
            items: list[dict[str, object]] = (await registry.get("/audit/checkpoints")).json()["items"]
            return items

        checkpoint = (await eventually(signed))[0]
        keys = (await registry.get("/audit/keys")).json()["keys"]
        assert checkpoint["kid"] in keys


async def test_info_hub_mirrors_every_services_checkpoints_and_keys_as_open_data(
    tmp_path: Path, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    backend = Backend("sqlite", tmp_path)
    services = {name: settings_for(name, backend, nats_url, bus_namespace, issuer) for name in ("registry", "info-hub")}
    async with platform(services, issuer) as p:
        await registered_history(p)
        registry, hub = p.clients["registry"], p.clients["info-hub"]

        async def mirrored() -> bool:
            own = (await registry.get("/audit/checkpoints")).json()["items"]
            copy = (await hub.get("/open-data/checkpoints", params={"service": "registry"})).json()["items"]
            return bool(own) and copy == own[: len(copy)] and len(copy) == len(own)

        await eventually(mirrored, timeout=20)
        keys = (await hub.get("/open-data/keys", params={"service": "registry"})).json()["keys"]
        assert keys == (await registry.get("/audit/keys")).json()["keys"]


async def test_info_hub_refuses_to_mirror_a_checkpoint_signed_by_an_unannounced_key(
    tmp_path: Path, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    backend = Backend("sqlite", tmp_path)
    services = {name: settings_for(name, backend, nats_url, bus_namespace, issuer) for name in ("registry", "info-hub")}
    async with platform(services, issuer) as p:
        await registered_history(p)
        hub = p.clients["info-hub"]

        async def mirrored() -> bool:
            return bool((await hub.get("/open-data/checkpoints", params={"service": "registry"})).json()["items"])

        await eventually(mirrored, timeout=20)
        stranger = SigningKeys.load_or_create(tmp_path / "stranger")
        forged = sign_checkpoint(stranger, "registry", 999, "00" * 32, datetime.now(UTC))
        nc = await nats.connect(nats_url)
        try:
            await CheckpointPublisher("registry", None, nc.jetstream(), bus_namespace, 1).publish(forged)
        finally:
            await nc.close()

        async def parked() -> bool:
            return any(x["source"] == "checkpoints" for x in (await hub.get("/readyz")).json()["parked"])

        await eventually(parked, timeout=20)
        items = (await hub.get("/open-data/checkpoints", params={"service": "registry"})).json()["items"]
        assert 999 not in [i["position"] for i in items]
        keys = (await hub.get("/open-data/keys", params={"service": "registry"})).json()["keys"]
        assert stranger.active not in keys


async def test_a_position_beyond_the_stores_64_bit_range_is_a_422_naming_the_field(
    tmp_path: Path, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    """Found by the schema fuzzer: such an `after` overflowed SQLite's INTEGER (PostgreSQL's bigint) into a 500."""
    settings = settings_for("registry", Backend("sqlite", tmp_path), nats_url, bus_namespace, issuer)
    async with platform({"registry": settings}, issuer) as p:
        registry, auditor = p.clients["registry"], p.token("auditor-1", "auditor")
        too_far = str(2**63)
        for path, field in (
            (f"/audit/records?after={too_far}", "after"),
            (f"/audit/records?stop={too_far}", "stop"),
            (f"/audit/events?after={too_far}", "after"),
        ):
            response = await registry.get(path, headers=auditor)
            assert response.status_code == 422, path
            assert response.headers["content-type"].startswith("application/problem+json")
            assert field in response.text
        largest = await registry.get(f"/audit/records?after={2**63 - 1}", headers=auditor)
        assert largest.status_code == 200
        assert largest.json()["items"] == []
