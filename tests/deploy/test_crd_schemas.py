"""Every custom resource deploy/ holds is validated against its CRD's schema (vendored in deploy/crds) — in CI.

The same code as `deploy/check.py` (imported from it): wrong types, values and unknown fields (which the API server
would drop silently) are reported with the object, the field path and the reason; a kind without a vendored schema
fails unless named with a reason; the schemas are those of the releases deploy/cnpg installs.
"""

from __future__ import annotations

import copy
import json
import re
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from support.scripts import load_script

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
VENV_KUBECTL = Path(sys.executable).parent / "kubectl"

Manifest = dict[str, Any]


check = load_script("kyodo_deploy_check", DEPLOY / "check.py")
refresh = load_script("kyodo_deploy_crds_refresh", DEPLOY / "crds" / "refresh.py")


@cache
def _rendered_cnpg() -> tuple[Manifest, ...]:
    assert VENV_KUBECTL.is_file(), f"no kubectl beside {sys.executable}: {check.INSTALL_HINT}"
    return tuple(check.render(str(VENV_KUBECTL), DEPLOY / "cnpg"))


def rendered_cnpg() -> list[Manifest]:
    return copy.deepcopy(list(_rendered_cnpg()))


def cluster(name: str = "kyodo-db") -> Manifest:
    (found,) = [m for m in rendered_cnpg() if m["kind"] == "Cluster" and m["metadata"]["name"] == name]
    return found


def test_the_shipped_custom_resources_and_restore_examples_are_valid_for_their_crd_schemas() -> None:
    manifests = [*rendered_cnpg(), *check.examples()]
    assert {m["kind"] for m in manifests} == {"Cluster", "Database", "ScheduledBackup", "ObjectStore"}
    assert {m["metadata"]["name"] for m in check.examples()} == {"kyodo-db-r1", "kyodo-vault-r1"}
    result = check.validate(manifests)
    assert result.errors == []
    assert result.skipped == []
    assert len(result.valid) == len(manifests)


def test_a_wrong_field_type_in_a_cluster_is_reported_with_the_object_the_field_path_and_the_reason() -> None:
    wrong = cluster()
    wrong["spec"]["instances"] = "3"
    wrong["spec"]["postgresql"]["parameters"]["max_connections"] = 400  # PostgreSQL parameters are strings
    wrong["spec"]["managed"]["roles"][1]["login"] = "yes"
    assert check.validate([wrong]).errors == [
        "postgresql.cnpg.io/v1 Cluster kyodo/kyodo-db: spec.instances: '3' is not of type 'integer'",
        "postgresql.cnpg.io/v1 Cluster kyodo/kyodo-db: spec.managed.roles[1].login: 'yes' is not of type 'boolean'",
        "postgresql.cnpg.io/v1 Cluster kyodo/kyodo-db: spec.postgresql.parameters.max_connections: "
        "400 is not of type 'string'",
    ]


def test_a_value_outside_an_enum_or_a_pattern_is_reported() -> None:
    wrong = cluster()
    wrong["spec"]["primaryUpdateStrategy"] = "automatic"
    wrong["spec"]["resources"]["requests"]["cpu"] = "1 core"  # a quantity: 1, 1000m
    errors = check.validate([wrong]).errors
    assert len(errors) == 2
    assert "spec.primaryUpdateStrategy: 'automatic' is not one of ['unsupervised', 'supervised']" in errors[0]
    assert "spec.resources.requests.cpu: '1 core' does not match" in errors[1]


def test_an_unknown_field_in_a_cluster_is_reported_as_an_error_naming_the_field_it_resembles() -> None:
    typo = cluster()
    typo["spec"]["enableSuperUserAccess"] = False  # the schema spells it enableSuperuserAccess
    typo["spec"]["plugins"][0]["isWalArchiver"] = True
    # Where the schema maps any key (PostgreSQL parameters), no key is unknown.
    typo["spec"]["postgresql"]["parameters"]["work_mem"] = "16MB"
    assert check.validate([typo]).errors == [
        "postgresql.cnpg.io/v1 Cluster kyodo/kyodo-db: spec.enableSuperUserAccess: unknown field, the API server "
        "would drop it; did you mean enableSuperuserAccess?",
        "postgresql.cnpg.io/v1 Cluster kyodo/kyodo-db: spec.plugins[0].isWalArchiver: unknown field, the API server "
        "would drop it; did you mean isWALArchiver?",
    ]


def test_the_metadata_of_a_custom_resource_is_checked_as_kubernetes_object_metadata() -> None:
    typo = cluster()
    typo["metadata"]["label"] = {"app": "x"}
    (error,) = check.validate([typo]).errors
    assert error.startswith("postgresql.cnpg.io/v1 Cluster kyodo/kyodo-db: metadata: ")
    assert "'label'" in error


