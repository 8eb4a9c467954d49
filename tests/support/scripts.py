"""The repository's stand-alone scripts (deploy/check.py, deploy/crds/refresh.py, deploy/cnpg/cnpg_secrets.py) as
modules, for tests to call their functions: they are files, not packages on the path."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def load_script(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there while a class is made
    spec.loader.exec_module(module)
    return module
