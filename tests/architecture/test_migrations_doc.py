"""docs/MIGRATIONS.md tells every revision: each revision file of every lineage — the kernel's, the vault's and each
service's found through its `ServiceSpec` — has its row in the doc's table of revisions, and every row names a
revision that exists (a row left behind by a renamed file is as wrong as a missing one)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from kyodo_shared.service import discover
from kyodo_shared.store.migrations import KERNEL, VAULT, Lineage

DOC = Path(__file__).resolve().parents[2] / "docs" / "MIGRATIONS.md"
ROW = re.compile(r"^\| `(\w+_\d{4})` \|", re.MULTILINE)


def lineages() -> list[Lineage]:
    found = [KERNEL, VAULT]
    for name in sorted(discover()):
        module = importlib.import_module(f"kyodo_{name.replace('-', '_')}.migrations")
        found.append(module.LINEAGE)
    return found


def revisions(lineage: Lineage) -> set[str]:
    """The revision ids of a lineage's files (`info_hub_0015_drafts_without_hash.py` → `info_hub_0015`)."""
    return {m.group(1) for f in Path(lineage.location).glob("*.py") if (m := re.match(r"^(\w+?_\d{4})_", f.name))}


def test_every_revision_of_every_lineage_has_its_row_in_the_doc() -> None:
    files = set().union(*(revisions(lineage) for lineage in lineages()))
    rows = set(ROW.findall(DOC.read_text(encoding="utf-8")))
    assert "info_hub_0015" in files  # the lineages were found (the newest revision when this test was written)
    assert sorted(files - rows) == [], "revisions without a row in docs/MIGRATIONS.md"
    assert sorted(rows - files) == [], "rows in docs/MIGRATIONS.md naming no revision file"
