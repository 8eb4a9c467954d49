"""The key vault's tables as the code before versioned migrations made them (kept as they are where they exist).

Revision ID: vault_0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa

from kyodo_shared.store.migrations.ops import create_table_if_missing

revision = "vault_0001"
down_revision: str | None = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_table_if_missing(
        "kyodo_person_keys",
        sa.Column("person", sa.Text, primary_key=True),
        sa.Column("key_id", sa.Text, nullable=False),
        # NULL once the key is destroyed (erasure by key destruction).
        sa.Column("key_material", sa.Text),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("erased_at", sa.Text),
    )
    create_table_if_missing(
        "kyodo_retention",
        sa.Column("person", sa.Text, primary_key=True),
        sa.Column("record_kind", sa.Text, primary_key=True),
        sa.Column("retain_until", sa.Text, nullable=False),
    )
