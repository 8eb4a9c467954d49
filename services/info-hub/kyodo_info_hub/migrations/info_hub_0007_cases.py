"""The coordination window (総合的な窓口): its query tables, projections of info-hub's own events (`cases_index`),
all rebuildable from the store — the cases for lists, each case's parties (who may list it), its history, and the
published monthly figures.

Revision ID: info_hub_0007
Revises: info_hub_0006
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "info_hub_0007"
down_revision: str | None = "info_hub_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hub_cases",
        sa.Column("case_id", sa.Text, primary_key=True),
        # group, department or citizen; the group's or department's id (none for a citizen).
        sa.Column("raiser_kind", sa.Text, nullable=False),
        sa.Column("raiser_id", sa.Text),
        sa.Column("urgency", sa.Text, nullable=False),
        # open or closed; the outcome once closed.
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("outcome", sa.Text),
        sa.Column("area", sa.Text, nullable=False),
        # JSON arrays, read whole.
        sa.Column("fields_of_activity", sa.Text, nullable=False),
        sa.Column("problem_ja", sa.Text, nullable=False),
        sa.Column("raised_at", sa.Text, nullable=False),
        sa.Column("departments", sa.Text, nullable=False),
        sa.Column("awaiting_acknowledgement", sa.Integer, nullable=False),
        sa.Column("overdue", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("hub_cases_raised", "hub_cases", ["raised_at", "case_id"])
    op.create_table(
        "hub_case_parties",
        sa.Column("case_id", sa.Text, primary_key=True),
        # raiser_group, raiser_department, routed or invited.
        sa.Column("kind", sa.Text, primary_key=True),
        sa.Column("party_id", sa.Text, primary_key=True),
    )
    op.create_index("hub_case_parties_party", "hub_case_parties", ["party_id", "kind"])
    op.create_table(
        "hub_case_history",
        sa.Column("case_id", sa.Text, primary_key=True),
        # The event's place in the case (its originator version).
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_table(
        "hub_case_figures",
        sa.Column("month", sa.Text, primary_key=True),
        sa.Column("published_at", sa.Text, nullable=False),
        # The month's figures as published (JSON).
        sa.Column("body", sa.Text, nullable=False),
    )
