"""info-hub's page packages as the composition root uses them: importing `kyodo_info_hub.main` (what the CLI does to
find the services) loads no page module — the pages are imported when the pages app is built; the center's
programmes are named one by one, every module with a router contributes it, and every programme's status messages
reach the kit, none overwritten by another's."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

from kyodo_info_hub import pages
from kyodo_info_hub.pages import center, workspace


def test_importing_the_composition_root_loads_no_page_module() -> None:
    probe = (
        "import sys, kyodo_info_hub.main; "
        "print(sorted(m for m in sys.modules if m.startswith('kyodo_info_hub.pages.')))"
    )
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]", found.stdout


def _center_modules() -> list[object]:
    return [importlib.import_module(f"{center.__name__}.{m.name}") for m in pkgutil.iter_modules(center.__path__)]


def test_every_center_module_with_a_router_is_routed_once() -> None:
    expected = [m.router for m in _center_modules() if hasattr(m, "router")]  # type: ignore[attr-defined]
    listed = center.routers()
    assert len(listed) == len(expected) == len({id(r) for r in listed})
    assert {id(r) for r in listed} == {id(r) for r in expected}


def test_every_programmes_status_messages_reach_the_kit_none_overwritten() -> None:
    tables = [m.NOTICES for m in _center_modules() if hasattr(m, "NOTICES")]  # type: ignore[attr-defined]
    merged = center.notices()
    assert len(merged) == sum(len(t) for t in tables)  # no key in two programmes
    assert all(merged[k] == v for t in tables for k, v in t.items())
    everything = pages.notices()
    assert len(everything) == len(merged) + len(workspace.NOTICES)  # the workspace's keys are its own too
    assert pages.larger_bodies() == {r"/center/news/[^/]+/attachments$": 6 * 1024 * 1024}
