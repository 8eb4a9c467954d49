"""Issue 23: NATS over TLS. The StatefulSet's cluster on loopback (tests/support/nats_conf.py: cluster.conf, a CA and
the servers' certificate made here in the files of the Secret nats-tls): a service's kernel connects over TLS trusting
KYODO_BUS__TLS_CA_FILE alone; a plaintext client is refused before it may authenticate; a kernel that does not trust
the server's certificate sends it nothing; the routes run over verified TLS."""

from __future__ import annotations

import asyncio
import json
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import nats
import pytest
import yaml

from kyodo_shared.bus.connection import BusTlsError, BusUnreachable, connect_bus
from kyodo_shared.bus.permissions import NAMESPACE
from kyodo_shared.settings import BusSettings

from support.harness import eventually
from support.nats_conf import (
    NATS,
    ConfiguredCluster,
    configured_cluster,
    monitor,
    statefulset_container,
    write_tls,
)
from support.servers import LOOPBACK


@pytest.fixture(scope="module")
def cluster() -> Iterator[ConfiguredCluster]:
    with configured_cluster() as started:
        yield started


async def test_a_service_connects_over_tls_trusting_the_configured_ca_alone(cluster: ConfiguredCluster) -> None:
    bus = BusSettings(nats_url=cluster.url("registry"), namespace=NAMESPACE, tls_ca_file=cluster.ca_file)
    nc = await connect_bus(bus, "registry")
    try:
        await nc.flush(timeout=5)
        connections = (await monitor(cluster.nodes[0], "/connz?auth=true")).json()["connections"]
        (mine,) = [c for c in connections if c.get("name") == "kyodo-registry"]
        assert mine["authorized_user"] == "registry"
        assert mine["tls_version"].startswith("1.")  # the server's own record of the connection's TLS
        assert mine.get("tls_first") is True  # TLS from the first byte: nothing before the handshake
    finally:
        await nc.close()


async def test_a_plaintext_client_is_refused_before_it_may_authenticate(cluster: ConfiguredCluster) -> None:
    reader, writer = await asyncio.open_connection(LOOPBACK, cluster.nodes[0].port)
    try:
        info = await asyncio.wait_for(reader.readline(), 10)  # after the wait for a TLS client (`auto`)
        assert json.loads(info.removeprefix(b"INFO ").decode())["tls_required"] is True
        connect = {"user": "registry", "pass": cluster.passwords["registry"], "verbose": False, "pedantic": False}
        writer.write(b"CONNECT " + json.dumps(connect).encode() + b"\r\nPING\r\n")
        await writer.drain()
        # Read as the start of a TLS handshake, the plaintext CONNECT fails it: no PONG, the connection closed.
        assert await asyncio.wait_for(reader.read(4096), 10) == b""
        port = writer.get_extra_info("sockname")[1]
    finally:
        writer.close()

    async def closed() -> list[dict[str, object]]:
        answer = await monitor(cluster.nodes[0], "/connz?state=closed&auth=true")
        return [c for c in answer.json()["connections"] or [] if c.get("port") == port]

    (record,) = await eventually(closed, timeout=10, interval=0.1)
    assert record["reason"] == "TLS Handshake Failure"
    assert "authorized_user" not in record  # the password it sent in clear was never taken as a login
    assert record["in_msgs"] == 0


async def test_a_kernel_that_does_not_trust_the_servers_certificate_does_not_connect(
    cluster: ConfiguredCluster, tmp_path: Path
) -> None:
    other = write_tls(tmp_path / "other")  # another CA: as a server impersonating NATS would present

    async def failed_handshakes() -> int:
        answer = await monitor(cluster.nodes[0], "/connz?state=closed&auth=true&limit=1024")
        return sum(c.get("reason") == "TLS Handshake Failure" for c in answer.json()["connections"] or [])

    before = await failed_handshakes()
    bus = BusSettings(
        nats_url=cluster.url("registry", 0),
        namespace=NAMESPACE,
        tls_ca_file=other / "ca.crt",
        connect_wait_seconds=3,
    )
    with pytest.raises(BusUnreachable):
        await connect_bus(bus, "registry")
    assert await failed_handshakes() > before  # the kernel broke off the handshake: nothing sent in it


async def test_a_kernel_sends_no_password_to_a_server_that_offers_no_tls(tmp_path: Path) -> None:
    """An impostor on NATS's address that answers in plaintext, as a server before TLS would: the kernel starts TLS
    with its first byte, so its CONNECT, with the password, never goes out."""
    received = bytearray()

    async def impostor(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        info = {"server_id": "impostor", "version": "2.15.1", "auth_required": True, "max_payload": 1048576}
        writer.write(b"INFO " + json.dumps(info).encode() + b"\r\n")
        await writer.drain()
        received.extend(await reader.read(65536))
        writer.close()

    server = await asyncio.start_server(impostor, LOOPBACK, 0)
    port = server.sockets[0].getsockname()[1]
    password = "impostorwantsthis"
    bus = BusSettings(
        nats_url=f"tls://registry:{password}@{LOOPBACK}:{port}",
        tls_ca_file=write_tls(tmp_path / "tls") / "ca.crt",
        connect_wait_seconds=2,
    )
    try:
        with pytest.raises(BusUnreachable):
            await connect_bus(bus, "registry")
    finally:
        server.close()
    assert received[:1] == b"\x16"  # a TLS handshake record
    assert password.encode() not in received
    assert b"CONNECT" not in received


async def test_a_client_without_the_ca_cannot_connect_either(cluster: ConfiguredCluster) -> None:
    with pytest.raises(ssl.SSLCertVerificationError):  # the system's CAs do not know the cluster's
        await nats.connect(cluster.url("registry"), connect_timeout=3, allow_reconnect=False, max_reconnect_attempts=0)


async def test_a_ca_file_that_cannot_be_read_stops_the_start_with_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "ca.crt").write_text("not a certificate")
    for missing in (tmp_path / "absent.crt", tmp_path / "ca.crt"):
        bus = BusSettings(nats_url="tls://127.0.0.1:4222", tls_ca_file=missing)
        with pytest.raises(BusTlsError) as refused:
            await connect_bus(bus, "registry")
        assert f"KYODO_BUS__TLS_CA_FILE={missing}" in str(refused.value)
        assert "mount the CA" in str(refused.value)


