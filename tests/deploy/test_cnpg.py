"""Properties of deploy/cnpg (PostgreSQL on CloudNativePG) that must not regress.

Reads the YAML directly (no cluster, no kubectl): the versions named, the Clusters' instances, image and storage, a
database and an owning role with a password Secret for every service, the Secrets between CloudNativePG and the
services (names and keys as the Deployments read them), backups and their retention, the restore examples, and that
no password is written anywhere.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
import pytest
import yaml
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from kyodo_shared.service import discover

from support.scripts import load_script
from support.servers import spawn_postgres

ROOT = Path(__file__).resolve().parents[2]
CNPG = ROOT / "deploy" / "cnpg"
BASE = ROOT / "deploy" / "base"
CNPG_VERSION = "1.30.0"
PLUGIN_VERSION = "0.14.0"
PLUGIN = "barman-cloud.cloudnative-pg.io"
CLUSTERS = {"db": "kyodo-db", "vault": "kyodo-vault"}
PLACEHOLDER = re.compile(r"^REPLACE_[A-Z_]+$")

Manifest = dict[str, Any]


def load(path: Path) -> list[Manifest]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc is not None]


def applied() -> list[Manifest]:
    kustomization = load(CNPG / "kustomization.yaml")[0]
    return [doc for name in kustomization["resources"] for doc in load(CNPG / name)]


def of_kind(kind: str, docs: list[Manifest] | None = None) -> dict[str, Manifest]:
    return {doc["metadata"]["name"]: doc for doc in (docs if docs is not None else applied()) if doc["kind"] == kind}


def secrets_script() -> ModuleType:
    return load_script("kyodo_cnpg_secrets", CNPG / "cnpg_secrets.py")


def services() -> dict[str, str]:
    """Every service in services/, with the PostgreSQL schema its ConfigMap gives it."""
    found = {}
    for folder in sorted(p.name for p in (ROOT / "services").iterdir() if any(p.glob("kyodo_*/__init__.py"))):
        config = load(BASE / folder / "configmap.yaml")[0]
        found[folder] = config["data"]["KYODO_STORE__PG_SCHEMA"]
    return found


def role_name(schema: str, kind: str) -> str:
    return schema if kind == "db" else f"{schema}_vault"


def retention_days(policy: str) -> int:
    match = re.fullmatch(r"([1-9][0-9]*)([dwm])", policy)
    assert match, policy
    return int(match[1]) * {"d": 1, "w": 7, "m": 30}[match[2]]


def test_the_services_found_are_the_five_known_ones() -> None:
    # Guards the tests below against finding no service at all (a moved folder would make them vacuous).
    assert services() == {
        "evaluation": "evaluation",
        "info-hub": "info_hub",
        "proposals": "proposals",
        "registry": "registry",
        "screening": "screening",
    }


def test_the_readme_and_every_manifest_name_the_cloudnativepg_and_plugin_versions() -> None:
    readme = (CNPG / "README.md").read_text(encoding="utf-8")
    assert f"[CloudNativePG](https://cloudnative-pg.io/) {CNPG_VERSION}" in readme
    assert f"Barman Cloud Plugin {PLUGIN_VERSION}" in readme
    assert f"cnpg-{CNPG_VERSION}.yaml" in readme
    assert f"v{PLUGIN_VERSION}/manifest.yaml" in readme
    manifests = [*(CNPG / name for name in load(CNPG / "kustomization.yaml")[0]["resources"]), *CNPG.glob("restore/*")]
    for path in [CNPG / "kustomization.yaml", *manifests]:
        text = path.read_text(encoding="utf-8")
        assert f"CloudNativePG {CNPG_VERSION}" in text, path
    for doc in applied():
        assert doc["apiVersion"] in {"postgresql.cnpg.io/v1", "barmancloud.cnpg.io/v1"}, doc["kind"]


def test_the_kustomization_applies_clusters_databases_stores_and_schedules_but_no_secret_or_restore() -> None:
    kustomization = load(CNPG / "kustomization.yaml")[0]
    assert kustomization["namespace"] == "kyodo"
    assert not [name for name in kustomization["resources"] if "template" in name or "restore" in name]
    kinds = {doc["kind"] for doc in applied()}
    assert kinds == {"Cluster", "Database", "ObjectStore", "ScheduledBackup"}
    assert set(of_kind("Cluster")) == set(CLUSTERS.values())


@pytest.mark.parametrize("cluster", sorted(CLUSTERS.values()))
def test_each_cluster_runs_three_instances_of_a_pinned_image_on_persistent_storage(cluster: str) -> None:
    spec = of_kind("Cluster")[cluster]["spec"]
    assert spec["instances"] == 3
    image = spec["imageName"]
    assert re.fullmatch(r"ghcr\.io/cloudnative-pg/postgresql:\d+\.\d+-[a-z-]+(@sha256:[0-9a-f]{64})?", image), image
    assert "-system-" not in image  # deprecated flavour, only for the in-tree Barman Cloud
    assert re.fullmatch(r"[1-9][0-9]*Gi", spec["storage"]["size"])
    assert spec["affinity"]["podAntiAffinityType"] == "required"
    # A commit waits for a standby: a failover loses no committed event (nor an erasure, in the vault).
    assert spec["postgresql"]["synchronous"]["number"] >= 1
    assert spec["enableSuperuserAccess"] is False
    assert "hostnossl all all all reject" in spec["postgresql"]["pg_hba"]


@pytest.mark.parametrize("kind", sorted(CLUSTERS))
def test_every_service_has_a_database_and_an_owning_login_role_with_a_password_secret(kind: str) -> None:
    cluster = CLUSTERS[kind]
    spec = of_kind("Cluster")[cluster]["spec"]
    roles = {role["name"]: role for role in spec["managed"]["roles"]}
    databases = {
        d["spec"]["name"]: d["spec"] for d in of_kind("Database").values() if d["spec"]["cluster"]["name"] == cluster
    }
    expected = {role_name(schema, kind) for schema in services().values()}
    assert set(roles) == expected
    assert set(databases) == expected
    for service, schema in services().items():
        name = role_name(schema, kind)
        role = roles[name]
        assert role["login"] is True
        assert role.get("superuser", False) is False
        assert role["ensure"] == "present"
        assert role["passwordSecret"]["name"] == f"{cluster}-role-{service}"
        assert databases[name]["owner"] == name
        assert databases[name]["ensure"] == "present"
        # Deleting a Database resource must never drop a service's data.
        assert databases[name]["databaseReclaimPolicy"] == "retain"


@pytest.mark.parametrize("cluster", sorted(CLUSTERS.values()))
def test_initdb_makes_one_of_the_declared_databases_with_its_roles_own_secret(cluster: str) -> None:
    spec = of_kind("Cluster")[cluster]["spec"]
    initdb = spec["bootstrap"]["initdb"]
    roles = {role["name"]: role for role in spec["managed"]["roles"]}
    assert initdb["database"] == initdb["owner"]
    assert initdb["owner"] in roles
    assert initdb["secret"]["name"] == roles[initdb["owner"]]["passwordSecret"]["name"]


def test_the_role_secrets_template_holds_every_password_secret_the_clusters_name_with_placeholders() -> None:
    named = {
        role["passwordSecret"]["name"]: role["name"]
        for cluster in of_kind("Cluster").values()
        for role in cluster["spec"]["managed"]["roles"]
    }
    templates = of_kind("Secret", load(CNPG / "role-secrets.template.yaml"))
    assert set(templates) == set(named)
    for name, secret in templates.items():
        assert secret["type"] == "kubernetes.io/basic-auth"
        assert secret["metadata"]["labels"]["cnpg.io/reload"] == "true"
        # CloudNativePG sets the password of the role the username names: it must be the role itself.
        assert secret["stringData"]["username"] == named[name]
        assert PLACEHOLDER.match(secret["stringData"]["password"])


def test_the_object_store_credentials_exist_as_templates_with_placeholders_only() -> None:
    stores = of_kind("ObjectStore")
    referenced = {
        ref["name"]
        for store in stores.values()
        for ref in store["spec"]["configuration"]["s3Credentials"].values()
        if isinstance(ref, dict)
    }
    templates = of_kind("Secret", load(CNPG / "backup-credentials.template.yaml"))
    assert set(templates) == referenced
    for secret in templates.values():
        assert "data" not in secret
        assert all(PLACEHOLDER.match(value) for value in secret["stringData"].values())


def deployment_secret_refs(service: str) -> dict[str, tuple[str, str]]:
    deployment = load(BASE / service / "deployment.yaml")[0]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    return {
        env["name"]: (env["valueFrom"]["secretKeyRef"]["name"], env["valueFrom"]["secretKeyRef"]["key"])
        for env in container["env"]
        if "secretKeyRef" in env.get("valueFrom", {})
    }


def test_the_dsn_secrets_made_are_the_names_and_keys_the_deployments_and_base_templates_use() -> None:
    script = secrets_script()
    assert services() == script.SERVICES
    for target in script.TARGETS:
        refs = deployment_secret_refs(target.service)
        assert refs[target.dsn_key] == (target.dsn_secret, target.dsn_key)
        template = "secret.template.yaml" if target.kind == "db" else "vault-secret.template.yaml"
        shape = load(BASE / target.service / template)[0]
        assert shape["metadata"]["name"] == target.dsn_secret
        assert set(shape["stringData"]) == {target.dsn_key}
        made = script.dsn_secret(target, "kyodo", CLUSTERS[target.kind], "pw")
        assert made["metadata"]["name"] == target.dsn_secret
        assert set(made["stringData"]) == {target.dsn_key}


def test_the_script_reads_the_role_secrets_the_clusters_name() -> None:
    script = secrets_script()
    named = {
        (kind, role["name"]): role["passwordSecret"]["name"]
        for kind, cluster in CLUSTERS.items()
        for role in of_kind("Cluster")[cluster]["spec"]["managed"]["roles"]
    }
    assert {(t.kind, t.role): t.role_secret for t in script.TARGETS} == named


def test_a_dsn_holds_only_the_five_parts_a_service_accepts_with_the_password_intact() -> None:
    script = secrets_script()
    password = "p@ss/w:rd%?#&=é "
    for target in script.TARGETS:
        cluster = CLUSTERS[target.kind]
        url = script.dsn_secret(target, "kyodo", cluster, password)["stringData"][target.dsn_key]
        parts = conninfo_to_dict(url)
        assert parts == {
            "host": f"{cluster}-rw.kyodo.svc",
            "port": "5432",
            "user": target.role,
            "password": password,
            "dbname": target.database,
        }


def test_a_role_secret_for_another_role_is_refused_and_printed_secrets_are_masked() -> None:
    script = secrets_script()
    target = script.Target("info-hub", "vault")
    assert script.credentials({"username": b64("info_hub_vault"), "password": b64("s3cret")}, target) == "s3cret"
    with pytest.raises(SystemExit, match="info_hub_vault"):
        script.credentials({"username": b64("info_hub"), "password": b64("s3cret")}, target)
    shown = json.dumps(
        [
            script.masked(script.dsn_secret(target, "kyodo", "kyodo-vault", "s3cret")),
            script.masked(script.role_secret(target, "kyodo", "s3cret")),
        ]
    )
    assert "s3cret" not in shown
    assert "info_hub_vault:********@kyodo-vault-rw.kyodo.svc:5432/info_hub_vault" in shown


@pytest.mark.parametrize("kind", sorted(CLUSTERS))
def test_each_cluster_archives_wal_and_is_backed_up_daily_to_its_object_store_by_the_plugin(kind: str) -> None:
    cluster = CLUSTERS[kind]
    spec = of_kind("Cluster")[cluster]["spec"]
    assert "backup" not in spec  # the in-tree barmanObjectStore is deprecated in 1.30, removed in 1.31
    (plugin,) = spec["plugins"]
    assert plugin["name"] == PLUGIN
    assert plugin["isWALArchiver"] is True
    assert plugin["parameters"]["barmanObjectName"] == f"{cluster}-backups"
    assert f"{cluster}-backups" in of_kind("ObjectStore")
    schedules = [s["spec"] for s in of_kind("ScheduledBackup").values() if s["spec"]["cluster"]["name"] == cluster]
    assert len(schedules) == 1
    (schedule,) = schedules
    assert schedule["method"] == "plugin"
    assert schedule["pluginConfiguration"]["name"] == PLUGIN
    # Six fields, seconds first (CloudNativePG's cron), every day at a fixed time.
    seconds, minute, hour, *rest = schedule["schedule"].split()
    assert rest == ["*", "*", "*"]
    assert all(field.isdigit() for field in (seconds, minute, hour))
    assert schedule["immediate"] is True


def test_the_vault_keeps_its_backups_shorter_in_its_own_bucket_with_its_own_credentials() -> None:
    stores = {name: store["spec"] for name, store in of_kind("ObjectStore").items()}
    db, vault = stores["kyodo-db-backups"], stores["kyodo-vault-backups"]
    assert retention_days(vault["retentionPolicy"]) < retention_days(db["retentionPolicy"])
    # A destroyed key leaves the vault's backups within about a week (README.md, "Restoring the vault").
    assert retention_days(vault["retentionPolicy"]) <= 7
    assert retention_days(db["retentionPolicy"]) >= 30
    bucket = re.compile(r"s3://([^/]+)/")
    db_bucket, vault_bucket = (bucket.match(s["configuration"]["destinationPath"]) for s in (db, vault))
    assert db_bucket
    assert vault_bucket
    assert db_bucket[1] != vault_bucket[1]
    db_keys = {ref["name"] for ref in db["configuration"]["s3Credentials"].values()}
    vault_keys = {ref["name"] for ref in vault["configuration"]["s3Credentials"].values()}
    assert not db_keys & vault_keys
    for spec in (db, vault):
        assert "serverName" not in spec["configuration"]  # the plugin wants it empty in the ObjectStore


def restore(name: str) -> Manifest:
    (doc,) = load(CNPG / "restore" / name)
    return doc


@pytest.mark.parametrize(("kind", "example"), [("db", "kyodo-db-pitr.yaml"), ("vault", "kyodo-vault.yaml")])
def test_a_restore_example_is_its_cluster_bootstrapped_by_recovery_from_its_object_store(
    kind: str, example: str
) -> None:
    origin = of_kind("Cluster")[CLUSTERS[kind]]
    doc = restore(example)
    assert doc["kind"] == "Cluster"
    assert doc["metadata"]["name"] != origin["metadata"]["name"]
    spec = dict(doc["spec"])
    recovery = spec.pop("bootstrap")["recovery"]
    external = {c["name"]: c for c in spec.pop("externalClusters")}
    expected = {k: v for k, v in origin["spec"].items() if k != "bootstrap"}
    # Same roles, password Secrets, parameters, storage and archiving: only the bootstrap differs.
    assert spec == expected
    source = external[recovery["source"]]["plugin"]
    assert source["name"] == PLUGIN
    assert source["parameters"] == {"barmanObjectName": f"{CLUSTERS[kind]}-backups", "serverName": CLUSTERS[kind]}


def test_the_stores_restore_to_a_moment_and_the_vault_only_to_the_end_of_its_archive() -> None:
    target = restore("kyodo-db-pitr.yaml")["spec"]["bootstrap"]["recovery"]["recoveryTarget"]
    assert datetime.fromisoformat(target["targetTime"]).tzinfo is not None
    # A vault recovered to an earlier moment would give back the keys erasure destroyed since.
    assert "recoveryTarget" not in restore("kyodo-vault.yaml")["spec"]["bootstrap"]["recovery"]


def walk(value: Any, path: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [pair for key, item in value.items() for pair in walk(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [pair for i, item in enumerate(value) for pair in walk(item, f"{path}[{i}]")]
    return [(path, value)]


def test_no_password_or_credential_is_written_in_any_file() -> None:
    files = sorted(p for p in CNPG.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    assert {p.name for p in files} >= {"README.md", "cnpg_secrets.py", "role-secrets.template.yaml"}
    for path in files:
        text = path.read_text(encoding="utf-8")
        # A URL with a password: only a placeholder, an ellipsis or a mask may stand in it.
        for password in re.findall(r"postgres(?:ql)?://[^:/@\s]+:([^@\s]+)@", text):
            assert password in {"…", "...", "PASSWORD", "********"} or password.startswith(("{", "<")), (path, password)
        if path.suffix != ".yaml":
            continue
        for doc in load(path):
            assert "data" not in doc or doc["kind"] != "Secret", path  # base64 would hide what is inside
            for where, value in walk(doc):
                leaf = where.rsplit(".", 1)[-1].lower()
                if any(word in leaf for word in ("password", "secretaccesskey", "access_secret_key", "token")):
                    assert isinstance(value, str), (path, where)
                    assert PLACEHOLDER.match(value), (path, where)
                if doc["kind"] == "Secret" and where.startswith(".stringData.") and leaf != "username":
                    assert PLACEHOLDER.match(value), (path, where)


class FakeApi:
    """Stands in for kubectl: the role Secrets that exist, and what the script applies."""

    def __init__(self, script: ModuleType, present: set[str]) -> None:
        self.script = script
        self.present = present
        self.applied: list[Manifest] = []

    def existing(self, namespace: str, name: str) -> Manifest | None:
        if name not in self.present:
            return None
        (target,) = [t for t in self.script.TARGETS if t.role_secret == name]
        return {"data": {"username": b64(target.role), "password": b64(f"pw-{target.role}")}}

    def apply(self, manifest: Manifest, dry_run: bool) -> None:
        assert not dry_run
        self.applied.append(manifest)


def b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


def test_roles_creates_only_the_missing_role_secrets_with_a_fresh_random_password_each(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    script = secrets_script()
    api = FakeApi(script, present={"kyodo-db-role-registry"})
    monkeypatch.setattr(script, "existing", api.existing)
    monkeypatch.setattr(script, "apply", api.apply)
    script.main(["roles"])
    made = {m["metadata"]["name"]: m["stringData"] for m in api.applied}
    # An existing password is never replaced: the services' DSNs and the database already use it.
    assert set(made) == {t.role_secret for t in script.TARGETS} - {"kyodo-db-role-registry"}
    passwords = [data["password"] for data in made.values()]
    assert len(set(passwords)) == len(passwords)
    assert all(len(p) >= 40 for p in passwords)


def test_dsn_after_restoring_one_cluster_rewrites_only_that_clusters_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    script = secrets_script()
    api = FakeApi(script, present={t.role_secret for t in script.TARGETS})
    monkeypatch.setattr(script, "existing", api.existing)
    monkeypatch.setattr(script, "apply", api.apply)
    script.main(["dsn", "--only", "vault", "--vault-cluster", "kyodo-vault-r1"])
    # The stores' Secrets (which may point at a restored kyodo-db-r1) are left as they are.
    assert {m["metadata"]["name"] for m in api.applied} == {f"{s}-vault" for s in services()}
    for manifest in api.applied:
        parts = conninfo_to_dict(manifest["stringData"]["KYODO_PRIVACY__VAULT_PG_DSN"])
        assert parts["host"] == "kyodo-vault-r1-rw.kyodo.svc"
        assert parts["password"] == f"pw-{parts['user']}"
    api.applied.clear()
    script.main(["dsn"])
    assert len(api.applied) == 2 * len(services())


def test_the_script_runs_as_a_program_with_only_kubectl_beside_it(tmp_path: Path) -> None:
    # Run as `python deploy/cnpg/cnpg_secrets.py`, its folder comes first on sys.path: a file there named like a
    # standard module (secrets.py did) would be imported in its place.
    kubectl = tmp_path / "kubectl"
    kubectl.write_text(f"#!{sys.executable}\nimport sys\nsys.exit(0)\n", encoding="utf-8")  # no Secret exists yet
    kubectl.chmod(0o755)
    done = subprocess.run(
        [sys.executable, str(CNPG / "cnpg_secrets.py"), "roles", "--dry-run"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={"PATH": f"{tmp_path}:/usr/bin:/bin"},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    shown = [json.loads(doc) for doc in re.split(r"(?m)^(?=\{$)", done.stdout) if doc.strip()]
    assert {doc["metadata"]["name"] for doc in shown} == {
        f"kyodo-{kind}-role-{service}" for kind in CLUSTERS for service in services()
    }
    assert {doc["stringData"]["password"] for doc in shown} == {"********"}


@pytest.mark.slow
def test_every_service_builds_its_store_and_vault_with_only_what_cloudnativepg_gives_its_roles(tmp_path: Path) -> None:
    """Each role as CloudNativePG makes it (LOGIN, no superuser, no CREATEDB) owning its database, nothing granted:
    every service opens its store and vault with the DSNs cnpg_secrets.py writes (host and port pointed at a server
    this test starts, PostgreSQL 18 as in the Clusters), creating its schemas and running all its migrations."""
    script = secrets_script()
    with spawn_postgres(settings={"fsync": "off"}) as server:
        with psycopg.connect(server, autocommit=True) as conn:
            for t in script.TARGETS:
                conn.execute(
                    sql.SQL(
                        "CREATE ROLE {} WITH LOGIN NOSUPERUSER INHERIT NOCREATEDB NOCREATEROLE NOREPLICATION "
                        "NOBYPASSRLS PASSWORD {}"
                    ).format(sql.Identifier(t.role), sql.Literal(f"pw-{t.role}"))
                )
                conn.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(t.database), sql.Identifier(t.role))
                )
        here = conninfo_to_dict(server)

        def dsn(target: Any) -> str:
            url = script.dsn(CLUSTERS[target.kind], "kyodo", target.role, f"pw-{target.role}", target.database)
            return str(make_conninfo(url, host=here["host"], port=here["port"]))

        specs = discover()
        assert set(specs) == set(services())
        for name, spec in specs.items():
            store, vault = script.Target(name, "db"), script.Target(name, "vault")
            settings = spec.settings_type.model_validate(
                {
                    "store": {
                        "backend": "postgres",
                        "pg_dsn": dsn(store),
                        "pg_schema": spec.pg_schema,
                        "pg_pool_size": 2,
                    },
                    "privacy": {"vault_pg_dsn": dsn(vault)},
                    "audit": {"keys_dir": str(tmp_path / "keys")},
                    "bus": {"nats_url": "nats://kyodo-test-nowhere.invalid:4222"},  # built, never connected
                }
            )
            app = spec.create_app(settings, None)
            try:
                for target, schema in ((store, spec.pg_schema), (vault, f"{spec.pg_schema}_vault")):
                    with psycopg.connect(dsn(target), autocommit=True) as conn:
                        owner, tables = conn.execute(
                            "SELECT n.nspowner::regrole::text, count(c.oid) FROM pg_namespace n "
                            "LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relkind = 'r' "
                            "WHERE n.nspname = %s GROUP BY n.nspowner",
                            (schema,),
                        ).fetchone() or (None, 0)
                    assert owner == target.role, (name, schema)
                    assert tables >= 2, (name, schema, tables)
            finally:
                app.state.kernel.store.close()
