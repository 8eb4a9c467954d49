"""Applications for registration as the center follows them, for the role home page `/me`: read model
`hub_applications` (bus/applications.py), fed from the registry's applied / reapplied / information requested /
information provided / rejected / recheck opened / recheck passed — so a group's people see that a request for
information waits for them, and a coordinator how many applications wait for assessment, without asking the
registry.

A store upgraded to this revision had applied the registry's stream without keeping applications, so its registry
consumer starts again from the stream's beginning, as info_hub_0004 and info_hub_0011 explain (upserts keyed by ids,
rows guarded by their source sequence). A new store has no tracking yet.

Revision ID: info_hub_0012
Revises: info_hub_0011
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "info_hub_0012"
down_revision: str | None = "info_hub_0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hub_applications",
        sa.Column("group_id", sa.Text, primary_key=True),
        # The name the group applied under (its profile, public once registered).
        sa.Column("name", sa.Text, nullable=False),
        # assessing, information_requested or rejected; a registered group is the directory's row.
        sa.Column("stage", sa.Text, nullable=False),
        # When it (re)applied, in Asia/Tokyo (ISO 8601): the assessment queue is oldest first.
        sa.Column("applied_at", sa.Text, nullable=False),
        # The criteria a request for information or a recheck is about (JSON arrays), while open.
        sa.Column("information_criteria", sa.Text),
        sa.Column("recheck_criteria", sa.Text),
        sa.Column("source_sequence", sa.BigInteger, nullable=False),
    )
    if sa.inspect(op.get_bind()).has_table("kyodo_consumer_tracking"):
        op.execute("DELETE FROM kyodo_consumer_tracking WHERE source = 'registry'")
