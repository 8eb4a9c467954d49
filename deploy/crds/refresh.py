"""Regenerates the vendored CRD schemas in this folder from local clones of the operators' repositories.

Each output file, <group>_<plural>.json, holds the served version's openAPIV3Schema of one CustomResourceDefinition
(descriptions removed: validation does not read them, and they are four fifths of the size), with the repository,
tag, commit and path it came from. deploy/check.py validates every rendered custom resource against them, offline.

Usage (git clones of the repositories, any folder; CI never runs this, it reads the files it wrote):

    .venv/bin/python deploy/crds/refresh.py \\
        --repo cloudnative-pg/cloudnative-pg=/path/to/cloudnative-pg \\
        --repo cloudnative-pg/plugin-barman-cloud=/path/to/plugin-barman-cloud

To move to another release, change its tag in SOURCES (and the versions deploy/cnpg names), run this, and run
deploy/check.py: a field the new schema no longer knows fails there.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent

# repository -> (tag, the CRD files of the kinds deploy/ uses). Only kinds the manifests render are vendored.
SOURCES: dict[str, tuple[str, list[str]]] = {
    "cloudnative-pg/cloudnative-pg": (
        "v1.30.0",
        [
            "config/crd/bases/postgresql.cnpg.io_clusters.yaml",
            "config/crd/bases/postgresql.cnpg.io_databases.yaml",
            "config/crd/bases/postgresql.cnpg.io_scheduledbackups.yaml",
        ],
    ),
    "cloudnative-pg/plugin-barman-cloud": ("v0.14.0", ["config/crd/bases/barmancloud.cnpg.io_objectstores.yaml"]),
}


def without_descriptions(schema: Any) -> Any:
    """The schema less its `description` keywords; a property that is *named* description (Cluster has one) stays."""
    if isinstance(schema, list):
        return [without_descriptions(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    return {
        key: (
            {name: without_descriptions(sub) for name, sub in value.items()}
            if key == "properties"
            else without_descriptions(value)
        )
        for key, value in schema.items()
        if key != "description"
    }


def git(clone: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(clone), *args], capture_output=True, text=True, check=True).stdout


def vendor(repository: str, clone: Path, tag: str, path: str) -> Path:
    commit = git(clone, "rev-parse", f"{tag}^{{commit}}").strip()
    crd = yaml.safe_load(git(clone, "show", f"{commit}:{path}"))
    spec = crd["spec"]
    (version,) = [v for v in spec["versions"] if v.get("served") and v.get("storage")]
    document = {
        "apiVersion": f"{spec['group']}/{version['name']}",
        "kind": spec["names"]["kind"],
        "source": {"repository": repository, "tag": tag, "commit": commit, "path": path},
        "openAPIV3Schema": without_descriptions(version["schema"]["openAPIV3Schema"]),
    }
    target = HERE / f"{spec['group']}_{spec['names']['plural']}.json"
    target.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo", action="append", default=[], metavar="OWNER/NAME=CLONE", help="a local git clone")
    args = parser.parse_args(argv)
    clones = dict(item.split("=", 1) for item in args.repo)
    missing = sorted(set(SOURCES) - set(clones))
    if missing:
        parser.error(f"no --repo for {', '.join(missing)}: clone it and pass --repo {missing[0]}=<folder>")
    for repository, (tag, paths) in SOURCES.items():
        for path in paths:
            print(f"wrote {vendor(repository, Path(clones[repository]), tag, path).name} ({repository} {tag}: {path})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
