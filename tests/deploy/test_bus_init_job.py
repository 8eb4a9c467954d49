"""The `kyodo bus init` Job as the production overlay renders it: it runs the services' image as its own NATS user
(kyodo-bus-init, never the operator's), reaches NATS only, and the services themselves only check the bus
(KYODO_BUS__PROVISION=check).

Reads `kubectl kustomize deploy/overlays/production` through test_network.py's helpers (the dev extra's kubectl;
missing, these tests fail), so what is asserted is what `kubectl apply -k` would send.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from test_manifests import BASE, SERVICES, load
from test_network import ROOT, policies, production, selects, tcp

from kyodo_shared.bus.permissions import BUS_INIT as BUS_INIT_USER
from kyodo_shared.bus.permissions import OPERATOR
from kyodo_shared.bus.topology import provision_hint
from kyodo_shared.tasks.health import DOCS

BUS_INIT = BASE / "bus-init"
AUTH_CONF = ROOT / "deploy" / "nats" / "auth.conf"
URL = "KYODO_BUS__NATS_URL"
ROLLOUT = (
    "kubectl delete job -n kyodo kyodo-bus-init --ignore-not-found",
    "kubectl apply -k deploy/overlays/production",
    "kubectl wait -n kyodo --for=condition=complete job/kyodo-bus-init --timeout=10m",
)

Manifest = dict[str, Any]


def rendered(kind: str, name: str) -> Manifest:
    (found,) = [r for r in production() if r["kind"] == kind and r["metadata"]["name"] == name]
    return found


def job() -> Manifest:
    return rendered("Job", "kyodo-bus-init")


def pod() -> Manifest:
    spec: Manifest = job()["spec"]["template"]["spec"]
    return spec


def main(spec: Manifest) -> Manifest:
    containers: list[Manifest] = spec["containers"]
    (container,) = containers
    return container


def deployments() -> list[Manifest]:
    found = [r for r in production() if r["kind"] == "Deployment"]
    assert {d["metadata"]["name"] for d in found} == set(SERVICES)
    return found


def environment(spec: Manifest) -> dict[str, str]:
    """The literal environment a pod's container ends up with: its ConfigMaps (rendered), then `env` values on top."""
    config_maps = {r["metadata"]["name"]: r.get("data", {}) for r in production() if r["kind"] == "ConfigMap"}
    env: dict[str, str] = {}
    for source in main(spec).get("envFrom", []):
        env |= config_maps[source["configMapRef"]["name"]]
    return env | {e["name"]: e["value"] for e in main(spec).get("env", []) if "value" in e}


def hosts(url: str) -> list[str]:
    """The servers of a (comma-separated) NATS URL, without credentials."""
    return [str(urlsplit(part.strip()).netloc).rpartition("@")[2] for part in url.split(",")]


def test_the_job_runs_bus_init_waiting_for_the_cluster_and_retries_within_a_deadline() -> None:
    spec = job()["spec"]
    assert main(pod())["args"] == ["bus", "init", "--wait", "300"]
    assert pod()["restartPolicy"] in ("Never", "OnFailure")
    assert 0 < spec["backoffLimit"] <= 5
    # Longer than one attempt's wait, and within the 10 minutes `kubectl wait` gives it (deploy/README.md).
    assert 300 < spec["activeDeadlineSeconds"] <= 600
    assert spec["ttlSecondsAfterFinished"] > 0


def test_argo_cd_runs_the_job_and_its_account_before_each_sync_replacing_the_previous_job() -> None:
    hook = {"argocd.argoproj.io/hook": "PreSync", "argocd.argoproj.io/hook-delete-policy": "BeforeHookCreation"}
    for kind, name in (("Job", "kyodo-bus-init"), ("ServiceAccount", pod()["serviceAccountName"])):
        assert hook.items() <= rendered(kind, name)["metadata"]["annotations"].items(), kind


def test_the_job_and_its_pods_are_labelled_as_the_egress_policy_selects_them() -> None:
    wanted = {
        "app.kubernetes.io/name": "kyodo-bus-init",
        "app.kubernetes.io/component": "bus-init",
        "app.kubernetes.io/part-of": "kyodo",
    }
    labels = job()["spec"]["template"]["metadata"]["labels"]
    assert wanted.items() <= job()["metadata"]["labels"].items()
    assert wanted.items() <= labels.items()
    assert selects(policies()["kyodo-bus-init-egress"]["podSelector"], labels)
    assert selects(policies()["kyodo-dns"]["podSelector"], labels), "it resolves the NATS Service's name"
    # Not a service pod: none of the services' allowances (ingress, PostgreSQL, the IdP) applies to it.
    for name in ("kyodo-services-ingress", "kyodo-services-metrics", "kyodo-services-egress"):
        assert not selects(policies()[name]["podSelector"], labels), name


def test_the_jobs_pods_may_send_to_nats_on_4222_only_and_receive_nothing() -> None:
    labels = job()["spec"]["template"]["metadata"]["labels"]
    egress = [
        rule
        for spec in policies().values()
        if selects(spec["podSelector"], labels) and "Egress" in spec["policyTypes"]
        for rule in spec.get("egress", [])
    ]
    dns = policies()["kyodo-dns"]["egress"]
    assert [rule for rule in egress if rule not in dns] == [{"ports": tcp(4222)}]
    ingress = [
        rule for spec in policies().values() if selects(spec["podSelector"], labels) for rule in spec.get("ingress", [])
    ]
    assert ingress == []


