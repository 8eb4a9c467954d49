"""The network as rendered for production: default deny, each allowed flow exactly, and /metrics kept off the Ingress:
served on a port of its own that Prometheus alone reaches, and blocked on the public paths besides.

Reads `kubectl kustomize deploy/overlays/production` (the dev extra's kubectl beside this interpreter; missing, these
tests fail), so what is asserted is what `kubectl apply -k` would send.
"""

from __future__ import annotations

import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = ROOT / "deploy" / "overlays" / "production"
SERVICES = ("registry", "info-hub", "proposals", "screening", "evaluation")
API_PODS = {"app.kubernetes.io/component": "api", "app.kubernetes.io/part-of": "kyodo"}
CNPG_PODS = {"matchExpressions": [{"key": "cnpg.io/cluster", "operator": "Exists"}]}
METRICS_PORT = 9100
PROMETHEUS = {
    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
    "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}},
}

Manifest = dict[str, Any]


def tcp(*ports: int) -> list[dict[str, Any]]:
    return [{"protocol": "TCP", "port": port} for port in ports]


@cache
def production() -> tuple[Manifest, ...]:
    kubectl = Path(sys.executable).parent / "kubectl"
    assert kubectl.is_file(), "kubectl missing from the virtualenv: run ./dev.sh test (installs the dev extra)"
    run = subprocess.run(
        [str(kubectl), "kustomize", str(PRODUCTION)], capture_output=True, text=True, check=False, timeout=120
    )
    assert run.returncode == 0, run.stderr
    return tuple(d for d in yaml.safe_load_all(run.stdout) if d is not None)


def policies() -> dict[str, Manifest]:
    return {p["metadata"]["name"]: p["spec"] for p in production() if p["kind"] == "NetworkPolicy"}


def test_the_policy_set_is_exactly_the_default_deny_and_the_named_allowances() -> None:
    assert set(policies()) == {
        "kyodo-default-deny",
        "kyodo-dns",
        "kyodo-services-ingress",
        "kyodo-services-metrics",
        "kyodo-services-egress",
        "kyodo-postgresql",
        "kyodo-bus-init-egress",
        "kyodo-allow-prometheus-postgresql",
    }
    assert {p["metadata"]["namespace"] for p in production() if p["kind"] == "NetworkPolicy"} == {"kyodo"}


def test_a_default_deny_selects_every_pod_in_both_directions_and_allows_nothing() -> None:
    assert policies()["kyodo-default-deny"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


def test_every_pod_may_resolve_names_only_at_the_cluster_dns() -> None:
    (rule,) = policies()["kyodo-dns"]["egress"]
    assert policies()["kyodo-dns"]["podSelector"] == {}
    assert policies()["kyodo-dns"]["policyTypes"] == ["Egress"]
    assert rule["to"] == [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
        }
    ]
    assert rule["ports"] == [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]


def test_the_services_accept_only_the_ingress_controller_on_8000() -> None:
    spec = policies()["kyodo-services-ingress"]
    assert spec["podSelector"] == {"matchLabels": API_PODS}
    assert spec["policyTypes"] == ["Ingress"]
    assert spec["ingress"] == [
        {
            "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}],
            "ports": tcp(8000),
        }
    ]


def test_the_services_metrics_port_admits_prometheus_in_namespace_monitoring_only() -> None:
    spec = policies()["kyodo-services-metrics"]
    assert spec["podSelector"] == {"matchLabels": API_PODS}
    assert spec["policyTypes"] == ["Ingress"]
    assert spec["ingress"] == [{"from": [PROMETHEUS], "ports": tcp(METRICS_PORT)}]


def selects(selector: Manifest, labels: dict[str, str]) -> bool:
    """A label selector's meaning (matchLabels and matchExpressions), for a pod's labels."""
    if not selector.get("matchLabels", {}).items() <= labels.items():
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        present = key in labels
        held = {
            "Exists": present,
            "DoesNotExist": not present,
            "In": present and labels[key] in values,
            "NotIn": not present or labels[key] not in values,
        }[operator]
        if not held:
            return False
    return True


def test_no_policy_opens_the_metrics_port_of_the_services_to_anyone_but_prometheus() -> None:
    pods = [d["spec"]["template"]["metadata"]["labels"] for d in production() if d["kind"] == "Deployment"]
    assert len(pods) == len(SERVICES)
    for name, spec in policies().items():
        if not any(selects(spec["podSelector"], labels) for labels in pods):
            continue
        # An ingress rule naming no port opens them all.
        for rule in spec.get("ingress", []):
            ports = {entry["port"] for entry in rule.get("ports", [])}
            if not ports or METRICS_PORT in ports:
                assert rule.get("from") == [PROMETHEUS], name


def test_the_services_reach_only_nats_postgresql_and_the_identity_provider() -> None:
    spec = policies()["kyodo-services-egress"]
    assert spec["podSelector"] == {"matchLabels": API_PODS}
    assert spec["policyTypes"] == ["Egress"]
    assert spec["egress"] == [{"ports": tcp(4222)}, {"ports": tcp(5432)}, {"ports": tcp(443)}]


def test_postgresql_pods_accept_the_services_their_peers_and_the_operator_only() -> None:
    spec = policies()["kyodo-postgresql"]
    assert spec["podSelector"] == CNPG_PODS
    assert spec["policyTypes"] == ["Ingress", "Egress"]
    assert spec["ingress"] == [
        {"from": [{"podSelector": {"matchLabels": API_PODS}}], "ports": tcp(5432)},
        {"from": [{"podSelector": CNPG_PODS}], "ports": tcp(5432, 8000)},
        {
            "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "cnpg-system"}}}],
            "ports": tcp(8000, 5432),
        },
    ]
    assert spec["egress"] == [{"to": [{"podSelector": CNPG_PODS}], "ports": tcp(5432, 8000)}, {"ports": tcp(443, 6443)}]


