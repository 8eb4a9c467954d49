"""The kernel's tables as the code before versioned migrations made them (kept as they are where they exist).

Revision ID: kernel_0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa

from kyodo_shared.store.migrations.ops import create_index_if_missing, create_table_if_missing

revision = "kernel_0001"
down_revision: str | None = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_table_if_missing(
        "kyodo_relay_position",
        sa.Column("service", sa.Text, primary_key=True),
        sa.Column("notification_id", sa.BigInteger, nullable=False),
        sa.Column("event_index", sa.Integer, nullable=False),
        sa.Column("sequence", sa.BigInteger, nullable=False),
    )
    create_table_if_missing(
        "kyodo_consumer_tracking",
        sa.Column("source", sa.Text, primary_key=True),
        sa.Column("sequence", sa.BigInteger, nullable=False),
    )
    create_table_if_missing(
        "kyodo_consumer_failures",
        sa.Column("source", sa.Text, primary_key=True),
        sa.Column("sequence", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("parked", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("event_id", sa.Text, nullable=False),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column("last_error", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
    )
    create_table_if_missing(
        "kyodo_leases",
        sa.Column("role", sa.Text, primary_key=True),
        sa.Column("holder", sa.Text, nullable=False),
        sa.Column("epoch", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.DOUBLE_PRECISION, nullable=False),
    )
    create_table_if_missing(
        "kyodo_projection_position",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    create_table_if_missing(
        "kyodo_timers",
        sa.Column("timer_id", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("aggregate_id", sa.Text, nullable=False),
        sa.Column("due_at", sa.DOUBLE_PRECISION, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("claimed_by", sa.Text),
        sa.Column("claimed_until", sa.DOUBLE_PRECISION),
        sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("last_error", sa.Text),
        sa.Column("fired_at", sa.DOUBLE_PRECISION),
    )
    create_index_if_missing("kyodo_timers_due", "kyodo_timers", ["state", "due_at"])
    create_table_if_missing(
        "kyodo_audit_chain",
        # A position in the notification log, never generated here: no SERIAL on PostgreSQL.
        sa.Column("notification_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("originator_id", sa.Text, nullable=False),
        sa.Column("originator_version", sa.BigInteger, nullable=False),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("state_hash", sa.Text, nullable=False),
        sa.Column("link", sa.Text, nullable=False),
    )
