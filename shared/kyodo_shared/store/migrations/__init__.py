"""Versioned schema migrations (Alembic, SQLAlchemy Core) of the tables Kyodo keeps beside eventsourcing's.

A lineage is one independent sequence of revisions with its own version table in the database it migrates:
`kernel` (positions, tracking, leases, timers, chain — every service's database), `vault` (the key vault's
database) and one per service (its read models and documents, declared in `kyodo_<service>/migrations`). The
event-store tables stay eventsourcing's own. See docs/MIGRATIONS.md.
"""

from __future__ import annotations

from pathlib import Path

from kyodo_shared.store.db import Database
from kyodo_shared.store.migrations.lineage import Lineage, SchemaAhead, current_revision, upgrade_schema

HERE = Path(__file__).resolve().parent

KERNEL = Lineage(name="kernel", location=HERE / "kernel", head="kernel_0003")
VAULT = Lineage(name="vault", location=HERE / "vault", head="vault_0002")


def upgrade_kernel(db: Database) -> None:
    """The kernel's tables in a service's database, at their head."""
    upgrade_schema(db, KERNEL)


def upgrade_vault(db: Database) -> None:
    """The key vault's tables in the vault's database, at their head."""
    upgrade_schema(db, VAULT)


__all__ = [
    "KERNEL",
    "VAULT",
    "Lineage",
    "SchemaAhead",
    "current_revision",
    "upgrade_kernel",
    "upgrade_schema",
    "upgrade_vault",
]