async def test_the_routes_run_over_tls_verified_both_ways(cluster: ConfiguredCluster) -> None:
    names = {n.name for n in cluster.nodes}

    async def meshed() -> bool:
        for node in cluster.nodes:
            routes = (await monitor(node, "/routez")).json()["routes"]
            if {r.get("remote_name") for r in routes} != names - {node.name}:
                return False
        return True

    await eventually(meshed, timeout=60, interval=0.5)
    for node in cluster.nodes:
        varz = (await monitor(node, "/varz")).json()
        assert varz["tls_required"] is True
        assert varz["cluster"]["tls_required"] is True
        assert varz["cluster"]["tls_verify"] is True


def test_the_statefulset_mounts_the_certificate_that_certificates_yaml_makes_for_the_names_clients_dial() -> None:
    container = statefulset_container()
    env = {e["name"]: e.get("value", "") for e in container["env"]}
    mount = next(m for m in container["volumeMounts"] if m["name"] == "tls")
    assert mount["readOnly"] is True
    assert {env[n] for n in ("NATS_TLS_CERT", "NATS_TLS_KEY", "NATS_TLS_CA")} == {
        f"{mount['mountPath']}/{key}" for key in ("tls.crt", "tls.key", "ca.crt")
    }
    pod = yaml.safe_load((NATS / "statefulset.yaml").read_text(encoding="utf-8"))["spec"]["template"]["spec"]
    (volume,) = [v for v in pod["volumes"] if v["name"] == "tls"]
    documents = list(yaml.safe_load_all((NATS / "certificates.yaml").read_text(encoding="utf-8")))
    (server,) = [d for d in documents if d["kind"] == "Certificate" and not d["spec"].get("isCA")]
    assert server["spec"]["secretName"] == volume["secret"]["secretName"] == "nats-tls"
    assert {"server auth", "client auth"} <= set(server["spec"]["usages"])  # a route presents it when it solicits
    names = server["spec"]["dnsNames"]
    # The services dial the Service (KYODO_BUS__NATS_URL); a route dials the pod's name (NATS_ROUTE_HOSTS).
    common = yaml.safe_load((NATS.parent / "base" / "common-config.yaml").read_text(encoding="utf-8"))
    assert urlsplit(common["data"]["KYODO_BUS__NATS_URL"]).hostname in names
    for host in env["NATS_ROUTE_HOSTS"].split(","):
        assert "*." + host.split(":")[0].split(".", 1)[1] in names
    issuer = next(
        d for d in documents if d["kind"] == "Issuer" and d["metadata"]["name"] == server["spec"]["issuerRef"]["name"]
    )
    assert (
        issuer["spec"]["ca"]["secretName"] == next(d for d in documents if d["spec"].get("isCA"))["spec"]["secretName"]
    )
    kustomization = yaml.safe_load((NATS / "kustomization.yaml").read_text(encoding="utf-8"))
    assert "certificates.yaml" not in kustomization["resources"]  # applied apart, after cert-manager


def test_every_kyodo_pod_mounts_the_ca_where_kyodo_common_points_the_bus() -> None:
    """The services and the bus-init Job trust the CA of nats-tls: the ConfigMap nats-ca, mounted read-only where
    KYODO_BUS__TLS_CA_FILE (kyodo-common) names its key ca.crt. Without it the cluster (TLS only) refuses them."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl not found")
    run = subprocess.run([kubectl, "kustomize", str(NATS.parent / "base")], capture_output=True, text=True, check=True)
    documents = [d for d in yaml.safe_load_all(run.stdout) if d]
    (common,) = [d for d in documents if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "kyodo-common"]
    ca_file = PurePosixPath(common["data"]["KYODO_BUS__TLS_CA_FILE"])
    assert ca_file.name == "ca.crt"  # the key of the CA's certificate in nats-tls, copied into nats-ca
    pods = [d for d in documents if d["kind"] in {"Deployment", "Job"}]
    assert {d["kind"] for d in pods} == {"Deployment", "Job"}
    for workload in pods:
        pod = workload["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        assert {"configMapRef": {"name": common["metadata"]["name"]}} in container["envFrom"], workload["metadata"]
        (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == str(ca_file.parent)]
        assert mount.get("readOnly") is True, workload["metadata"]["name"]
        (volume,) = [v for v in pod["volumes"] if v["name"] == mount["name"]]
        assert volume["configMap"]["name"] == "nats-ca", workload["metadata"]["name"]
