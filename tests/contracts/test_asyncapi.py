"""The committed AsyncAPI document is the one the contracts generate, and every service serves its own."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import yaml

from kyodo_contracts import catalog
from kyodo_shared.bus.asyncapi import document, render
from kyodo_shared.service import discover
from kyodo_shared.web.auth import JwksVerifier
from kyodo_shared.web.devissuer import DevIssuer
from kyodo_shared.web.gateway import mount_services

from support.harness import Backend, settings_for

DOC = Path(__file__).resolve().parents[2] / "docs" / "asyncapi.yaml"


@pytest.mark.smoke
def test_the_committed_asyncapi_document_is_up_to_date() -> None:
    assert DOC.read_text() == render(), "run `kyodo asyncapi --output docs/asyncapi.yaml` and commit it"


def test_every_published_contract_has_a_channel_and_a_send_operation() -> None:
    doc = yaml.safe_load(render())
    assert doc["asyncapi"].startswith("3.")
    for contract in catalog().values():
        channel = f"{contract.event_name}.v{contract.version}"
        assert channel in doc["channels"]
        assert doc["operations"][f"publish.{channel}"]["action"] == "send"


PERSONAL_FIELD_NAMES = {"name_kana", "email", "phone", "address", "birth_date", "representative", "contact"}


def test_no_published_contract_carries_a_personal_data_field() -> None:
    """Contracts do not declare personal data, and no schema has a field that would hold it."""
    doc = document()
    assert not any(m["x-personal-data"] for m in doc["components"]["messages"].values())
    for name, schema in doc["components"]["schemas"].items():
        assert not set(schema.get("properties", {})) & PERSONAL_FIELD_NAMES, name


async def test_every_service_serves_the_asyncapi_document_of_what_it_publishes_and_the_merged_one_is_their_union(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    issuer = DevIssuer.load_or_create(tmp_path / "issuer")
    apps = {}
    for name in discover():
        settings = settings_for(name, Backend("sqlite", tmp_path), nats_url, bus_namespace, issuer)
        apps[name] = discover()[name].create_app(settings, JwksVerifier(settings.auth))
    served: dict[str, set[str]] = {}
    try:
        # No lifespan: the document needs no running kernel, only the service's contracts.
        transport = httpx.ASGITransport(app=mount_services(apps))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            index = (await client.get("/api")).json()["services"]
            for name in apps:
                assert index[name]["asyncapi"] == f"/api/{name}/asyncapi.yaml"
                response = await client.get(f"/api/{name}/asyncapi.yaml")
                assert response.status_code == 200
                assert response.headers["content-type"].startswith("application/yaml")
                doc = yaml.safe_load(response.text)
                assert doc["asyncapi"].startswith("3.")
                assert name in doc["info"]["title"]
                served[name] = set(doc["channels"])
    finally:
        for app in apps.values():
            app.state.kernel.close()
    own = {
        name: {
            f"{c.event_name}.v{c.version}"
            for c in catalog().values()
            if c.source_service() in (name.replace("-", "_"), "checkpoints")
        }
        for name in apps
    }
    assert served == own
    assert "registry.group.registered.v1" in served["registry"]
    assert "checkpoints.signed.v1" in served["info-hub"]
    merged = yaml.safe_load(DOC.read_text())
    assert set(merged["channels"]) == set().union(*served.values())
