"""The registry's committees by name and kind (委員会), so a call's form offers the review board by its name.

A read model of the registry's stream (`registry.committee.established`), rebuildable like the other `reg_*` tables.
As in proposals_0004, a store upgraded to this revision had applied the registry's stream past every committee
established so far, so its registry consumer starts again from the stream's beginning: the tracking is forgotten and
the handlers, all upserts keyed by ids, apply the history again in order — the committees included.

Revision ID: proposals_0005
Revises: proposals_0004
Create Date: 2026-12-05 04:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "proposals_0005"
down_revision: str | None = "proposals_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reg_committees",
        sa.Column("committee_id", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("name_ja", sa.Text, nullable=False),
        sa.Column("name_en", sa.Text),
    )
    if sa.inspect(op.get_bind()).has_table("kyodo_consumer_tracking"):
        op.execute("DELETE FROM kyodo_consumer_tracking WHERE source = 'registry'")
