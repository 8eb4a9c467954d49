"""The registry's tables as the code before versioned migrations made them (kept as they are where they exist).

Revision ID: registry_0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa

from kyodo_shared.store.migrations.ops import create_index_if_missing, create_table_if_missing

revision = "registry_0001"
down_revision: str | None = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Filed documents: the only copy of their bytes (events keep the hash) — migrated, never rebuilt.
    create_table_if_missing(
        "registry_documents",
        sa.Column("sha256", sa.Text, primary_key=True),
        sa.Column("media_type", sa.Text, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("content_b64", sa.Text, nullable=False),
        sa.Column("stored_at", sa.Text, nullable=False),
    )
    # The group index: a projection of the registry's own events (projection `group_index`).
    create_table_if_missing(
        "registry_group_index",
        sa.Column("group_id", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("fields_of_activity", sa.Text, nullable=False),
        sa.Column("fields_key", sa.Text, nullable=False),
        sa.Column("area", sa.Text, nullable=False),
        sa.Column("area_key", sa.Text, nullable=False),
        sa.Column("search_text", sa.Text, nullable=False),
        sa.Column("renewal_due", sa.Text),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    create_index_if_missing("registry_group_index_status", "registry_group_index", ["status", "name"])
