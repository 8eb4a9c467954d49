"""Who acts for whom at the center: each group's representative and contacts, departments' staff and liaisons
(read models of the registry's stream, `bus/people.py`), never public.

Rebuildable like the directory. A store upgraded to this revision had applied the registry's stream without keeping
these facts, so its registry consumer starts again from the stream's beginning: the tracking is forgotten, the
durable consumer is recreated from the first message (bus/durable.py), and the handlers — upserts keyed by ids, the
directory's guarded by the source sequence, so no row goes back to an older state — apply the history again in
order. One thing shows while that catch-up runs (seconds for a city's registry): a dissolved group, whose row was
deleted, is listed again from its registration until its dissolution is read again. A new store has no tracking yet.

Revision ID: info_hub_0004
Revises: info_hub_0003
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "info_hub_0004"
down_revision: str | None = "info_hub_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hub_group_people",
        sa.Column("group_id", sa.Text, primary_key=True),
        sa.Column("sub", sa.Text, primary_key=True),
        # representative or contact
        sa.Column("role", sa.Text, nullable=False),
    )
    op.create_index("hub_group_people_by_sub", "hub_group_people", ["sub"])
    op.create_table(
        "hub_staff",
        sa.Column("department_id", sa.Text, primary_key=True),
        sa.Column("staff_sub", sa.Text, primary_key=True),
        sa.Column("since", sa.Text, primary_key=True),
        sa.Column("until", sa.Text),
    )
    op.create_index("hub_staff_by_sub", "hub_staff", ["staff_sub"])
    op.create_table(
        "hub_liaisons",
        sa.Column("department_id", sa.Text, primary_key=True),
        sa.Column("since", sa.Text, primary_key=True),
        sa.Column("liaison_sub", sa.Text, nullable=False),
    )
    if sa.inspect(op.get_bind()).has_table("kyodo_consumer_tracking"):
        op.execute("DELETE FROM kyodo_consumer_tracking WHERE source = 'registry'")
