"""The first slice over HTTP and NATS: a group applies, is assessed, registered, and appears in info-hub."""

from __future__ import annotations

import nats
import pytest
import structlog

from kyodo_contracts import stream_name
from kyodo_shared.bus.cloudevents import H_CORRELATION, H_TYPE
from kyodo_shared.web.devissuer import DevIssuer

from support.harness import Backend, eventually, platform, settings_for
from support.registry import CRITERIA, application

pytestmark = pytest.mark.smoke

PERSONAL = ("山田 花子", "hanako@example.jp", "042-300-0000")


async def test_a_registered_group_appears_in_the_info_hub_directory(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    services = {name: settings_for(name, backend, nats_url, bus_namespace, issuer) for name in ("registry", "info-hub")}
    with structlog.testing.capture_logs() as logs:
        async with platform(services, issuer) as p:
            registry, hub = p.clients["registry"], p.clients["info-hub"]
            created = await registry.post(
                "/groups",
                json=application(),
                headers={**p.token("rep-1", "group"), "X-Correlation-Id": "req-apply-1"},
            )
            assert created.status_code == 201, created.text
            assert created.headers["X-Correlation-Id"] == "req-apply-1"
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
            assert entry["registered_at"].endswith("+09:00")
            for value in PERSONAL:
                assert value not in str(entry)

            nc = await nats.connect(nats_url)
            try:
                first = await nc.jetstream().get_msg(stream_name(bus_namespace, "registry"), 1)
            finally:
                await nc.close()
            assert first.headers is not None
            assert first.headers[H_TYPE] == "jp.kyodo.registry.group.applied.v1"
            assert first.headers[H_CORRELATION] == "req-apply-1"
    for line in map(str, logs):
        for value in PERSONAL:
            assert value not in line
