"""The shipped NATS users on a real nats-server started from deploy/nats/nats-server.conf (tests/support/nats_conf.py):
a service publishes only its own and creates nothing (streams and consumers are `kyodo bus init`'s), the Job's
bus-init user makes the whole namespace and can delete, purge or publish nothing, a read-only user consumes and
publishes nothing, nobody connects without a password. Each refusal is
shown beside the allowed call it differs from, so none passes by accident."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import replace

import nats
import pytest
from nats.aio.client import Client
from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import AckPolicy, ConsumerConfig, StreamConfig

from kyodo_contracts import stream_name, stream_subjects
from kyodo_shared.bus.connection import inbox_prefix
from kyodo_shared.bus.permissions import BUS_INIT, BUS_INIT_CONNECTION, NAMESPACE, OPERATOR
from kyodo_shared.bus.topology import topology
from kyodo_shared.cli.bus_init import init_bus
from kyodo_shared.settings import BusSettings, ConsumerSettings

from support.harness import eventually
from support.nats_conf import ConfiguredNats, configured_nats

REGISTRY, INFO_HUB, PROPOSALS, CHECKPOINTS = (
    stream_name(NAMESPACE, s) for s in ("registry", "info-hub", "proposals", "checkpoints")
)


@pytest.fixture(scope="module")
def server() -> Iterator[ConfiguredNats]:
    with configured_nats() as started:
        yield started


@asynccontextmanager
async def connected(server: ConfiguredNats, user: str, **options: object) -> AsyncIterator[tuple[Client, list[str]]]:
    """A connection as `user`, and the errors the server sends it (permission violations arrive asynchronously)."""
    errors: list[str] = []

    async def on_error(exc: Exception) -> None:
        errors.append(str(exc).lower())

    # As the kernel connects (bus/connection.py): replies on the user's own inbox prefix, the only one it may read.
    options.setdefault("inbox_prefix", inbox_prefix(user))
    nc = await nats.connect(server.url(user), error_cb=on_error, max_reconnect_attempts=0, **options)  # type: ignore[arg-type]
    try:
        yield nc, errors
    finally:
        await nc.close()


async def violation(errors: list[str], subject: str) -> bool:
    await eventually(lambda: any("permissions violation" in e and subject.lower() in e for e in errors), timeout=5)
    return True


async def messages(server: ConfiguredNats, stream: str) -> int:
    async with connected(server, OPERATOR) as (nc, _):
        return int((await nc.jetstream().stream_info(stream)).state.messages)


async def provisioned(server: ConfiguredNats) -> None:
    """`kyodo bus init` as the operator: every stream and durable consumer of namespace `kyodo` (idempotent)."""
    await init_bus(BusSettings(nats_url=server.url(OPERATOR), namespace=NAMESPACE), ConsumerSettings(), 30)


async def bus_init_as_the_job(server: ConfiguredNats) -> list[tuple[str, str, str]]:
    """`kyodo bus init` as the Job runs it: its own user, kyodo-bus-init."""
    settings = BusSettings(nats_url=server.url(BUS_INIT), namespace=NAMESPACE)
    return [(kind, name, str(outcome)) for kind, name, outcome in await init_bus(settings, ConsumerSettings(), 30)]


def outcomes(done: list[tuple[str, str, str]]) -> set[str]:
    return {outcome for *_, outcome in done}


async def test_the_bus_init_user_provisions_the_whole_namespace_and_a_second_run_changes_nothing() -> None:
    wanted = topology(NAMESPACE, 1, ConsumerSettings())
    with configured_nats() as fresh:  # a bus nobody provisioned yet
        first = await bus_init_as_the_job(fresh)
        assert len(first) == len(wanted.streams) + len(wanted.durables)
        assert outcomes(first) == {"created"}
        assert outcomes(await bus_init_as_the_job(fresh)) == {"unchanged"}
        # Settings bus init brings back in place (a stream's UPDATE, a consumer's create as an update), as the
        # operator changed them: a service's durable consumer and a reader's (created by name and filter).
        async with connected(fresh, OPERATOR) as (nc, _):
            js = nc.jetstream()
            stream = (await js.stream_info(REGISTRY)).config
            await js.update_stream(replace(stream, duplicate_window=60.0))
            for name in ("proposals__registry", "grants-ledger-registry"):
                consumer = (await js.consumer_info(REGISTRY, name)).config
                await js.add_consumer(REGISTRY, replace(consumer, ack_wait=5.0))
        third = await bus_init_as_the_job(fresh)
        updated = {name for _, name, outcome in third if outcome == "updated"}
        assert updated == {REGISTRY, f"{REGISTRY}/proposals__registry", f"{REGISTRY}/grants-ledger-registry"}
        assert outcomes(await bus_init_as_the_job(fresh)) == {"unchanged"}
        assert fresh.violations() == []


async def test_the_bus_init_user_cannot_delete_or_purge_a_stream_nor_publish_an_event(server: ConfiguredNats) -> None:
    """The Job's credentials stay in the cluster (the Secret bus-init-bus): they make and update the topology's
    streams and consumers, and lose or forge nothing."""
    await provisioned(server)
    before = await messages(server, REGISTRY)
    async with connected(server, BUS_INIT, inbox_prefix=inbox_prefix(BUS_INIT_CONNECTION)) as (nc, errors):
        js = nc.jetstream(timeout=1.0)
        stream = (await js.stream_info(REGISTRY)).config  # allowed: what bus init reads, and updates
        assert (await js.update_stream(stream)).config.name == REGISTRY
        with pytest.raises(NatsTimeoutError):
            await js.delete_stream(REGISTRY)
        assert await violation(errors, f"STREAM.DELETE.{REGISTRY}")
        with pytest.raises(NatsTimeoutError):
            await js.purge_stream(REGISTRY)
        assert await violation(errors, f"STREAM.PURGE.{REGISTRY}")
        assert (await js.consumer_info(REGISTRY, "proposals__registry")).name == "proposals__registry"  # allowed
        with pytest.raises(NatsTimeoutError):
            await js.delete_consumer(REGISTRY, "proposals__registry")
        assert await violation(errors, f"CONSUMER.DELETE.{REGISTRY}.proposals__registry")
        # A stream the topology does not define: no create, whatever its name.
        with pytest.raises(NatsTimeoutError):
            await js.add_stream(StreamConfig(name="KYODO_OTHER", subjects=[f"{NAMESPACE}.other.>"]))
        assert await violation(errors, "STREAM.CREATE.KYODO_OTHER")
        forged = f"{NAMESPACE}.registry.group.applied.v1"
        await nc.publish(forged, b"{}")
        await nc.flush()
        assert await violation(errors, forged)
        # Its own inbox (the replies above arrived there), never the others' pulled messages.
        await nc.subscribe("_INBOX.>")
        await nc.flush()
        assert await violation(errors, "_inbox.>")
    assert await messages(server, REGISTRY) == before
    async with connected(server, OPERATOR) as (nc, _):
        assert (await nc.jetstream().consumer_info(REGISTRY, "proposals__registry")).name == "proposals__registry"


async def test_a_service_publishing_on_another_services_subject_is_refused(server: ConfiguredNats) -> None:
    await provisioned(server)
    async with connected(server, "registry") as (nc, errors):
        js = nc.jetstream(timeout=1.0)
        await js.publish(f"{NAMESPACE}.registry.group.applied.v1", b"{}")  # its own: stored
        forged = f"{NAMESPACE}.info_hub.news.published.v1"
        with pytest.raises(NatsTimeoutError):  # a refused publish gets no acknowledgement
            await js.publish(forged, b"{}")
        assert await violation(errors, forged)
    assert await messages(server, INFO_HUB) == 0
    assert await messages(server, REGISTRY) >= 1


async def test_a_service_signs_only_its_own_checkpoints(server: ConfiguredNats) -> None:
    await provisioned(server)
    async with connected(server, "registry") as (nc, errors):
        js = nc.jetstream(timeout=1.0)
        before = int((await js.stream_info(CHECKPOINTS)).state.messages)
        await js.publish(f"{NAMESPACE}.checkpoints.registry", b"{}")
        forged = f"{NAMESPACE}.checkpoints.proposals"
        with pytest.raises(NatsTimeoutError):
            await js.publish(forged, b"{}")
        assert await violation(errors, forged)
    assert await messages(server, CHECKPOINTS) == before + 1


async def test_a_service_reads_its_own_consumer_and_creates_or_deletes_no_stream_or_consumer(
    server: ConfiguredNats,
) -> None:
    """Streams and durable consumers are `kyodo bus init`'s (the operator's): a CREATE's body (a consumer's deliver
    subject, a stream's subjects) is beyond any subject permission, so no service holds it, even for its own."""
    await provisioned(server)
    async with connected(server, "proposals") as (nc, errors):
        js = nc.jetstream(timeout=1.0)
        assert (await js.consumer_info(REGISTRY, "proposals__registry")).name == "proposals__registry"  # its own
        mine = ConsumerConfig(durable_name="proposals__registry", ack_policy=AckPolicy.EXPLICIT, ack_wait=5)
        with pytest.raises(NatsTimeoutError):
            await js.add_consumer(REGISTRY, mine)
        assert await violation(errors, f"CONSUMER.DURABLE.CREATE.{REGISTRY}.proposals__registry")
        with pytest.raises(NatsTimeoutError):
            await js.delete_consumer(REGISTRY, "proposals__registry")
        assert await violation(errors, f"CONSUMER.DELETE.{REGISTRY}.proposals__registry")
        # Screening's durable consumer on the same stream: reading it would steal screening's messages.
        with pytest.raises(NatsTimeoutError):
            await js.consumer_info(REGISTRY, "screening__registry")
        assert await violation(errors, "screening__registry")
        own = StreamConfig(name=PROPOSALS, subjects=[stream_subjects(NAMESPACE, "proposals")], max_msgs=1)
        with pytest.raises(NatsTimeoutError):
            await js.add_stream(own)
        assert await violation(errors, f"STREAM.CREATE.{PROPOSALS}")
        with pytest.raises(NatsTimeoutError):
            await js.delete_stream(REGISTRY)
        assert await violation(errors, f"STREAM.DELETE.{REGISTRY}")
    async with connected(server, OPERATOR) as (nc, _):
        js = nc.jetstream()
        assert (await js.stream_info(REGISTRY)).config.name == REGISTRY  # still there
        assert (await js.stream_info(PROPOSALS)).config.max_msgs in (None, -1)  # as bus init made it
        assert (await js.consumer_info(REGISTRY, "proposals__registry")).config.ack_wait == 30


