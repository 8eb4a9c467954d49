"""The first slice over HTTP and NATS: a group applies, is assessed, registered, and appears in info-hub."""

from __future__ import annotations

import pytest

from kyodo_shared.devissuer import DevIssuer

from support.harness import Backend, eventually, platform, settings_for
from support.registry import CRITERIA, application

pytestmark = pytest.mark.smoke


async def test_a_registered_group_appears_in_the_info_hub_directory(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    services = {name: settings_for(name, backend, nats_url, bus_namespace, issuer) for name in ("registry", "info-hub")}
    async with platform(services, issuer) as p:
        registry, hub = p.clients["registry"], p.clients["info-hub"]
        created = await registry.post("/groups", json=application(), headers=p.token("rep-1", "group"))
        assert created.status_code == 201, created.text
        group_id, etag = created.json()["id"], created.headers["ETag"]
        for criterion in CRITERIA:
            assessed = await registry.post(
                f"/groups/{group_id}/assessments",
                json={"criterion": criterion, "met": True, "reason": "会則と活動実績で確認"},
                headers={**p.token("coord-1", "coordinator"), "If-Match": etag},
            )
            assert assessed.status_code == 200, assessed.text
            etag = assessed.headers["ETag"]
        assert assessed.json()["status"] == "registered"

        async def listed() -> bool:
            page = (await hub.get("/groups")).json()
            return page["total"] == 1 and page["items"][0]["id"] == group_id

        await eventually(listed)
        entry = (await hub.get(f"/groups/{group_id}")).json()
        assert entry["name"] == "国分寺みどりの会"
        assert "representative" not in entry
        assert "hanako" not in str(entry)
