"""The registry's departments (部署), so a call can name the department that runs it (担当部署).

A read model of the registry's stream (`registry.department.created`), rebuildable like the other `reg_*` tables.
A store upgraded to this revision had applied the registry's stream past every department created so far, so its
registry consumer starts again from the stream's beginning: the tracking is forgotten, the durable consumer is
recreated from the first message (bus/durable.py), and the handlers, all upserts keyed by ids, apply the history
again in order — the departments included. A new store has no tracking yet: nothing to forget.

Revision ID: proposals_0004
Revises: proposals_0003
Create Date: 2026-12-15 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "proposals_0004"
down_revision: str | None = "proposals_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reg_departments",
        sa.Column("department_id", sa.Text, primary_key=True),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("name_ja", sa.Text, nullable=False),
        sa.Column("name_en", sa.Text),
    )
    if sa.inspect(op.get_bind()).has_table("kyodo_consumer_tracking"):
        op.execute("DELETE FROM kyodo_consumer_tracking WHERE source = 'registry'")
