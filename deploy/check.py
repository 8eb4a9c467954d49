"""Offline check of the Kubernetes manifests; needs no cluster.

1. Parses every YAML file under deploy/ with PyYAML.
2. If `kubectl` is on PATH, renders deploy/base and every overlay with `kubectl kustomize` (client side)
   and parses the output.
3. If `kubernetes-validate` is on PATH (pip install kubernetes-validate, best in a throwaway venv), checks
   the rendered resources and the Secret templates against the Kubernetes OpenAPI schemas, strictly.

Usage:  .venv/bin/python deploy/check.py        (from the repository root; exit status 0 when all pass)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parent
KUBERNETES_VERSION = "1.30.0"  # oldest minor release the manifests are meant for


def main() -> int:
    failures = 0
    for path in sorted(DEPLOY.rglob("*.y*ml")):
        try:
            docs = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
        except yaml.YAMLError as exc:
            print(f"FAIL yaml  {path.relative_to(DEPLOY)}: {exc}")
            failures += 1
            continue
        print(f"ok   yaml  {path.relative_to(DEPLOY)} ({len(docs)} document(s))")

    targets = [DEPLOY / "base", *sorted(p for p in (DEPLOY / "overlays").iterdir() if p.is_dir())]
    kubectl = shutil.which("kubectl")
    validator = shutil.which("kubernetes-validate")
    if kubectl is None:
        print("skip kustomize: kubectl not found")
    with tempfile.TemporaryDirectory() as tmp:
        rendered: list[Path] = []
        for target in targets if kubectl else []:
            name = target.relative_to(DEPLOY)
            run = subprocess.run([kubectl, "kustomize", str(target)], capture_output=True, text=True, check=False)
            if run.returncode != 0:
                print(f"FAIL kustomize {name}: {run.stderr.strip()}")
                failures += 1
                continue
            docs = [d for d in yaml.safe_load_all(run.stdout) if d is not None]
            kinds = ", ".join(sorted({d["kind"] for d in docs}))
            print(f"ok   kustomize {name}: {len(docs)} resources ({kinds})")
            out = Path(tmp) / (str(name).replace("/", "_") + ".yaml")
            out.write_text(run.stdout, encoding="utf-8")
            rendered.append(out)

        if validator is None:
            print("skip schema: kubernetes-validate not found")
        else:
            files = [*rendered, *sorted(DEPLOY.glob("base/*/*secret.template.yaml"))]
            run = subprocess.run(
                [validator, "--strict", "--quiet", "-k", KUBERNETES_VERSION, *map(str, files)],
                capture_output=True,
                text=True,
                check=False,
            )
            if run.returncode != 0:
                print(f"FAIL schema:\n{run.stdout}{run.stderr}")
                failures += 1
            else:
                print(f"ok   schema: {len(files)} file(s) valid for Kubernetes {KUBERNETES_VERSION} (strict)")

    print("all checks passed" if failures == 0 else f"{failures} check(s) failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
