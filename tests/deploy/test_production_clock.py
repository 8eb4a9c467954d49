"""Production runs on real time: no `KYODO_CLOCK__*` setting (offset or shift) reaches it from deploy/.

A moved clock is for staging (issue 13 item 7); in production it would lapse registrations and close calls early.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PRODUCTION = DEPLOY / "overlays" / "production"


def production_sources() -> list[Path]:
    """Every file the production overlay is built from: the overlay, the base and the components."""
    folders = [PRODUCTION, DEPLOY / "base", DEPLOY / "components"]
    return sorted(p for folder in folders for p in folder.rglob("*") if p.is_file() and p.suffix in {".yaml", ".yml"})


def test_no_file_the_production_overlay_is_built_from_names_a_clock_setting() -> None:
    named = [str(p.relative_to(DEPLOY)) for p in production_sources() if "KYODO_CLOCK" in p.read_text("utf-8")]
    assert production_sources()
    assert named == []


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_the_rendered_production_overlay_sets_no_clock_setting_in_any_config_map_or_container() -> None:
    kubectl = shutil.which("kubectl")
    assert kubectl is not None
    run = subprocess.run(
        [kubectl, "kustomize", str(PRODUCTION)], capture_output=True, text=True, check=False, timeout=60
    )
    assert run.returncode == 0, run.stderr
    rendered = [doc for doc in yaml.safe_load_all(run.stdout) if doc is not None]
    names: set[str] = set()
    for resource in rendered:
        names |= set((resource.get("data") or {}) if resource["kind"] in ("ConfigMap", "Secret") else ())
        if resource["kind"] == "Deployment":
            for container in resource["spec"]["template"]["spec"]["containers"]:
                names |= {e["name"] for e in container.get("env", [])}
    assert any(name.startswith("KYODO_") for name in names), "the check must see the services' settings"
    assert sorted(n for n in names if n.upper().startswith("KYODO_CLOCK")) == []
    assert "KYODO_CLOCK" not in run.stdout