def test_the_job_takes_its_url_from_its_own_secret_never_a_literal() -> None:
    (url,) = [e for e in main(pod())["env"] if e["name"] == URL]
    assert url == {"name": URL, "valueFrom": {"secretKeyRef": {"name": "bus-init-bus", "key": URL}}}
    applied = {r["metadata"]["name"] for r in production() if r["kind"] == "Secret"}
    assert "bus-init-bus" not in applied, "created out of band, never applied from the repository"
    (kustomization,) = load(BUS_INIT / "kustomization.yaml")
    assert "bus-secret.template.yaml" not in kustomization["resources"]


def test_the_secret_template_names_the_bus_init_user_which_nats_knows_and_the_services_servers() -> None:
    (secret,) = load(BUS_INIT / "bus-secret.template.yaml")
    assert secret["metadata"]["name"] == "bus-init-bus"
    url = secret["stringData"][URL]
    parts = urlsplit(url)
    # The Job's own user (bus/permissions.py BUS_INIT: no delete, no purge, no event), never the operator's.
    assert (parts.scheme, parts.username, parts.password) == ("nats", BUS_INIT_USER, "REPLACE_PASSWORD")
    assert BUS_INIT_USER == "kyodo-bus-init" != OPERATOR
    users = re.findall(r'\{ user: "([^"]+)", password: \$(\w+),', AUTH_CONF.read_text(encoding="utf-8"))
    assert (BUS_INIT_USER, "KYODO_NATS_PASSWORD_KYODO_BUS_INIT") in users
    # The same servers as the services reach (each service's own Secret template).
    for service in SERVICES:
        (theirs,) = load(BASE / service / "bus-secret.template.yaml")
        assert hosts(url) == hosts(theirs["stringData"][URL]), service


def test_the_job_runs_the_services_image_after_the_overlay() -> None:
    images = {main(d["spec"]["template"]["spec"])["image"] for d in deployments()}
    assert images == {main(pod())["image"]}
    assert main(pod())["image"].startswith("registry.example.jp/"), "the overlay's `images` reached the Job"


def test_the_job_runs_as_locked_down_as_the_services() -> None:
    for deployment in deployments():
        spec = deployment["spec"]["template"]["spec"]
        assert pod()["securityContext"] == spec["securityContext"]
        assert main(pod())["securityContext"] == main(spec)["securityContext"]
    assert pod()["automountServiceAccountToken"] is False
    assert rendered("ServiceAccount", pod()["serviceAccountName"])["automountServiceAccountToken"] is False
    volumes = {v["name"]: v for v in pod()["volumes"]}
    mounts = {m["mountPath"]: m for m in main(pod())["volumeMounts"]}
    assert mounts.keys() == {"/tmp", "/etc/kyodo/nats-ca"}  # scratch; the CA of NATS's certificate (TLS)
    assert "emptyDir" in volumes[mounts["/tmp"]["name"]]
    assert volumes[mounts["/etc/kyodo/nats-ca"]["name"]]["configMap"] == {"name": "nats-ca"}
    assert mounts["/etc/kyodo/nats-ca"]["readOnly"] is True
    resources = main(pod())["resources"]
    assert {"cpu", "memory"} <= resources["requests"].keys()
    assert {"cpu", "memory"} <= resources["limits"].keys()


def test_the_job_makes_the_bus_with_the_services_settings() -> None:
    env = environment(pod())
    for deployment in deployments():
        theirs = environment(deployment["spec"]["template"]["spec"])
        for name in [n for n in theirs if n.startswith(("KYODO_BUS__", "KYODO_CONSUMER__"))]:
            assert env.get(name) == theirs[name], (deployment["metadata"]["name"], name)
    assert env["KYODO_BUS__STREAM_REPLICAS"] == "3"


def test_the_common_config_has_the_services_only_check_the_bus() -> None:
    assert rendered("ConfigMap", "kyodo-common")["data"]["KYODO_BUS__PROVISION"] == "check"


def test_no_service_deployment_makes_its_own_streams_or_consumers() -> None:
    for deployment in deployments():
        spec = deployment["spec"]["template"]["spec"]
        assert environment(spec)["KYODO_BUS__PROVISION"] == "check", deployment["metadata"]["name"]
        # Nor from a Secret, where the rendered manifests would not show the value.
        assert "KYODO_BUS__PROVISION" not in {e["name"] for e in main(spec)["env"] if "valueFrom" in e}


def test_the_rollout_order_and_the_sections_the_hints_name_are_written_where_they_point() -> None:
    # The services' /readyz hint names a section of docs/OPERATIONS.md; the Job's comment one of deploy/README.md.
    assert f"({DOCS}, 'Provisioning the bus')" in provision_hint("stream KYODO_REGISTRY")
    assert "\n## Provisioning the bus\n" in (ROOT / DOCS).read_text(encoding="utf-8")
    readme = (ROOT / "deploy" / "README.md").read_text(encoding="utf-8")
    job_yaml = (BUS_INIT / "job.yaml").read_text(encoding="utf-8")
    assert "\n## Bus init Job\n" in readme
    assert 'deploy/README.md, "Bus init Job"' in job_yaml
    # The same three commands, in this order, in both.
    for text in (readme, job_yaml):
        at = text.find(ROLLOUT[0])
        for command in ROLLOUT:
            at = text.find(command, at)
            assert at >= 0, command
