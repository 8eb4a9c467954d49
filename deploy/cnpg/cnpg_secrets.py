"""The Secrets between CloudNativePG and the Kyodo services (deploy/cnpg/README.md, "Secrets").

CloudNativePG sets each role's password from a basic-auth Secret the Cluster names (managed.roles[].passwordSecret);
it generates no Secret for these roles and none with the key the services read. This script makes both kinds:

  python deploy/cnpg/cnpg_secrets.py roles   # kyodo-{db,vault}-role-<service>: random passwords, never replaced
  python deploy/cnpg/cnpg_secrets.py dsn     # <service>-db and <service>-vault: the DSNs the Deployments read

`dsn` reads each role Secret back from the cluster and writes the service's Secret with one key
(KYODO_STORE__PG_DSN or KYODO_PRIVACY__VAULT_PG_DSN) holding a libpq URL of host, port, user, password and database
only (a service refuses any other option at start). After a restore into a new Cluster,
`dsn --only db --db-cluster <name>` (or `--only vault --vault-cluster <name>`) points the services at it. Secrets
go to kubectl on stdin, never on its command line, so no password shows in the process list; `--dry-run` prints
what would be applied with the passwords masked.
Needs only Python 3.11 and kubectl with access to the namespace.
"""

from __future__ import annotations

import argparse
import base64
import json
import secrets
import subprocess
import sys
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

NAMESPACE = "kyodo"
PORT = 5432
DB_CLUSTER = "kyodo-db"
VAULT_CLUSTER = "kyodo-vault"
# service -> its PostgreSQL schema, which is also its role and database name (the vault's add "_vault").
SERVICES = {
    "registry": "registry",
    "info-hub": "info_hub",
    "proposals": "proposals",
    "screening": "screening",
    "evaluation": "evaluation",
}
DSN_KEY = "KYODO_STORE__PG_DSN"
VAULT_DSN_KEY = "KYODO_PRIVACY__VAULT_PG_DSN"
MASK = "********"

Manifest = dict[str, Any]


@dataclass(frozen=True)
class Target:
    """One service's database in one of the two clusters, and the Secrets on either side of it."""

    service: str
    kind: str  # "db" or "vault"

    @property
    def role(self) -> str:
        schema = SERVICES[self.service]
        return schema if self.kind == "db" else f"{schema}_vault"

    @property
    def database(self) -> str:
        return self.role

    @property
    def role_secret(self) -> str:
        """The basic-auth Secret the Cluster's managed.roles names (cluster-kyodo-db.yaml, cluster-kyodo-vault.yaml)."""
        return f"kyodo-{self.kind}-role-{self.service}"

    @property
    def dsn_secret(self) -> str:
        """The Secret the service's Deployment reads (deploy/base/<service>/deployment.yaml)."""
        return f"{self.service}-{self.kind}"

    @property
    def dsn_key(self) -> str:
        return DSN_KEY if self.kind == "db" else VAULT_DSN_KEY


TARGETS = [Target(service, kind) for kind in ("db", "vault") for service in SERVICES]


def dsn(cluster: str, namespace: str, user: str, password: str, database: str) -> str:
    """libpq URL of the cluster's read-write Service (always the primary): user and password percent-encoded."""
    host = f"{cluster}-rw.{namespace}.svc"
    return f"postgresql://{quote(user, safe='')}:{quote(password, safe='')}@{host}:{PORT}/{quote(database, safe='')}"


def labels(target: Target) -> dict[str, str]:
    return {"app.kubernetes.io/name": target.service, "app.kubernetes.io/part-of": "kyodo"}


