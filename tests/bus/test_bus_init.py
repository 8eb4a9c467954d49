"""`kyodo bus init` on a real nats-server: it makes every stream and durable consumer of a namespace, a second run
changes nothing (messages, positions and starts kept), a changed setting is brought in place, a replica count the
server cannot hold is refused with what to do; services that only check (KYODO_BUS__PROVISION=check) are not ready
until it ran, naming it, and run once it did."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import nats
import pytest
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, RetentionPolicy, StorageType, StreamConfig

from kyodo_contracts import stream_name
from kyodo_shared.bus.durable import DurableAheadOfDatabase, bound
from kyodo_shared.bus.topology import service_durable, topology
from kyodo_shared.cli.bus_init import init_bus
from kyodo_shared.cli.errors import CliError
from kyodo_shared.settings import BusSettings, ConsumerSettings
from kyodo_shared.web.devissuer import DevIssuer

from support.cli import run_kyodo
from support.harness import Backend, eventually, platform, settings_for
from support.registry import application

# By hand from the services' subscriptions (permissions.SOURCES) and the readers (READERS): 5 streams + checkpoints;
# info-hub 5 sources, proposals 2, screening 2, evaluation 3, grants-ledger 2.
STREAMS = {"REGISTRY", "INFO_HUB", "PROPOSALS", "SCREENING", "EVALUATION", "CHECKPOINTS"}
DURABLES = {
    "REGISTRY": {
        "info_hub__registry",
        "proposals__registry",
        "screening__registry",
        "evaluation__registry",
        "grants-ledger-registry",
    },
    "CHECKPOINTS": {"info_hub__checkpoints"},
    "PROPOSALS": {"info_hub__proposals", "evaluation__proposals", "grants-ledger-proposals"},
    "SCREENING": {"info_hub__screening", "proposals__screening", "evaluation__screening"},
    "EVALUATION": {"info_hub__evaluation", "screening__evaluation"},
    "INFO_HUB": set(),
}


async def held(js: JetStreamContext, namespace: str) -> dict[str, set[str]]:
    """Every stream of the namespace, with the durable consumers on it, by the stream's name after the prefix."""
    prefix = f"{namespace.upper()}_"
    found: dict[str, set[str]] = {}
    for info in await js.streams_info():
        name = str(info.config.name)
        if name.startswith(prefix):
            found[name.removeprefix(prefix)] = {str(c.name) for c in await js.consumers_info(name)}
    return found


async def publish_and_ack(
    js: JetStreamContext, namespace: str, durable: str | None, *, published: int, acked: int
) -> None:
    """`published` messages on registry's stream, the first `acked` of them pulled and acked through `durable`."""
    for n in range(published):
        await js.publish(f"{namespace}.registry.group.applied.v1", b"{}", headers={"Nats-Msg-Id": f"m{n}"})
    if durable is None:
        return
    pulled = await js.pull_subscribe_bind(durable, stream=stream_name(namespace, "registry"))
    for msg in await pulled.fetch(acked, timeout=5):
        await msg.ack_sync()


async def test_bus_init_makes_every_stream_and_durable_consumer_of_the_namespace(
    nats_url: str, bus_namespace: str
) -> None:
    bus = BusSettings(nats_url=nats_url, namespace=bus_namespace)
    done = await init_bus(bus, ConsumerSettings(), wait_seconds=10)
    assert {outcome for *_, outcome in done} == {"created"}
    assert len(done) == 6 + 14
    nc = await nats.connect(nats_url)
    try:
        assert await held(nc.jetstream(), bus_namespace) == DURABLES
        assert set(DURABLES) == STREAMS
    finally:
        await nc.close()


async def test_a_second_run_changes_nothing_and_keeps_messages_positions_and_starts(
    nats_url: str, bus_namespace: str
) -> None:
    bus = BusSettings(nats_url=nats_url, namespace=bus_namespace)
    await init_bus(bus, ConsumerSettings(), wait_seconds=10)
    registry = stream_name(bus_namespace, "registry")
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        await publish_and_ack(js, bus_namespace, "proposals__registry", published=3, acked=2)
        again = await init_bus(bus, ConsumerSettings(), wait_seconds=10)
        assert {outcome for *_, outcome in again} == {"unchanged"}
        assert (await js.stream_info(registry)).state.messages == 3
        kept = await js.consumer_info(registry, "proposals__registry")
        assert kept.ack_floor is not None
        assert kept.ack_floor.stream_seq == 2
        assert kept.config.deliver_policy == DeliverPolicy.ALL
    finally:
        await nc.close()


