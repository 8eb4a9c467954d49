"""The StatefulSet's command on loopback (tests/support/nats_conf.py): three servers from deploy/nats form one
JetStream cluster in which a service's user keeps an R3 stream, every server routed to the two others with no password
on any command line, and a server without the routes' password is kept out. The base for the 3-node chaos test
(issue 23), which stops and restarts nodes of the same cluster."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import nats
import pytest
from nats.js.api import RetentionPolicy, StorageType, StreamConfig

from kyodo_contracts import stream_name, stream_subjects
from kyodo_shared.bus.connection import connect_bus, inbox_prefix
from kyodo_shared.bus.permissions import NAMESPACE, OPERATOR
from kyodo_shared.settings import BusSettings

from support.harness import eventually
from support.nats_conf import NATS as CONF_DIR
from support.nats_conf import ClusterNode, ConfiguredCluster, configured_cluster, monitor
from support.servers import free_port


@pytest.fixture(scope="module")
def cluster() -> Iterator[ConfiguredCluster]:
    with configured_cluster() as started:
        yield started


async def current(cluster: ConfiguredCluster) -> bool:
    """Every server's JetStream is current: the startup probe's condition (/healthz)."""
    for node in cluster.nodes:
        try:
            if (await monitor(node, "/healthz")).status_code != 200:
                return False
        except httpx.HTTPError:
            return False
    return True


async def test_the_statefulsets_servers_form_a_cluster_where_a_service_keeps_an_r3_stream(
    cluster: ConfiguredCluster,
) -> None:
    await eventually(lambda: current(cluster), timeout=60, interval=0.5)
    stream = stream_name(NAMESPACE, "registry")
    # Created by the operator's user, who provisions the streams (a service's user may be refused the create), as the
    # kernel's stream is: file storage, KYODO_BUS__STREAM_REPLICAS=3.
    config = StreamConfig(
        name=stream,
        subjects=[stream_subjects(NAMESPACE, "registry")],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        num_replicas=3,
        duplicate_window=120.0,
    )
    operator = await nats.connect(cluster.url(OPERATOR), connect_timeout=5, tls=cluster.tls())
    try:
        operator_js = operator.jetstream(timeout=10)

        # /healthz answers 200 before the JetStream meta group has elected its leader: until then a stream create
        # times out (seen on a loaded machine), so it is tried again until the cluster takes it.
        async def created() -> bool:
            try:
                await operator_js.add_stream(config)
            except nats.errors.TimeoutError:
                return False
            return True

        await eventually(created, timeout=60, interval=0.5)
    finally:
        await operator.close()
    nc = await nats.connect(
        cluster.url("registry"), connect_timeout=5, inbox_prefix=inbox_prefix("registry"), tls=cluster.tls()
    )
    try:
        js = nc.jetstream(timeout=10)
        assert nc.discovered_servers == []  # no_advertise (cluster.conf): clients reconnect through the Service
        for n in range(3):
            await js.publish(f"{NAMESPACE}.registry.group.applied.v1", f'{{"n": {n}}}'.encode())

        async def replicated() -> bool:
            info = await js.stream_info(stream)
            replicas = info.cluster.replicas if info.cluster is not None else None
            return bool(
                info.state.messages == 3
                and info.cluster is not None
                and info.cluster.leader in {n.name for n in cluster.nodes}
                and replicas is not None
                and len(replicas) == 2
                and all(r.current for r in replicas)
            )

        await eventually(replicated, timeout=30, interval=0.2)
    finally:
        await nc.close()


async def routed_names(node: ClusterNode) -> set[str]:
    return {route.get("remote_name") for route in (await monitor(node, "/routez")).json()["routes"]}


async def test_each_server_routes_to_the_two_others_with_the_password_in_its_environment_not_its_command_line(
    cluster: ConfiguredCluster,
) -> None:
    names = {n.name for n in cluster.nodes}

    async def meshed() -> bool:
        return all([await routed_names(node) == names - {node.name} for node in cluster.nodes])

    await eventually(meshed, timeout=60, interval=0.5)
    secrets = [cluster.route_password, *cluster.passwords.values()]
    for node in cluster.nodes:
        command = Path(f"/proc/{node.pid}/cmdline").read_bytes().split(b"\0")
        # routes.sh exec'd nats-server in its place: the PID the test stops is the server's.
        assert Path(command[0].decode()).name == "nats-server", command
        assert command[1:3] == [b"-c", str(CONF_DIR / "cluster.conf").encode()], command
        assert [s for s in secrets if s.encode() in b" ".join(command)] == [], command
        environment = Path(f"/proc/{node.pid}/environ").read_bytes().split(b"\0")
        routes = next(v for v in environment if v.startswith(b"NATS_ROUTES="))
        assert routes.count(f"nats://route:{cluster.route_password}@".encode()) == 3, routes


async def test_a_server_without_the_routes_password_is_kept_out_of_the_cluster(
    cluster: ConfiguredCluster, tmp_path: Path
) -> None:
    await eventually(lambda: current(cluster), timeout=60, interval=0.5)
    intruder = ClusterNode("intruder", free_port(), free_port(), free_port(), tmp_path / "data", tmp_path / "log")
    try:
        cluster.start(intruder, route_password="notthepassword")
        await eventually(lambda: "authorization" in cluster.log(intruder).lower(), timeout=30, interval=0.2)
        assert "Authorization Violation" in cluster.log(intruder)  # the servers refused its routes
        for node in cluster.nodes:
            assert await routed_names(node) <= {n.name for n in cluster.nodes}
    finally:
        cluster.stop(intruder)


async def test_a_kernel_whose_server_stops_reconnects_to_another_server_of_the_cluster() -> None:
    with configured_cluster() as own:
        await eventually(lambda: current(own), timeout=60, interval=0.5)
        bus = BusSettings(
            nats_url=own.urls("registry"), namespace=NAMESPACE, stream_replicas=3, tls_ca_file=own.ca_file
        )
        nc = await connect_bus(bus, "registry")
        try:
            url = nc.connected_url
            assert url is not None
            stopped = next(node for node in own.nodes if node.port == url.port)
            own.stop(stopped)

            def elsewhere() -> bool:
                now = nc.connected_url
                return bool(nc.is_connected and now is not None and now.port != stopped.port)

            await eventually(elsewhere, timeout=20, interval=0.2)
        finally:
            await nc.close()
