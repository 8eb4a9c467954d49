"""The evaluation service's published recommendations (bus_evaluation.py): shown beside the project a
collaboration came from, and beside the same department's project of the same number in later fiscal years.

Rebuildable, and new: it fills from the start of the evaluation stream when the consumer first runs.

Revision ID: screening_0002
Revises: screening_0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "screening_0002"
down_revision: str | None = "screening_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ev_recommendations",
        # The evaluation service's project: one published report each (a later one replaces it).
        sa.Column("evaluation_project_id", sa.Text, primary_key=True),
        sa.Column("screening_project_id", sa.Text, nullable=False),
        sa.Column("department_id", sa.Text, nullable=False),
        # Null when the report arrived before this service's query table held the project (reads fall back to it).
        sa.Column("project_number", sa.Text),
        sa.Column("fiscal_year", sa.Integer),
        sa.Column("recommendation", sa.Text, nullable=False),
        sa.Column("reasons_ja", sa.Text, nullable=False),
        sa.Column("reasons_en", sa.Text),
        sa.Column("published_at", sa.Text, nullable=False),
        sa.Column("source_sequence", sa.BigInteger, nullable=False),
    )
    op.create_index("ev_recommendations_screened", "ev_recommendations", ["screening_project_id"])
    op.create_index("ev_recommendations_number", "ev_recommendations", ["department_id", "project_number"])
