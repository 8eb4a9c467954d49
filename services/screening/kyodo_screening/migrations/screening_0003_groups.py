"""The registry's civic groups by name and standing, so a project's form offers the groups it may name by name
(関係団体) rather than asking for their registry ids.

A read model of the registry's stream (`registry.group.*`), rebuildable like the other `reg_*` tables. A store
upgraded to this revision had applied the registry's stream past every group so far, so its registry consumer starts
again from the stream's beginning: the tracking is forgotten and the handlers — upserts keyed by ids, or updates
that set a value — apply the history again in order, the groups included.

Revision ID: screening_0003
Revises: screening_0002
Create Date: 2026-12-05 04:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "screening_0003"
down_revision: str | None = "screening_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reg_groups",
        sa.Column("group_id", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        # under_review, registered, rejected, lapsed, suspended, dissolved — as the registry last said.
        sa.Column("status", sa.Text, nullable=False),
    )
    if sa.inspect(op.get_bind()).has_table("kyodo_consumer_tracking"):
        op.execute("DELETE FROM kyodo_consumer_tracking WHERE source = 'registry'")
