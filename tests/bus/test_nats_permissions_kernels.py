"""The proof that the shipped permissions suffice: services run in-process (as tests/support/harness.py does), each
under its own NATS user with the credentials in KYODO_BUS__NATS_URL and namespace `kyodo`, against a nats-server
started from deploy/nats/nats-server.conf. Their relays create their streams and publish, their audit publishers sign
checkpoints, their consumers create durable consumers and apply — and the server logs no refused subject."""

from __future__ import annotations

from pathlib import Path

from kyodo_shared.bus.permissions import NAMESPACE
from kyodo_shared.web.devissuer import DevIssuer

from support.harness import Backend, eventually, platform, settings_for
from support.nats_conf import configured_nats
from support.registry import CRITERIA, application


async def test_registry_and_info_hub_publish_and_consume_under_their_own_users(
    tmp_path: Path, issuer: DevIssuer
) -> None:
    backend = Backend("sqlite", tmp_path)
    with configured_nats() as server:
        services = {
            name: settings_for(name, backend, server.url(name), NAMESPACE, issuer) for name in ("registry", "info-hub")
        }
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

            async def listed() -> bool:
                page = (await hub.get("/groups")).json()
                return bool(page["total"] == 1 and page["items"][0]["id"] == group_id)

            # registry's relay → KYODO_REGISTRY → info-hub's durable consumer info_hub__registry.
            await eventually(listed, timeout=30)
            consumers = {c.source: c for c in p.apps["info-hub"].state.kernel.consumers}
            # Both services' audit publishers → KYODO_CHECKPOINTS → info_hub__checkpoints.
            await eventually(lambda: consumers["checkpoints"].tracked >= 2, timeout=30)
            for name in ("registry", "info-hub"):
                ready = (await p.clients[name].get("/readyz")).json()
                assert ready["checks"]["bus"] == "ok", ready
                assert ready["relay"]["status"] == "ok", ready
                assert ready["audit"]["checkpoints"] == "ok", ready
                assert ready["blocked"] == [], ready
        assert server.violations() == [], server.violations()
