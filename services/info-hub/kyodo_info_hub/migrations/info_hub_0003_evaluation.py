"""Collaboration projects and their evaluation (協働事業と評価): read models of the evaluation service's stream
(KYODO_EVALUATION) — projects, their agreements, each project's public timeline, and the published reports.

All rebuildable, and new: they fill from the start of the evaluation stream when the consumer first runs.

Revision ID: info_hub_0003
Revises: info_hub_0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "info_hub_0003"
down_revision: str | None = "info_hub_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evaluation_projects",
        sa.Column("project_id", sa.Text, primary_key=True),
        # adoption (a call's adopted proposal) or screening (a suitable screening decision).
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("group_id", sa.Text, nullable=False),
        sa.Column("department_id", sa.Text, nullable=False),
        sa.Column("title_ja", sa.Text, nullable=False),
        sa.Column("call_id", sa.Text),
        sa.Column("proposal_id", sa.Text),
        sa.Column("screening_decision_id", sa.Text),
        sa.Column("screening_project_id", sa.Text),
        sa.Column("form", sa.Text),
        # The published evaluation criteria (JSON array): read whole.
        sa.Column("criteria", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("created_sequence", sa.BigInteger, nullable=False),
        # created → agreed → ended → under_evaluation → reported; the rank keeps it from moving back.
        sa.Column("stage", sa.Text, nullable=False),
        sa.Column("stage_rank", sa.Integer, nullable=False),
        sa.Column("recommendation", sa.Text),
        sa.Column("source_sequence", sa.BigInteger, nullable=False),
    )
    op.create_index("evaluation_projects_created", "evaluation_projects", ["created_sequence"])
    op.create_index("evaluation_projects_group", "evaluation_projects", ["group_id"])
    op.create_index("evaluation_projects_department", "evaluation_projects", ["department_id"])
    # A call's results name the projects its adopted proposals became.
    op.create_index("evaluation_projects_call", "evaluation_projects", ["call_id", "proposal_id"])
    op.create_table(
        "evaluation_agreements",
        sa.Column("project_id", sa.Text, primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("agreement_hash", sa.Text, nullable=False),
        sa.Column("agreement", sa.Text, nullable=False),
        sa.Column("amendment_reason", sa.Text),
        sa.Column("concluded_at", sa.Text, nullable=False),
        sa.Column("source_sequence", sa.BigInteger, nullable=False),
    )
    # One row per public event of a project; the source sequence orders them and makes a row's key.
    op.create_table(
        "evaluation_timeline",
        sa.Column("project_id", sa.Text, primary_key=True),
        sa.Column("source_sequence", sa.BigInteger, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_table(
        "evaluation_reports",
        sa.Column("project_id", sa.Text, primary_key=True),
        sa.Column("group_id", sa.Text, nullable=False),
        sa.Column("department_id", sa.Text, nullable=False),
        sa.Column("call_id", sa.Text),
        sa.Column("proposal_id", sa.Text),
        sa.Column("screening_decision_id", sa.Text),
        sa.Column("screening_project_id", sa.Text),
        sa.Column("recommendation", sa.Text, nullable=False),
        sa.Column("overall_mean", sa.Text, nullable=False),
        sa.Column("agreement_version", sa.Integer, nullable=False),
        sa.Column("published_at", sa.Text, nullable=False),
        # The whole ReportPublished as JSON, for the detail.
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("source_sequence", sa.BigInteger, nullable=False),
    )
    op.create_index("evaluation_reports_published", "evaluation_reports", ["published_at", "source_sequence"])
