"""The acting chairs (委員長代理) the registry's committees elected, one per committee and matter (the latest).

A read model of the registry's stream (`registry.committee.acting_chair_elected`), rebuildable like the other
`reg_*` tables: a store migrated to this revision refills it from the registry's stream as events arrive, and
`kyodo replay proposals --from-scratch` fills it with elections recorded before the upgrade.

Revision ID: proposals_0002
Revises: proposals_0001
Create Date: 2026-12-02 13:06:23.967897
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "proposals_0002"
down_revision: str | None = "proposals_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reg_acting_chairs",
        sa.Column("committee_id", sa.Text, primary_key=True),
        sa.Column("matter", sa.Text, primary_key=True),
        sa.Column("acting_chair_sub", sa.Text, nullable=False),
        # A JSON array of subs, sorted: read whole, never queried by element.
        sa.Column("elector_subs", sa.Text, nullable=False),
        sa.Column("elected_on", sa.Text, nullable=False),
    )
