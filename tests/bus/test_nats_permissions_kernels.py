"""The proof that the shipped permissions suffice: the five services run in-process (as tests/support/harness.py does),
each under its own NATS user with the credentials in KYODO_BUS__NATS_URL and namespace `kyodo`, against a nats-server
started from deploy/nats/nats-server.conf, with KYODO_BUS__PROVISION=check as deployed. Started before the bus is
provisioned they wait, not ready, naming `kyodo bus init`, and try nothing they may not; the operator's user runs it
(no service user may create a stream or consumer) and they go on by themselves. Their relays publish, their audit
publishers sign checkpoints, every consumer pulls from its durable consumer and applies; after a restart they check the
streams against what they applied; `kyodo replay --from-scratch` rebuilds info-hub as the operator — and the server
logs no refused subject. `kyodo relay reset` deletes a stream: the service's user may not, the operator's may."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any

import nats

from kyodo_contracts import stream_name
from kyodo_shared.bus.permissions import NAMESPACE, OPERATOR, SOURCES
from kyodo_shared.cli.bus_init import init_bus
from kyodo_shared.settings import KernelSettings
from kyodo_shared.web.devissuer import DevIssuer

from support.cli import kyodo_as
from support.harness import Backend, Platform, eventually, platform, settings_for
from support.nats_conf import ConfiguredNats, configured_nats
from support.registry import register_group


async def last_sequence(server: ConfiguredNats, service: str) -> int:
    nc = await nats.connect(server.url(OPERATOR))
    try:
        return int((await nc.jetstream().stream_info(stream_name(NAMESPACE, service))).state.last_seq)
    finally:
        await nc.close()


async def applied_everywhere(p: Platform, server: ConfiguredNats, source: str) -> bool:
    """Every service that consumes `source` has applied its stream to the end."""
    last = await last_sequence(server, source)
    return last > 0 and all(
        consumer.tracked == last
        for name, app in p.apps.items()
        for consumer in app.state.kernel.consumers
        if consumer.source == source and source in SOURCES[name]
    )


async def provision_as_operator(server: ConfiguredNats, settings: KernelSettings) -> None:
    """`kyodo bus init`, as the Job runs it: the operator's user, before the services."""
    bus = settings.bus.model_copy(update={"nats_url": server.url(OPERATOR)})
    await init_bus(bus, settings.consumer, wait_seconds=30)


def deployed(server: ConfiguredNats, backend: Backend, issuer: DevIssuer, names: Iterable[str]) -> dict[str, Any]:
    """Each service under its own user, checking the bus rather than making it (KYODO_BUS__PROVISION=check)."""
    return {n: settings_for(n, backend, server.url(n), NAMESPACE, issuer, provision="check") for n in names}


async def waiting_for_bus_init(p: Platform, name: str) -> bool:
    """`name`'s /readyz answers 503 with its relay and each of its consumers blocked `bus_not_provisioned` (their
    streams and durable consumers are missing), nothing blocked for another reason, each hint naming `kyodo bus init`
    (docs/OPERATIONS.md, "Provisioning the bus": "Before it has run")."""
    answer = await p.clients[name].get("/readyz")
    blocked = answer.json()["blocked"]
    waiting = {"relay", *(f"consumer:{source}" for source in SOURCES[name])}
    return (
        answer.status_code == 503
        and {b["task"] for b in blocked} == waiting
        and all(b["reason"] == "bus_not_provisioned" and "`kyodo bus init`" in b["hint"] for b in blocked)
    )


