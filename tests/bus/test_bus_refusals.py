"""A service whose NATS user may not do what its code needs is not ready, naming the refused subject: NATS drops a
refused request or publish and says so only on the connection's error callback, so without this a consumer refused
its pulls would look like one waiting on an idle stream (bus/refusals.py)."""

from __future__ import annotations

from pathlib import Path

import structlog

from kyodo_shared.bus.permissions import NAMESPACE, OPERATOR
from kyodo_shared.bus.refusals import RECENT_SECONDS, BusRefusals
from kyodo_shared.cli.bus_init import init_bus
from kyodo_shared.observability.metrics import KernelMetrics
from kyodo_shared.settings import BusSettings, ConsumerSettings
from kyodo_shared.web.devissuer import DevIssuer

from support.harness import Backend, eventually, platform, settings_for
from support.nats_conf import configured_nats


async def test_a_service_connected_as_another_services_user_is_not_ready_naming_the_refused_subject(
    tmp_path: Path, issuer: DevIssuer
) -> None:
    backend = Backend("sqlite", tmp_path)
    with configured_nats() as server:
        operator = BusSettings(nats_url=server.url(OPERATOR), namespace=NAMESPACE)
        await init_bus(operator, ConsumerSettings(), wait_seconds=30)
        # proposals given the registry's URL (a Secret mixed up): it may neither pull from its consumers nor publish.
        services = {
            "registry": settings_for("registry", backend, server.url("registry"), NAMESPACE, issuer, provision="check"),
            "proposals": settings_for(
                "proposals", backend, server.url("registry"), NAMESPACE, issuer, provision="check"
            ),
        }
        with structlog.testing.capture_logs() as logs:
            async with platform(services, issuer) as p:

                async def refused() -> dict[str, object] | None:
                    answer = await p.clients["proposals"].get("/readyz")
                    bus = answer.json()["checks"]["bus"]
                    return answer.json() if answer.status_code == 503 and bus.startswith("refused: ") else None

                body = await eventually(refused, timeout=30, interval=0.2)
                # Its own stream, its source screening's stream and its consumers: the registry user's to refuse
                # (whichever was refused last is named).
                shown = str(body["checks"]["bus"]).lower()
                assert "$js.api." in shown, body
                assert "kyodo_proposals" in shown or "kyodo_screening" in shown or "proposals__" in shown, body
                registry = (await p.clients["registry"].get("/readyz")).json()
                assert registry["checks"]["bus"] == "ok", registry
                metrics = p.apps["proposals"].state.kernel.metrics.bus_refused.labels("proposals")._value.get()
                assert metrics >= 1
        denied = [e for e in logs if e["event"] == "bus_permission_denied"]
        assert denied, [e["event"] for e in logs][:50]
        assert {e["service"] for e in denied} == {"proposals"}
        assert "auth.conf" in denied[0]["hint"]


def test_a_refusal_fails_readiness_for_a_while_and_is_logged_once_per_subject() -> None:
    now = [1000.0]
    refusals = BusRefusals("proposals", KernelMetrics(), clock=lambda: now[0])
    assert refusals.recent() is None
    with structlog.testing.capture_logs() as logs:
        for _ in range(3):
            refusals.record('nats: permissions violation for publish to "kyodo.registry.x"')
        refusals.record('nats: permissions violation for subscription to "_INBOX.>"')
    assert [e["subject"] for e in logs] == ["kyodo.registry.x", "_INBOX.>"]
    assert refusals.recent() == "_INBOX.>"
    now[0] += RECENT_SECONDS + 1
    assert refusals.recent() is None