async def test_a_changed_ack_wait_is_brought_to_the_consumers_in_place(nats_url: str, bus_namespace: str) -> None:
    bus = BusSettings(nats_url=nats_url, namespace=bus_namespace)
    await init_bus(bus, ConsumerSettings(), wait_seconds=10)
    changed = await init_bus(bus, ConsumerSettings(ack_wait_seconds=45.0), wait_seconds=10)
    outcomes = {name: outcome for kind, name, outcome in changed if kind == "consumer"}
    # The services' durables follow the consumer settings; the readers' keep the kit's documented 30 s.
    assert {n for n, o in outcomes.items() if o == "updated"} == {
        f"{stream_name(bus_namespace, s)}/{d}" for s, ds in DURABLES.items() for d in ds if "grants-ledger" not in d
    }
    nc = await nats.connect(nats_url)
    try:
        info = await nc.jetstream().consumer_info(stream_name(bus_namespace, "screening"), "evaluation__screening")
        assert info.config.ack_wait == 45.0
        assert info.config.deliver_policy == DeliverPolicy.ALL
    finally:
        await nc.close()


async def test_more_replicas_than_servers_are_refused_naming_the_setting(nats_url: str, bus_namespace: str) -> None:
    bus = BusSettings(nats_url=nats_url, namespace=bus_namespace, stream_replicas=3)
    with pytest.raises(CliError) as refused:
        await init_bus(bus, ConsumerSettings(), wait_seconds=5)
    assert "KYODO_BUS__STREAM_REPLICAS is 3" in (refused.value.hint or "")


def test_the_topology_is_what_the_services_subscribe_to() -> None:
    wanted = topology("kyodo", 3, ConsumerSettings())
    assert {str(s.name) for s in wanted.streams} == {f"KYODO_{name}" for name in STREAMS}
    assert {d.num_replicas for d in wanted.streams} == {3}
    assert {(d.stream, d.name) for d in wanted.durables} == {
        (f"KYODO_{s}", d) for s, names in DURABLES.items() for d in names
    }


async def test_the_command_reports_what_it_made_then_that_nothing_changed(
    nats_url: str, bus_namespace: str, tmp_path: Path
) -> None:
    env = {"PATH": "/usr/bin:/bin", "KYODO_BUS__NATS_URL": nats_url, "KYODO_BUS__NAMESPACE": bus_namespace}
    first = await asyncio.to_thread(lambda: run_kyodo("--data-dir", str(tmp_path), "bus", "init", env=env))
    assert first.returncode == 0, first.stderr
    assert "20 created, 0 updated, 0 unchanged" in first.stderr, first.stderr
    assert f"{bus_namespace.upper()}_REGISTRY" in first.stdout
    second = await asyncio.to_thread(lambda: run_kyodo("--data-dir", str(tmp_path), "bus", "init", env=env))
    assert second.returncode == 0, second.stderr
    assert "0 created, 0 updated, 20 unchanged" in second.stderr, second.stderr


def test_the_command_names_no_bus_it_was_not_given(tmp_path: Path) -> None:
    # Never the default nats://127.0.0.1:4222, which may be another deployment's.
    refused = run_kyodo("--data-dir", str(tmp_path), "bus", "init", env={"PATH": "/usr/bin:/bin"})
    assert refused.returncode == 2
    assert "KYODO_BUS__NATS_URL" in refused.stderr
    assert "Traceback" not in refused.stderr


