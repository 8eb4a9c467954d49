"""Issue 23: the routes' password never on nats-server's command line. A process's command line is readable by every
user of the node (/proc/<pid>/cmdline) and shown by `kubectl describe`; Kubernetes writes a `$(VAR)` of args into it.
So the rendered StatefulSet carries no password and no `$(VAR)`; routes.sh builds the routes' URLs into nats-server's
environment from the Secret's variable. The cluster that forms with it on loopback: tests/deploy/test_nats_cluster.py.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from kyodo_shared.bus.permissions import users

NATS = Path(__file__).resolve().parents[2] / "deploy" / "nats"
SECRET_KEYS = {user.password_variable for user in users()} | {"NATS_ROUTE_PASSWORD"}


@cache
def pod() -> dict[str, Any]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl not found")
    run = subprocess.run([kubectl, "kustomize", str(NATS)], capture_output=True, text=True, check=True)
    (statefulset,) = [d for d in yaml.safe_load_all(run.stdout) if d and d["kind"] == "StatefulSet"]
    spec: dict[str, Any] = statefulset["spec"]["template"]["spec"]
    return spec


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def test_no_container_of_the_statefulset_has_a_password_or_an_expansion_on_its_command_line_or_in_its_env() -> None:
    containers = [*pod()["containers"], *pod().get("initContainers", [])]
    assert containers
    for container in containers:
        exposed = [*container.get("command", []), *container.get("args", []), *strings(container.get("env", []))]
        exposed += list(strings(container.get("lifecycle", {})))
        assert [s for s in exposed if "$(" in s] == [], container["name"]  # Kubernetes would expand it in
        assert [s for s in exposed if "@" in s] == [], container["name"]  # credentials in a URL
        assert [s for s in exposed if any(key in s for key in SECRET_KEYS)] == [], container["name"]
        # Every value is one of these, none secret; the passwords reach the process only through envFrom.
        literal = {e["name"] for e in container.get("env", []) if "value" in e}
        assert literal <= {"NATS_STORE_DIR", "NATS_CLUSTER_LISTEN", "NATS_ROUTE_HOSTS", "GOMEMLIMIT"} | {
            "NATS_TLS_CERT",  # paths of the Secret nats-tls's files, not their content
            "NATS_TLS_KEY",
            "NATS_TLS_CA",
        }
        assert [e for e in container.get("env", []) if "secretKeyRef" in e.get("valueFrom", {})] == []
    (nats,) = pod()["containers"]
    assert nats["command"] + nats["args"] == [
        "/bin/sh",
        "/etc/nats/routes.sh",
        "nats-server",
        "-c",
        "/etc/nats/cluster.conf",
    ]
    assert nats["envFrom"] == [{"secretRef": {"name": "nats-users"}}]


def test_the_cluster_conf_takes_the_routes_and_their_password_from_the_environment_only() -> None:
    conf = (NATS / "cluster.conf").read_text(encoding="utf-8")
    settings = [line.strip() for line in conf.splitlines() if line.strip() and not line.strip().startswith("#")]
    assert "include ./nats-server.conf" in settings
    assert "password: $NATS_ROUTE_PASSWORD" in settings
    assert "routes: $NATS_ROUTES" in settings
    assert "listen: $NATS_CLUSTER_LISTEN" in settings
    assert "no_advertise: true" in settings
    assert not [line for line in settings if "@" in line or "nats://" in line]


def routes_sh(environment: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """routes.sh starting `env` in place of nats-server: what the server's environment would hold."""
    return subprocess.run(
        ["/bin/sh", str(NATS / "routes.sh"), "env"],
        env={"PATH": "/usr/bin:/bin", **environment},
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )


def test_routes_sh_hands_the_server_every_routes_url_with_the_password_in_its_environment(tmp_path: Path) -> None:
    hosts = "nats-0.nats-headless:6222,nats-1.nats-headless:6222,nats-2.nats-headless:6222"
    run = routes_sh({"NATS_ROUTE_HOSTS": hosts, "NATS_ROUTE_PASSWORD": "s3cr3t"}, tmp_path)
    assert run.returncode == 0, run.stderr
    (routes,) = [line for line in run.stdout.splitlines() if line.startswith("NATS_ROUTES=")]
    urls = ", ".join(f'"nats://route:s3cr3t@nats-{n}.nats-headless:6222"' for n in range(3))
    assert routes == f"NATS_ROUTES=[{urls}]"


@pytest.mark.parametrize("password", ["", "has space", "p@ss", "a$(b)"])
def test_routes_sh_refuses_a_missing_or_unsafe_password_and_says_what_to_do(tmp_path: Path, password: str) -> None:
    environment = {"NATS_ROUTE_HOSTS": "nats-0.nats-headless:6222"}
    if password:
        environment["NATS_ROUTE_PASSWORD"] = password
    run = routes_sh(environment, tmp_path)
    assert run.returncode == 1
    assert "NATS_ROUTES=" not in run.stdout  # nothing started
    assert "Secret nats-users" in run.stderr
    assert "Traceback" not in run.stderr