async def test_a_service_cannot_rewrite_another_services_consumer_through_a_nameless_create(
    server: ConfiguredNats,
) -> None:
    """`$JS.API.CONSUMER.CREATE.<stream>` names no consumer in its subject: its body may name an existing one, which
    the server then updates — a service holding it could retarget another service's durable (review of issue 23).
    No service user holds it: `kyodo replay` runs as the operator."""
    await provisioned(server)
    async with connected(server, "proposals") as (nc, errors):
        retarget = b'{"stream_name": "%s", "config": {"durable_name": "screening__registry", "headers_only": true}}'
        with pytest.raises(NatsTimeoutError):  # refused: no answer
            await nc.request(f"$JS.API.CONSUMER.CREATE.{REGISTRY}", retarget % REGISTRY.encode(), timeout=1.0)
        assert await violation(errors, f"CONSUMER.CREATE.{REGISTRY}")
    async with connected(server, OPERATOR) as (nc, _):
        kept = await nc.jetstream().consumer_info(REGISTRY, "screening__registry")
        assert not kept.config.headers_only


async def test_a_service_reads_no_inbox_but_its_own(server: ConfiguredNats) -> None:
    """Pulled messages arrive on the puller's inbox: a service subscribing to the shared `_INBOX.>` (or another's
    prefix) would read what others pulled (review of issue 23)."""
    async with connected(server, "registry") as (nc, errors):
        await nc.subscribe(f"{inbox_prefix('registry')}.mine")  # its own: allowed
        await nc.subscribe("_INBOX.>")
        await nc.flush()
        assert await violation(errors, "_inbox.>")
        await nc.subscribe(f"{inbox_prefix('info-hub')}.>")
        await nc.flush()
        assert await violation(errors, inbox_prefix("info-hub").lower())