async def test_a_checking_service_is_not_ready_until_the_bus_is_provisioned_then_runs(
    nats_url: str, bus_namespace: str, tmp_path: Path, issuer: DevIssuer
) -> None:
    backend = Backend("sqlite", tmp_path)
    names = ("registry", "info-hub")
    services = {n: settings_for(n, backend, nats_url, bus_namespace, issuer, provision="check") for n in names}
    async with platform(services, issuer) as p:

        async def blocked_on_provisioning(name: str) -> dict[str, object] | None:
            answer = await p.clients[name].get("/readyz")
            body = answer.json()
            reasons = {t["reason"] for t in body["blocked"]}
            return body if answer.status_code == 503 and "bus_not_provisioned" in reasons else None

        hub = await eventually(lambda: blocked_on_provisioning("info-hub"), timeout=30)
        assert "kyodo bus init" in str(hub["blocked"])
        registry = await eventually(lambda: blocked_on_provisioning("registry"), timeout=30)
        assert f"stream {stream_name(bus_namespace, 'registry')}" in str(registry["blocked"])
        # Nothing was made by the services themselves.
        nc = await nats.connect(nats_url)
        try:
            assert await held(nc.jetstream(), bus_namespace) == {}
        finally:
            await nc.close()
        # Writes are kept meanwhile (the outbox); the relay publishes them once the stream exists.
        created = await p.clients["registry"].post(
            "/groups", json=application(name="本町防災の会"), headers=p.token("rep-1", "group")
        )
        assert created.status_code == 201, created.text

        await init_bus(BusSettings(nats_url=nats_url, namespace=bus_namespace), ConsumerSettings(), 10)

        async def ready(name: str) -> bool:
            return (await p.clients[name].get("/readyz")).status_code == 200

        for name in names:
            await eventually(lambda name=name: ready(name), timeout=30)  # type: ignore[misc]
        consumers = {c.source: c for c in p.apps["info-hub"].state.kernel.consumers}
        await eventually(lambda: consumers["registry"].tracked >= 1, timeout=30)


async def test_a_checking_consumer_acked_past_its_database_is_blocked_naming_the_replay(
    nats_url: str, bus_namespace: str
) -> None:
    """Its database restored or lost: only the operator may re-place the durable consumer (`kyodo replay`)."""
    await init_bus(BusSettings(nats_url=nats_url, namespace=bus_namespace), ConsumerSettings(), wait_seconds=10)
    registry = stream_name(bus_namespace, "registry")
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        await publish_and_ack(js, bus_namespace, "info_hub__registry", published=3, acked=3)
        await eventually(lambda: acked(js, registry, "info_hub__registry", 3), timeout=5)
        hub = service_durable(bus_namespace, "info-hub", "registry", ConsumerSettings())
        assert await bound(js, registry, hub, 3, "info-hub") is True
        with pytest.raises(DurableAheadOfDatabase) as blocked:
            await bound(js, registry, hub, 1, "info-hub")
        assert blocked.value.reason == "consumer_ahead_of_database"
        assert "kyodo replay info-hub" in blocked.value.hint
        nothing = service_durable(bus_namespace, "info-hub", "nothing", ConsumerSettings())
        assert await bound(js, registry, nothing, 0, "info-hub") is False
    finally:
        await nc.close()


async def acked(js: JetStreamContext, stream: str, durable: str, sequence: int) -> bool:
    floor = (await js.consumer_info(stream, durable)).ack_floor
    return floor is not None and floor.stream_seq == sequence