def test_only_fields_a_schema_neither_declares_maps_nor_keeps_are_unknown() -> None:
    schema = {
        "type": "object",
        "properties": {
            "declared": {"type": "object", "properties": {"inner": {"type": "string"}}},
            "mapped": {"type": "object", "additionalProperties": {"properties": {"x": {"type": "string"}}}},
            "anything": {"type": "object", "additionalProperties": True},
            "kept": {
                "type": "object",
                "x-kubernetes-preserve-unknown-fields": True,
                "properties": {"known": {"type": "object", "properties": {"deep": {"type": "string"}}}},
            },
            "listed": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
        },
    }
    value = {
        "apiVersion": "example.com/v1",
        "kind": "Thing",
        "metadata": {"name": "a"},
        "declared": {"inner": "ok", "outer": 1},
        "mapped": {"any-key": {"x": "ok", "y": 2}},
        "anything": {"any": {"thing": True}},
        "kept": {"free": 1, "known": {"deep": "ok", "deeper": 3}},
        "listed": [{"name": "ok"}, {"nam": "typo"}],
        "extra": True,
    }
    unknown = [error.split(":")[0] for error in check.unknown_fields(value, schema)]
    # A preserved node keeps its own unknown keys, not those of the declared fields under it.
    assert unknown == ["declared.outer", "mapped.any-key.y", "kept.known.deeper", "listed[1].nam", "extra"]


def test_a_custom_resource_kind_without_a_vendored_schema_fails_unless_named_with_a_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pooler = {"apiVersion": "postgresql.cnpg.io/v1", "kind": "Pooler", "metadata": {"name": "kyodo-db-pooler"}}
    monitor = {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor", "metadata": {"name": "kyodo"}}
    result = check.validate([pooler, monitor])
    assert (result.valid, result.skipped) == ([], [])
    assert len(result.errors) == 2
    assert result.errors[0].startswith("postgresql.cnpg.io/v1 Pooler -/kyodo-db-pooler: no CRD schema for ")
    assert "deploy/crds/README.md" in result.errors[0]
    monkeypatch.setattr(check, "UNVALIDATED", {"monitoring.coreos.com/v1 ServiceMonitor": "the reason"})
    result = check.validate([pooler, monitor])
    assert len(result.errors) == 1
    assert result.skipped == ["monitoring.coreos.com/v1 ServiceMonitor -/kyodo: the reason"]


def test_the_check_fails_printing_each_error_of_a_custom_resource(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = cluster("kyodo-vault")
    wrong["spec"]["instances"] = "3"
    wrong["spec"]["storage"]["sizee"] = "5Gi"
    monkeypatch.setattr(check, "examples", lambda: [wrong])
    assert check.run(str(VENV_KUBECTL)) == 1
    failed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("FAIL")]
    assert failed == [
        "FAIL schema postgresql.cnpg.io/v1 Cluster kyodo/kyodo-vault: spec.instances: '3' is not of type 'integer'",
        "FAIL schema postgresql.cnpg.io/v1 Cluster kyodo/kyodo-vault: spec.storage.sizee: unknown field, the API "
        "server would drop it; did you mean size?",
    ]


def versions_named_in_deploy_cnpg() -> dict[str, str]:
    text = (DEPLOY / "cnpg" / "README.md").read_text(encoding="utf-8")
    operator = re.search(r"CloudNativePG\]\([^)]*\) (\d+\.\d+\.\d+)", text)
    plugin = re.search(r"Barman Cloud Plugin (\d+\.\d+\.\d+)", text)
    assert operator
    assert plugin
    return {"cloudnative-pg/cloudnative-pg": f"v{operator[1]}", "cloudnative-pg/plugin-barman-cloud": f"v{plugin[1]}"}


def test_the_vendored_schemas_come_from_the_releases_deploy_cnpg_installs_as_refresh_py_names_them() -> None:
    files = sorted((DEPLOY / "crds").glob("*.json"))
    assert [f.name for f in files] == [
        "barmancloud.cnpg.io_objectstores.json",
        "postgresql.cnpg.io_clusters.json",
        "postgresql.cnpg.io_databases.json",
        "postgresql.cnpg.io_scheduledbackups.json",
    ]
    tags = versions_named_in_deploy_cnpg()
    for path in files:
        document = json.loads(path.read_text(encoding="utf-8"))
        source = document["source"]
        assert source["tag"] == tags[source["repository"]], path.name
        assert re.fullmatch(r"[0-9a-f]{40}", source["commit"])
        tag, paths = refresh.SOURCES[source["repository"]]
        assert (tag, source["path"] in paths) == (source["tag"], True)
        assert document["openAPIV3Schema"]["type"] == "object"
        assert refresh.without_descriptions(document["openAPIV3Schema"]) == document["openAPIV3Schema"]
    assert sum(len(paths) for _, paths in refresh.SOURCES.values()) == len(files)


def test_refresh_drops_description_keywords_but_keeps_a_property_named_description() -> None:
    schema = {
        "description": "A cluster",
        "properties": {"description": {"description": "Free text", "type": "string"}, "n": {"type": "integer"}},
        "items": [{"description": "x", "type": "string"}],
    }
    assert refresh.without_descriptions(schema) == {
        "properties": {"description": {"type": "string"}, "n": {"type": "integer"}},
        "items": [{"type": "string"}],
    }
