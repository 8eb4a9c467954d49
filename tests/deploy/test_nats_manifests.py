"""deploy/nats: the NATS cluster's manifests, rendered with kustomize, and their ties to what the tests run (the same
nats-server.conf and auth.conf in the ConfigMap, the same release as the wheel, the users the code defines)."""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from kyodo_shared.bus.permissions import users

from support.servers import nats_server_binary

NATS = Path(__file__).resolve().parents[2] / "deploy" / "nats"


@cache
def rendered() -> dict[str, dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl not found")
    run = subprocess.run([kubectl, "kustomize", str(NATS)], capture_output=True, text=True, check=True)
    return {doc["kind"] + "/" + doc["metadata"]["name"]: doc for doc in yaml.safe_load_all(run.stdout) if doc}


def statefulset() -> dict[str, Any]:
    found: dict[str, Any] = rendered()["StatefulSet/nats"]
    return found


def container() -> dict[str, Any]:
    found: dict[str, Any] = statefulset()["spec"]["template"]["spec"]["containers"][0]
    return found


def test_the_config_map_holds_the_very_files_the_tests_start_nats_server_with() -> None:
    config = next(doc for key, doc in rendered().items() if key.startswith("ConfigMap/nats-config-"))
    files = ("nats-server.conf", "auth.conf", "cluster.conf", "routes.sh")
    assert config["data"] == {name: (NATS / name).read_text(encoding="utf-8") for name in files}
    volumes = statefulset()["spec"]["template"]["spec"]["volumes"]
    assert {"name": "config", "configMap": {"name": config["metadata"]["name"]}} in volumes
    assert {"name": "config", "mountPath": "/etc/nats", "readOnly": True} in container()["volumeMounts"]
    # cluster.conf includes nats-server.conf, the file a test's single server runs.
    assert container()["args"] == ["nats-server", "-c", "/etc/nats/cluster.conf"]
    assert "include ./nats-server.conf" in (NATS / "cluster.conf").read_text(encoding="utf-8")


def test_three_servers_one_a_node_start_together_and_route_to_each_other_with_a_password() -> None:
    spec = statefulset()["spec"]
    assert spec["replicas"] == 3
    assert spec["podManagementPolicy"] == "Parallel"
    assert spec["serviceName"] == "nats-headless"
    anti = spec["template"]["spec"]["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert anti == [
        {"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "nats"}}}
    ]
    conf = (NATS / "cluster.conf").read_text(encoding="utf-8")
    assert "name: kyodo" in conf
    # The routes' URLs and password from the environment (routes.sh, the Secret): test_nats_route_password.py.
    assert "password: $NATS_ROUTE_PASSWORD" in conf
    assert "routes: $NATS_ROUTES" in conf
    env = {e["name"]: e.get("value") for e in container()["env"]}
    assert env["NATS_CLUSTER_LISTEN"] == "0.0.0.0:6222"
    assert env["NATS_ROUTE_HOSTS"].split(",") == [f"nats-{n}.nats-headless:6222" for n in range(3)]
    assert "no_advertise: true" in conf  # clients reconnect through the Service, with their URL's credentials
    headless = rendered()["Service/nats-headless"]["spec"]
    assert headless["clusterIP"] == "None"
    assert headless["publishNotReadyAddresses"] is True


def test_the_servers_name_store_and_passwords_come_from_the_pod_and_the_secret() -> None:
    env = {e["name"]: e for e in container()["env"]}
    assert env["NATS_SERVER_NAME"]["valueFrom"] == {"fieldRef": {"fieldPath": "metadata.name"}}
    assert env["NATS_STORE_DIR"]["value"] == "/data"
    assert "NATS_ROUTE_PASSWORD" not in env  # from envFrom, like the users' passwords
    assert container()["envFrom"] == [{"secretRef": {"name": "nats-users"}}]
    conf = (NATS / "nats-server.conf").read_text(encoding="utf-8")
    assert "server_name: $NATS_SERVER_NAME" in conf
    assert "store_dir: $NATS_STORE_DIR" in conf
    assert {"name": "data", "mountPath": "/data"} in container()["volumeMounts"]
    claim = statefulset()["spec"]["volumeClaimTemplates"][0]
    assert claim["metadata"]["name"] == "data"
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert claim["spec"]["resources"]["requests"]["storage"] == "20Gi"


def test_the_secret_template_names_every_users_password_and_is_never_applied() -> None:
    template = yaml.safe_load((NATS / "secret.template.yaml").read_text(encoding="utf-8"))
    wanted = {user.password_variable for user in users()} | {"NATS_ROUTE_PASSWORD"}
    assert set(template["stringData"]) == wanted
    assert set(template["stringData"].values()) == {"REPLACE_ME"}
    assert not [key for key in rendered() if key.startswith("Secret/")]
    kustomization = yaml.safe_load((NATS / "kustomization.yaml").read_text(encoding="utf-8"))
    assert "secret.template.yaml" not in kustomization["resources"]


def test_the_server_runs_as_non_root_on_a_read_only_root_filesystem() -> None:
    pod = statefulset()["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    assert container()["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }


def test_the_probes_ask_the_monitoring_port_as_the_official_chart_does() -> None:
    probes = {kind: container()[kind]["httpGet"] for kind in ("startupProbe", "livenessProbe", "readinessProbe")}
    assert probes == {
        "startupProbe": {"path": "/healthz", "port": "monitor"},
        "livenessProbe": {"path": "/healthz?js-enabled-only=true", "port": "monitor"},
        "readinessProbe": {"path": "/healthz?js-server-only=true", "port": "monitor"},
    }
    assert {"name": "monitor", "containerPort": 8222} in container()["ports"]
    assert "http_port: 8222" in (NATS / "nats-server.conf").read_text(encoding="utf-8")


def test_a_disruption_takes_at_most_one_server_and_the_clients_reach_them_on_4222() -> None:
    pdb = rendered()["PodDisruptionBudget/nats"]["spec"]
    assert pdb == {"maxUnavailable": 1, "selector": {"matchLabels": {"app.kubernetes.io/name": "nats"}}}
    client = rendered()["Service/nats"]["spec"]
    assert client["ports"] == [{"name": "client", "port": 4222, "targetPort": "client"}]
    assert client["selector"] == {"app.kubernetes.io/name": "nats"}
    # The services' KYODO_BUS__NATS_URL names this Service in this namespace.
    assert rendered()["Service/nats"]["metadata"]["namespace"] == "nats"


def test_the_image_is_the_release_of_the_nats_server_the_tests_run() -> None:
    version = subprocess.run([str(nats_server_binary()), "--version"], capture_output=True, text=True, check=True)
    tested = re.search(r"v(\d+\.\d+\.\d+)", version.stdout)
    assert tested is not None
    assert container()["image"] == f"nats:{tested[1]}-alpine"