async def test_what_the_services_made_before_bus_init_existed_is_left_unchanged(
    nats_url: str, bus_namespace: str
) -> None:
    """The configurations the previous release's relays, audit publishers and consumers created themselves."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        for source in ("registry", "checkpoints"):
            old = StreamConfig(
                name=stream_name(bus_namespace, source),
                subjects=[f"{bus_namespace}.{source}.>"],
                retention=RetentionPolicy.LIMITS,
                storage=StorageType.FILE,
                num_replicas=1,
                **({"duplicate_window": 120.0} if source == "registry" else {"max_age": 0}),
            )
            await js.add_stream(old)
        await publish_and_ack(js, bus_namespace, None, published=3, acked=0)
        placed = ConsumerConfig(
            durable_name="info_hub__registry",
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
            opt_start_seq=3,
            max_deliver=-1,
            ack_wait=30.0,
            max_ack_pending=3000,
        )
        await js.add_consumer(stream_name(bus_namespace, "registry"), placed)
        done = await init_bus(BusSettings(nats_url=nats_url, namespace=bus_namespace), ConsumerSettings(), 10)
        outcomes = {name: outcome for _, name, outcome in done}
        registry = stream_name(bus_namespace, "registry")
        assert outcomes[registry] == outcomes[stream_name(bus_namespace, "checkpoints")] == "unchanged"
        assert outcomes[f"{registry}/info_hub__registry"] == "unchanged"
        kept = await js.consumer_info(registry, "info_hub__registry")
        assert (kept.config.deliver_policy, kept.config.opt_start_seq) == (DeliverPolicy.BY_START_SEQUENCE, 3)
    finally:
        await nc.close()


async def test_limits_filters_and_delivery_limits_are_brought_back_in_place(nats_url: str, bus_namespace: str) -> None:
    """A limit would delete events and a filter or a delivery limit leave holes: each is undone, the rest kept."""
    bus = BusSettings(nats_url=nats_url, namespace=bus_namespace)
    await init_bus(bus, ConsumerSettings(), 10)
    proposals, registry = stream_name(bus_namespace, "proposals"), stream_name(bus_namespace, "registry")
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        found = (await js.stream_info(proposals)).config
        await js.update_stream(replace(found, max_age=3600.0, max_msgs=10, duplicate_window=30.0))
        await publish_and_ack(js, bus_namespace, "proposals__registry", published=2, acked=1)
        durable = (await js.consumer_info(registry, "proposals__registry")).config
        await js.add_consumer(registry, replace(durable, filter_subject=f"{bus_namespace}.registry.x", max_deliver=2))
        done = await init_bus(bus, ConsumerSettings(), 10)
        updated = {name for _, name, outcome in done if outcome == "updated"}
        assert updated == {proposals, f"{registry}/proposals__registry"}
        stream = (await js.stream_info(proposals)).config
        assert (stream.max_age, stream.max_msgs, stream.duplicate_window) == (0.0, -1, 120.0)
        consumer = await js.consumer_info(registry, "proposals__registry")
        assert (consumer.config.filter_subject or None, consumer.config.max_deliver) == (None, -1)
        assert consumer.ack_floor is not None
        assert consumer.ack_floor.stream_seq == 1  # its position kept
        again = await init_bus(bus, ConsumerSettings(), 10)
        assert {outcome for *_, outcome in again} == {"unchanged"}
    finally:
        await nc.close()


async def test_a_stream_in_memory_or_a_push_consumer_stops_bus_init_naming_them(
    nats_url: str, bus_namespace: str
) -> None:
    """What only a migration changes is never changed by a rollout: bus init stops, naming the object and field."""
    bus = BusSettings(nats_url=nats_url, namespace=bus_namespace)
    screening = stream_name(bus_namespace, "screening")
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        memory = StreamConfig(name=screening, subjects=[f"{bus_namespace}.screening.>"], storage=StorageType.MEMORY)
        await js.add_stream(memory)
        with pytest.raises(CliError) as stopped:
            await init_bus(bus, ConsumerSettings(), 10)
        assert f"stream {screening} differs from its definition in storage: 'memory' (defined: 'file')" in str(
            stopped.value
        )
        await js.delete_stream(screening)
        await init_bus(bus, ConsumerSettings(), 10)
        await js.delete_consumer(screening, "evaluation__screening")
        push = ConsumerConfig(durable_name="evaluation__screening", deliver_subject=f"{bus_namespace}.elsewhere")
        await js.add_consumer(screening, push)
        with pytest.raises(CliError) as pushed:
            await init_bus(bus, ConsumerSettings(), 10)
        assert "consumer evaluation__screening" in str(pushed.value)
        assert "deliver_subject" in str(pushed.value)
    finally:
        await nc.close()


async def test_one_stream_is_made_again_with_its_consumers_and_nothing_else_is_touched(
    nats_url: str, bus_namespace: str
) -> None:
    """As `kyodo relay reset` has it made again after deleting it."""
    bus = BusSettings(nats_url=nats_url, namespace=bus_namespace)
    await init_bus(bus, ConsumerSettings(), 10)
    registry, evaluation = stream_name(bus_namespace, "registry"), stream_name(bus_namespace, "evaluation")
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        await js.delete_stream(registry)
        found = (await js.stream_info(evaluation)).config
        await js.update_stream(replace(found, duplicate_window=30.0))  # a drift a full run would undo
        done = await init_bus(bus, ConsumerSettings(), 10, stream=registry)
        assert {name for _, name, _ in done} == {registry} | {f"{registry}/{d}" for d in DURABLES["REGISTRY"]}
        assert {outcome for *_, outcome in done} == {"created"}
        assert (await js.stream_info(evaluation)).config.duplicate_window == 30.0
    finally:
        await nc.close()
