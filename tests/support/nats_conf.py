"""nats-server started from the shipped deploy/nats/nats-server.conf (and the auth.conf it includes), as the
StatefulSet runs it: the same file, the users' passwords and the server's name from the environment. Either a single
server on loopback (the cluster is given on the StatefulSet's command line, never in the file), or the StatefulSet's
cluster itself with the pods' names replaced by loopback ports. Each server is stopped by its own PID.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

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

STATEFULSET = REPO / "deploy" / "nats" / "statefulset.yaml"
_ROUTE_HOST = re.compile(r"nats-(\d+)\.nats-headless:6222")


def statefulset_args() -> list[str]:
    """The nats-server arguments of deploy/nats/statefulset.yaml, as written (before Kubernetes expands $(VAR))."""
    manifest = yaml.safe_load(STATEFULSET.read_text(encoding="utf-8"))
    args: list[str] = manifest["spec"]["template"]["spec"]["containers"][0]["args"]
    return args


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
    """Servers started as the StatefulSet starts its pods — the same file, the same cluster flags with the pods'
    names replaced by loopback ports — each of which a test may stop and start again (by its own PID)."""

    nodes: list[ClusterNode]
    passwords: dict[str, str]
    route_password: str
    environment: dict[str, str]

    def url(self, user: str, node: int = 0) -> str:
        """One server's URL with the user's credentials, as KYODO_BUS__NATS_URL carries them."""
        return f"nats://{user}:{self.passwords[user]}@{LOOPBACK}:{self.nodes[node].port}"

    def urls(self, user: str) -> str:
        """Every server, credentials on each: the servers advertise none to clients (`--no_advertise`, as in the
        StatefulSet, where the Service stands for all three), so a client that must survive one server's loss on
        loopback names them all."""
        return ",".join(self.url(user, n) for n in range(len(self.nodes)))

    def args(self, node: ClusterNode, route_password: str | None = None) -> list[str]:
        password = route_password or self.route_password
        ports = [n.cluster_port for n in self.nodes]
        args = [a.replace("$(NATS_ROUTE_PASSWORD)", password) for a in statefulset_args()]
        args = [a.replace("0.0.0.0:6222", f"{LOOPBACK}:{node.cluster_port}") for a in args]
        args = [_ROUTE_HOST.sub(lambda m: f"{LOOPBACK}:{ports[int(m[1])]}", a) for a in args]
        conf = args.index("/etc/nats/nats-server.conf")
        args[conf] = str(CONF)
        return [str(nats_server_binary()), *args, "-a", LOOPBACK, "-p", str(node.port), "-m", str(node.monitor_port)]

    def start(self, node: ClusterNode, timeout: float = 15.0, route_password: str | None = None) -> None:
        environment = {**self.environment, "NATS_SERVER_NAME": node.name, "NATS_STORE_DIR": str(node.store)}
        with node.log_path.open("ab") as log:
            node.process = subprocess.Popen(
                self.args(node, route_password),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=environment,
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
        cluster = ConfiguredCluster(nodes, passwords, secrets.token_hex(12), environment)
        try:
            for node in nodes:
                cluster.start(node)
            yield cluster
        finally:
            for node in nodes:
                cluster.stop(node)
