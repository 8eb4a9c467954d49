"""Operations the first revision of each lineage uses to adopt a database made before migrations existed.

Until issue 11 every component ran `CREATE TABLE IF NOT EXISTS` at start; a deployment running that code has some
or all of the tables and no version table. A first revision creates only what is missing, so on such a database
it keeps every table and row and simply records the revision (the stamp); on a fresh database it creates all.
Frozen revisions call these, so their behaviour must never change.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def create_table_if_missing(name: str, *items: sa.schema.SchemaItem) -> bool:
    """Create the table unless one of that name exists (then it is adopted as it is); True if created."""
    if sa.inspect(op.get_bind()).has_table(name):
        return False
    op.create_table(name, *items)
    return True


def create_index_if_missing(name: str, table: str, columns: list[str]) -> bool:
    """Create the index unless the table already has one of that name; True if created."""
    if name in {index["name"] for index in sa.inspect(op.get_bind()).get_indexes(table)}:
        return False
    op.create_index(name, table, columns)
    return True
