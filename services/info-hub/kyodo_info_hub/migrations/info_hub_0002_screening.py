"""The screening register (事業の選別の結果) and the department names it shows: read models of the screening
service's stream (projects, rounds, decisions) and of the registry's (`registry.department.created`).

All rebuildable. The screening tables fill from the start of their stream. `hub_departments` does not: a store
migrated to this revision had already passed the registry's departments without keeping them, so until
`kyodo replay info-hub --from-scratch` runs (say so in the release notes) the register shows only departments
created after the upgrade by name, the others by id.

Revision ID: info_hub_0002
Revises: info_hub_0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "info_hub_0002"
down_revision: str | None = "info_hub_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Department names (stream KYODO_REGISTRY).
    op.create_table(
        "hub_departments",
        sa.Column("department_id", sa.Text, primary_key=True),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("name_ja", sa.Text, nullable=False),
        sa.Column("name_en", sa.Text),
        sa.Column("source_sequence", sa.BigInteger, nullable=False),
    )
    # The projects departments entered, as they are now (stream KYODO_SCREENING): which projects a round screens.
    op.create_table(
        "screening_projects",
        sa.Column("project_id", sa.Text, primary_key=True),
        sa.Column("department_id", sa.Text, nullable=False),
        sa.Column("fiscal_year", sa.Integer, nullable=False),
        sa.Column("project_number", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        # The whole record as JSON: read whole, never queried by field.
        sa.Column("record", sa.Text, nullable=False),
        sa.Column("source_sequence", sa.BigInteger, nullable=False),
    )
    op.create_index("screening_projects_year", "screening_projects", ["fiscal_year", "department_id"])
    op.create_table(
        "screening_rounds",
        sa.Column("round_id", sa.Text, primary_key=True),
        sa.Column("fiscal_year", sa.Integer, nullable=False),
        sa.Column("title_ja", sa.Text, nullable=False),
        sa.Column("title_en", sa.Text),
        # JSON arrays: the departments in scope, and the checklist's items (key, names).
        sa.Column("department_ids", sa.Text, nullable=False),
        sa.Column("checklist", sa.Text, nullable=False),
        sa.Column("self_check_deadline", sa.Text, nullable=False),
        sa.Column("opened_on", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("self_check_closed_at", sa.Text),
        sa.Column("closed_at", sa.Text),
        sa.Column("undecided", sa.Integer),
        sa.Column("source_sequence", sa.BigInteger, nullable=False),
    )
    # The register: one row per decision; a correction marks the decision it replaces `superseded_by` itself.
    op.create_table(
        "screening_decisions",
        sa.Column("decision_id", sa.Text, primary_key=True),
        sa.Column("round_id", sa.Text, nullable=False),
        sa.Column("project_id", sa.Text, nullable=False),
        sa.Column("department_id", sa.Text, nullable=False),
        sa.Column("fiscal_year", sa.Integer, nullable=False),
        sa.Column("project_number", sa.Text, nullable=False),
        sa.Column("project_title", sa.Text, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("forms", sa.Text, nullable=False),
        sa.Column("reasons_ja", sa.Text, nullable=False),
        sa.Column("reasons_en", sa.Text),
        sa.Column("rescreen_on", sa.Text),
        sa.Column("replaces", sa.Text),
        sa.Column("superseded_by", sa.Text),
        # Set when its re-screen date came: 'reopened_in_round' (pending again in its round) or 'next_round'.
        sa.Column("rescreen", sa.Text),
        sa.Column("decided_at", sa.Text, nullable=False),
        # The whole decision as published (project, self-check, labelled assessments, recusals), for the detail.
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("source_sequence", sa.BigInteger, nullable=False),
    )
    op.create_index("screening_decisions_decided", "screening_decisions", ["decided_at", "source_sequence"])
    op.create_index("screening_decisions_round", "screening_decisions", ["round_id", "project_id"])
    op.create_index("screening_decisions_replaces", "screening_decisions", ["replaces"])
    # A decision's forms, one row each, so the register filters by form with an index rather than inside JSON.
    op.create_table(
        "screening_decision_forms",
        sa.Column("decision_id", sa.Text, primary_key=True),
        sa.Column("form", sa.Text, primary_key=True),
    )
    op.create_index("screening_decision_forms_form", "screening_decision_forms", ["form", "decision_id"])
