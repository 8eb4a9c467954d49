"""The auditor's recompute stands outside both the kernel and the proposals service.

Each import runs in a fresh interpreter, so nothing another test imported earlier can hide a dependency.
"""

from __future__ import annotations

import json
import subprocess
import sys


def loaded_after_importing_all_of(package: str) -> list[str]:
    """Every module loaded once each module of `package` has been imported."""
    probe = (
        "import importlib, json, pkgutil, sys\n"
        f"root = importlib.import_module({package!r})\n"
        f"for info in pkgutil.walk_packages(root.__path__, {package + '.'!r}):\n"
        "    importlib.import_module(info.name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    loaded: list[str] = json.loads(out)
    return loaded


def test_the_recompute_imports_nothing_of_the_proposals_service() -> None:
    loaded = loaded_after_importing_all_of("kyodo_recompute")
    assert "kyodo_recompute.cli" in loaded  # the probe did import the whole package
    assert [m for m in loaded if m.split(".")[0] == "kyodo_proposals"] == []


def test_the_kernel_does_not_import_the_recompute() -> None:
    # `kyodo audit recompute` imports it inside the command only: the command line is where the two meet.
    loaded = loaded_after_importing_all_of("kyodo_shared")
    assert "kyodo_shared.cli.main" in loaded
    assert [m for m in loaded if m.split(".")[0] == "kyodo_recompute"] == []
