"""The start path of a lineage: one plain query says whether the database is at the lineage's head; Alembic is
loaded only when it is not (a fresh database, one made before migrations existed, or one a release behind).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kyodo_shared.store.db import Database


class SchemaAhead(RuntimeError):
    """The database was migrated by a newer release than this code: refused rather than run on an unknown shape."""


@dataclass(frozen=True)
class Lineage:
    """One sequence of revisions: its files (`location`), its newest revision (`head`) and its version table."""

    name: str
    location: Path
    # Declared, not read from the files, so a start at head needs no Alembic; a test checks it is the files' head.
    head: str

    @property
    def version_table(self) -> str:
        return "kyodo_schema_" + self.name.replace("-", "_")


def current_revision(db: Database, lineage: Lineage) -> str | None:
    """The revision recorded in the lineage's version table, or None when there is no version table yet."""
    table = lineage.version_table
    with db.transaction(read_only=True) as tx:
        if db.backend == "sqlite":
            found = tx.fetchone("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", (table,))
        else:
            found = tx.fetchone(
                "SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = %s", (table,)
            )
        if found is None:
            return None
        row = tx.fetchone(f"SELECT version_num FROM {table}")  # noqa: S608 - a declared name, not input
    return str(row[0]) if row else None


def upgrade_schema(db: Database, lineage: Lineage) -> None:
    """Bring the lineage's tables to its head; cheap (one read) when they are there already."""
    if current_revision(db, lineage) == lineage.head:
        return
    from kyodo_shared.store.migrations.run import run_upgrade

    run_upgrade(db, lineage)