def role_secret(target: Target, namespace: str, password: str) -> Manifest:
    """The basic-auth Secret CloudNativePG reads the role's password from; cnpg.io/reload applies a change at once."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": target.role_secret,
            "namespace": namespace,
            "labels": labels(target) | {"cnpg.io/reload": "true"},
        },
        "type": "kubernetes.io/basic-auth",
        "stringData": {"username": target.role, "password": password},
    }


def dsn_secret(target: Target, namespace: str, cluster: str, password: str) -> Manifest:
    """The Secret the service reads, in the shape of deploy/base/<service>/(vault-)secret.template.yaml."""
    url = dsn(cluster, namespace, target.role, password, target.database)
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": target.dsn_secret, "namespace": namespace, "labels": labels(target)},
        "type": "Opaque",
        "stringData": {target.dsn_key: url},
    }


def credentials(role_secret_data: dict[str, str], target: Target) -> str:
    """The password of a role Secret read back from the API (base64 `data`), checked against the expected role."""
    username = base64.b64decode(role_secret_data["username"]).decode()
    if username != target.role:
        raise SystemExit(
            f"{target.role_secret}: username is {username!r}, the Cluster's role is {target.role!r}; "
            "CloudNativePG would set the password of another role"
        )
    return base64.b64decode(role_secret_data["password"]).decode()


def masked(manifest: Manifest) -> Manifest:
    data = manifest["stringData"]
    hidden = {k: (MASK if k == "password" else v) for k, v in data.items()}
    for key in (DSN_KEY, VAULT_DSN_KEY):
        if key in data:
            before, _, rest = data[key].rpartition("@")
            user = before.split("//", 1)[1].split(":", 1)[0]
            hidden[key] = f"postgresql://{user}:{MASK}@{rest}"
    return manifest | {"stringData": hidden}


def kubectl(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["kubectl", *args], input=stdin, text=True, capture_output=True, check=False)


def existing(namespace: str, name: str) -> Manifest | None:
    done = kubectl("-n", namespace, "get", "secret", name, "-o", "json", "--ignore-not-found")
    if done.returncode != 0:
        raise SystemExit(f"kubectl get secret {name}: {done.stderr.strip()}")
    found: Manifest | None = json.loads(done.stdout) if done.stdout.strip() else None
    return found


def apply(manifest: Manifest, dry_run: bool) -> None:
    if dry_run:
        print(json.dumps(masked(manifest), indent=2))
        return
    done = kubectl("apply", "-f", "-", stdin=json.dumps(manifest))
    if done.returncode != 0:
        raise SystemExit(f"kubectl apply {manifest['metadata']['name']}: {done.stderr.strip()}")
    print(done.stdout.strip())


def make_roles(namespace: str, dry_run: bool) -> None:
    for target in TARGETS:
        if existing(namespace, target.role_secret) is not None:
            # A new password here would not reach the services' DSN Secrets until `dsn` runs and they restart.
            print(f"{target.role_secret}: exists, kept")
            continue
        apply(role_secret(target, namespace, secrets.token_urlsafe(32)), dry_run)


def make_dsns(namespace: str, db_cluster: str, vault_cluster: str, only: str | None, dry_run: bool) -> None:
    for target in TARGETS:
        if only is not None and target.kind != only:
            continue
        found = existing(namespace, target.role_secret)
        if found is None:
            raise SystemExit(f"{target.role_secret}: missing; run `cnpg_secrets.py roles` first (or create it)")
        password = credentials(found["data"], target)
        cluster = db_cluster if target.kind == "db" else vault_cluster
        apply(dsn_secret(target, namespace, cluster, password), dry_run)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["roles", "dsn"])
    parser.add_argument("--namespace", default=NAMESPACE)
    parser.add_argument(
        "--db-cluster", default=DB_CLUSTER, help="the Cluster of the stores (after a restore: its name)"
    )
    parser.add_argument("--vault-cluster", default=VAULT_CLUSTER, help="the Cluster of the vaults")
    parser.add_argument(
        "--only",
        choices=["db", "vault"],
        help="dsn: write only the <service>-db or only the <service>-vault Secrets (after restoring one cluster, so "
        "the other's Secrets keep pointing where they do)",
    )
    parser.add_argument("--dry-run", action="store_true", help="print the Secrets, passwords masked; apply nothing")
    args = parser.parse_args(argv)
    if args.command == "roles":
        make_roles(args.namespace, args.dry_run)
    else:
        make_dsns(args.namespace, args.db_cluster, args.vault_cluster, args.only, args.dry_run)
    return 0


if __name__ == "__main__":
    sys.exit(main())