async def test_the_five_services_wait_for_bus_init_then_publish_and_consume_under_their_own_users(
    tmp_path: Path, issuer: DevIssuer
) -> None:
    backend = Backend("sqlite", tmp_path)
    with configured_nats() as server:
        services = deployed(server, backend, issuer, SOURCES)
        async with platform(services, issuer) as p:
            # A rollout whose pods start before the kyodo-bus-init Job has run: each service waits, unready.
            for name in SOURCES:
                await eventually(partial(waiting_for_bus_init, p, name), timeout=30, interval=0.2)
            # Waiting only checks (STREAM.INFO, CONSUMER.INFO): nothing a service's user may not do was tried.
            assert server.violations() == [], server.violations()

            await provision_as_operator(server, services["registry"])

            async def all_ready() -> bool:
                return all([(await p.clients[n].get("/readyz")).status_code == 200 for n in SOURCES])

            # No restart: each service sees its stream and durable consumers and goes on by itself.
            await eventually(all_ready, timeout=60, interval=0.5)
            group_id = await register_group(p, "国分寺みどりの会")

            async def listed() -> bool:
                page = (await p.clients["info-hub"].get("/groups")).json()
                return bool(page["total"] == 1 and page["items"][0]["id"] == group_id)

            # registry's relay → KYODO_REGISTRY → info_hub__registry, proposals__registry, screening__registry,
            # evaluation__registry: each created, pulled and acked by its own service's user.
            await eventually(listed, timeout=60)
            await eventually(lambda: applied_everywhere(p, server, "registry"), timeout=60)
            # The audit publishers → KYODO_CHECKPOINTS → info_hub__checkpoints.
            hub = {c.source: c for c in p.apps["info-hub"].state.kernel.consumers}
            await eventually(lambda: hub["checkpoints"].tracked >= 1, timeout=60)
            for name in SOURCES:
                ready = (await p.clients[name].get("/readyz")).json()
                assert ready["checks"]["bus"] == "ok", (name, ready)
                assert ready["relay"]["status"] == "ok", (name, ready)
                assert ready["blocked"] == [], (name, ready)

            async def all_consumers_run() -> bool:
                """Every consumer found its source's stream and its durable consumer (made by `kyodo bus init`) and
                runs: it pulls from it."""
                for name in SOURCES:
                    tasks = (await p.clients[name].get("/readyz")).json()["tasks"]
                    consumers = [t for t in tasks if t["task"].startswith("consumer:")]
                    if len(consumers) != len(SOURCES[name]) or any(t["status"] != "ok" for t in consumers):
                        return False
                return True

            await eventually(all_consumers_run, timeout=60, interval=0.5)
        assert server.violations() == [], server.violations()

        # Restarted: each relay compares its stream's last message with its store, each consumer the message at
        # its tracked sequence with what it applied there (STREAM.MSG.GET) — then goes on.
        async with platform(services, issuer) as p:
            await register_group(p, "西元町史跡の会")
            await eventually(lambda: applied_everywhere(p, server, "registry"), timeout=60)
        assert server.violations() == [], server.violations()


async def test_the_operator_replays_a_service_and_alone_resets_a_stream(tmp_path: Path, issuer: DevIssuer) -> None:
    backend = Backend("sqlite", tmp_path)
    with configured_nats() as server:
        services = deployed(server, backend, issuer, ("registry", "info-hub"))
        await provision_as_operator(server, services["registry"])
        async with platform(services, issuer) as p:
            await register_group(p, "光町子ども食堂")
            await eventually(lambda: applied_everywhere(p, server, "registry"), timeout=60)
        published = await last_sequence(server, "registry")

        # info-hub's database is lost; the operator replays the streams into it (a replay's ordered consumer is a
        # nameless consumer create, which no service user holds: its body could rewrite another's consumer).
        hub_db = services["info-hub"].store.sqlite_path
        for leftover in hub_db.parent.glob(hub_db.name + "*"):
            leftover.unlink()
        hub_operator = services["info-hub"].model_copy(
            update={"bus": services["info-hub"].bus.model_copy(update={"nats_url": server.url(OPERATOR)})}
        )
        replayed = await asyncio.to_thread(kyodo_as, hub_operator, "replay", "info-hub", "--from-scratch")
        assert replayed.returncode == 0, replayed.stdout + replayed.stderr
        assert server.violations() == [], server.violations()

        # Deleting registry's stream is the operator's: registry's own user is refused, the stream stays.
        refused = await asyncio.to_thread(kyodo_as, services["registry"], "relay", "reset", "registry")
        assert refused.returncode != 0, refused.stdout + refused.stderr
        assert "refused this user" in refused.stderr, refused.stderr
        assert "Traceback" not in refused.stderr
        assert server.violations(), "the server logs what it refused registry's user"
        assert await last_sequence(server, "registry") == published
        operator = services["registry"].model_copy(
            update={"bus": services["registry"].bus.model_copy(update={"nats_url": server.url(OPERATOR)})}
        )
        reset = await asyncio.to_thread(kyodo_as, operator, "relay", "reset", "registry")
        assert reset.returncode == 0, reset.stdout + reset.stderr
        # The reset made the stream again, empty, with the durable consumers on it the services only check for.
        assert await last_sequence(server, "registry") == 0
        nc = await nats.connect(server.url(OPERATOR))
        try:
            hub = await nc.jetstream().consumer_info(stream_name(NAMESPACE, "registry"), "info_hub__registry")
            assert hub.delivered.stream_seq == 0
        finally:
            await nc.close()
