"""The info-hub service's own tables by versioned migrations: the lineage `info-hub`, version table
`kyodo_schema_info_hub`, apart from the kernel's. Only revision files may live beside this module
(Alembic reads every other `.py` here as a revision); see docs/MIGRATIONS.md.
"""

from __future__ import annotations

from pathlib import Path

from kyodo_shared.store.db import Database
from kyodo_shared.store.migrations import Lineage, upgrade_schema

LINEAGE = Lineage(name="info-hub", location=Path(__file__).resolve().parent, head="info_hub_0015")


def upgrade(db: Database) -> None:
    """The service's tables at their head (one read when they are there already)."""
    upgrade_schema(db, LINEAGE)
