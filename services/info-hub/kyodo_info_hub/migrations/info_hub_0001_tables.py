"""info-hub's read models as the code before versioned migrations made them (kept as they are where they exist).

Revision ID: info_hub_0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa

from kyodo_shared.store.migrations.ops import create_index_if_missing, create_table_if_missing

revision = "info_hub_0001"
down_revision: str | None = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The public group directory (stream KYODO_REGISTRY).
    create_table_if_missing(
        "directory_groups",
        sa.Column("group_id", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("fields_of_activity", sa.Text, nullable=False),
        sa.Column("area", sa.Text, nullable=False),
        sa.Column("founded", sa.Text),
        sa.Column("members_count", sa.Integer),
        sa.Column("website", sa.Text),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("status_reason", sa.Text, nullable=False),
        sa.Column("renewal_due", sa.Text),
        sa.Column("registered_at", sa.Text, nullable=False),
        sa.Column("search_text", sa.Text, nullable=False),
        sa.Column("fields_key", sa.Text, nullable=False),
        sa.Column("area_key", sa.Text, nullable=False),
        sa.Column("source_sequence", sa.BigInteger, nullable=False),
    )
    create_index_if_missing("directory_groups_name", "directory_groups", ["name"])
    # Open data: every service's signed checkpoints and their keys (stream KYODO_CHECKPOINTS).
    create_table_if_missing(
        "open_checkpoints",
        sa.Column("service", sa.Text, primary_key=True),
        sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    create_table_if_missing(
        "open_keys",
        sa.Column("service", sa.Text, primary_key=True),
        sa.Column("kid", sa.Text, primary_key=True),
        sa.Column("public_key", sa.Text, nullable=False),
        sa.Column("first_seen_position", sa.BigInteger, nullable=False),
    )
    # Calls for proposals on the portal (stream KYODO_PROPOSALS).
    create_table_if_missing(
        "portal_calls",
        sa.Column("call_id", sa.Text, primary_key=True),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("status_reason", sa.Text, nullable=False),
        sa.Column("deadline", sa.Text, nullable=False),
        sa.Column("rules", sa.Text, nullable=False),
        sa.Column("amendments", sa.Text, nullable=False),
        sa.Column("results", sa.Text),
        sa.Column("source_sequence", sa.BigInteger, nullable=False),
    )
    create_index_if_missing("portal_calls_status", "portal_calls", ["status", "deadline"])