async def test_a_read_only_user_consumes_a_stream_and_cannot_publish(server: ConfiguredNats) -> None:
    await provisioned(server)
    async with connected(server, "registry") as (nc, _):
        js = nc.jetstream()
        for n in range(3):
            await js.publish(f"{NAMESPACE}.registry.group.applied.v1", f'{{"n": {n}}}'.encode())
        total = int((await js.stream_info(REGISTRY)).state.messages)
    # `kyodo bus init` made the reader's consumer (the reader may not: examples/subscriber/nats-reader.conf).
    async with connected(server, "grants-ledger", inbox_prefix="_INBOX_grants_ledger") as (nc, errors):
        js = nc.jetstream(timeout=2.0)
        sub = await js.pull_subscribe_bind("grants-ledger-registry", stream=REGISTRY)
        received = await sub.fetch(total, timeout=5)
        for msg in received:
            await msg.ack_sync()
        assert len(received) == total
        info = await js.consumer_info(REGISTRY, "grants-ledger-registry")
        assert info.ack_floor is not None
        assert info.ack_floor.stream_seq == total
        forged = f"{NAMESPACE}.registry.group.applied.v1"
        await nc.publish(forged, b"{}")
        await nc.flush()
        assert await violation(errors, forged)
        with pytest.raises(NatsTimeoutError):
            await js.add_consumer(REGISTRY, ConsumerConfig(durable_name="grants-ledger-mine"))
        assert await violation(errors, "grants-ledger-mine")
        # Other users' inboxes carry their pulled messages: not for the reader.
        await nc.subscribe("_INBOX.>")
        await nc.flush()
        assert await violation(errors, "_inbox.>")
    assert await messages(server, REGISTRY) == total


async def test_nobody_connects_without_a_password_or_with_a_wrong_one(server: ConfiguredNats) -> None:
    for url in (server.anonymous_url, server.url("registry").replace(server.passwords["registry"], "wrong")):
        with pytest.raises(NatsError):
            await nats.connect(url, max_reconnect_attempts=0, allow_reconnect=False, connect_timeout=2)
    async with connected(server, "registry") as (nc, _):
        assert nc.is_connected


async def test_the_probe_path_answers_on_the_monitoring_port(server: ConfiguredNats) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.monitor_port)
    writer.write(b"GET /healthz?js-enabled-only=true HTTP/1.0\r\nHost: x\r\n\r\n")
    await writer.drain()
    answer = (await reader.read()).decode()
    writer.close()
    assert answer.startswith("HTTP/1.0 200") or answer.startswith("HTTP/1.1 200"), answer[:200]
