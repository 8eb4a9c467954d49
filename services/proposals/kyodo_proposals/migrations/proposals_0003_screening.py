"""The screening decisions (選別結果) a partner selection may follow, one row per decision.

A read model of the screening service's stream (`screening.decision.made`), rebuildable like the `reg_*` tables:
a store migrated to this revision fills it as decisions arrive, and `kyodo replay proposals --from-scratch` fills it
with decisions published before the upgrade.

A row may exist before its decision does: a correction that arrives first marks the decision it replaces as
superseded (`superseded_by`), the rest of the row stays NULL until that decision arrives.

Revision ID: proposals_0003
Revises: proposals_0002
Create Date: 2026-12-08 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "proposals_0003"
down_revision: str | None = "proposals_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scr_decisions",
        sa.Column("decision_id", sa.Text, primary_key=True),
        # NULL while only a correction naming this decision has arrived.
        sa.Column("outcome", sa.Text),
        sa.Column("round_id", sa.Text),
        sa.Column("project_id", sa.Text),
        sa.Column("project_number", sa.Text),
        sa.Column("title", sa.Text),
        sa.Column("department_id", sa.Text),
        sa.Column("fiscal_year", sa.Integer),
        # A JSON array of collaboration forms: read whole, never queried by element.
        sa.Column("forms", sa.Text),
        sa.Column("replaces", sa.Text),
        sa.Column("decided_at", sa.Text),
        sa.Column("superseded_by", sa.Text),
    )