def test_the_bus_init_job_reaches_only_nats() -> None:
    spec = policies()["kyodo-bus-init-egress"]
    assert spec["podSelector"] == {
        "matchLabels": {"app.kubernetes.io/component": "bus-init", "app.kubernetes.io/part-of": "kyodo"}
    }
    assert spec["policyTypes"] == ["Egress"]
    assert spec["egress"] == [{"ports": tcp(4222)}]


def test_prometheus_may_scrape_postgresql_by_the_component_and_the_services_only_by_their_metrics_port() -> None:
    assert policies()["kyodo-allow-prometheus-postgresql"]["ingress"] == [{"from": [PROMETHEUS], "ports": tcp(9187)}]
    assert policies()["kyodo-allow-prometheus-postgresql"]["podSelector"] == CNPG_PODS
    admitting = {
        name
        for name, spec in policies().items()
        for rule in spec.get("ingress", [])
        if PROMETHEUS in rule.get("from", [])
    }
    assert admitting == {"kyodo-services-metrics", "kyodo-allow-prometheus-postgresql"}


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_pod_is_selected_by_the_service_policies(service: str) -> None:
    (deployment,) = [d for d in production() if d["kind"] == "Deployment" and d["metadata"]["name"] == service]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert API_PODS.items() <= labels.items()
    assert "app.kubernetes.io/name" in labels


def routed(path: str) -> str:
    """The Service the Ingress sends `path` to, by the Ingress API's rule: the longest matching path wins, Exact over
    Prefix on a tie; Prefix matches whole segments (networking.k8s.io/v1, HTTPIngressPath)."""
    (ingress,) = [r for r in production() if r["kind"] == "Ingress"]
    best: tuple[int, int, str] | None = None
    for rule in ingress["spec"]["rules"]:
        for entry in rule["http"]["paths"]:
            rule_path, kind = entry["path"], entry["pathType"]
            if kind == "Exact":
                matches = path == rule_path
            else:
                segments = [s for s in rule_path.split("/") if s]
                matches = [s for s in path.split("/") if s][: len(segments)] == segments
            if matches:
                candidate = (len(rule_path.rstrip("/")), kind == "Exact", entry["backend"]["service"]["name"])
                best = candidate if best is None else max(best, candidate)
    assert best is not None, f"no rule for {path}"
    return best[2]


@pytest.mark.parametrize("service", SERVICES)
def test_metrics_never_reach_a_service_through_the_ingress_while_its_api_does(service: str) -> None:
    for path in (f"/api/{service}/metrics", f"/api/{service}/metrics/", f"/api/{service}/metrics/anything"):
        assert routed(path) == "kyodo-no-backend", path
    assert routed(f"/api/{service}/healthz") == service
    assert routed(f"/api/{service}/metricsxyz") == service, "Prefix matches whole segments only"
    assert routed(f"/api/{service}/audit/checkpoints") == service


def test_the_blocked_paths_go_to_a_service_that_selects_no_pod() -> None:
    (service,) = [r for r in production() if r["kind"] == "Service" and r["metadata"]["name"] == "kyodo-no-backend"]
    assert "selector" not in service["spec"], "a selector could one day match pods and serve /metrics"
    assert service["spec"]["ports"] == [{"name": "http", "port": 80, "protocol": "TCP"}]
    # Nothing in the tree gives it endpoints.
    assert not [r for r in production() if r["kind"] in ("Endpoints", "EndpointSlice")]


def test_the_production_ingress_has_its_host_and_tls_and_keeps_the_bases_paths() -> None:
    (ingress,) = [r for r in production() if r["kind"] == "Ingress"]
    (rule,) = ingress["spec"]["rules"]
    assert rule["host"] == "kyodo.city.kokubunji.example.jp"
    assert ingress["spec"]["tls"] == [{"hosts": [rule["host"]], "secretName": "kyodo-tls"}]
    assert len(rule["http"]["paths"]) == 2 * len(SERVICES) + 4 + 1  # blocked, APIs, pages, the portal


def test_no_ingress_route_reaches_the_metrics_port_which_the_scrape_annotations_name() -> None:
    services = {r["metadata"]["name"]: r for r in production() if r["kind"] == "Service"}
    (ingress,) = [r for r in production() if r["kind"] == "Ingress"]
    for rule in ingress["spec"]["rules"]:
        for entry in rule["http"]["paths"]:
            backend = entry["backend"]["service"]
            (port,) = [p for p in services[backend["name"]]["spec"]["ports"] if p["name"] == backend["port"]["name"]]
            # kyodo-no-backend has no pods; every other route ends at a container's port `http`.
            assert backend["name"] == "kyodo-no-backend" or port["targetPort"] == "http", entry["path"]
    for deployment in (d for d in production() if d["kind"] == "Deployment"):
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        (main,) = deployment["spec"]["template"]["spec"]["containers"]
        ports = {p["name"]: p["containerPort"] for p in main["ports"]}
        assert annotations["prometheus.io/port"] == str(ports["metrics"]) == str(METRICS_PORT)
        assert ports["http"] != ports["metrics"]
        assert annotations["prometheus.io/path"] == "/metrics"
