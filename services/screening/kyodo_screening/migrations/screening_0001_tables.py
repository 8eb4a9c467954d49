"""The screening service's first tables: read models of the registry's stream (departments, staff, liaisons, the
team, declared interests) and the query tables projected from its own events (projects, rounds, screenings).

Revision ID: screening_0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa

from kyodo_shared.store.migrations.ops import create_index_if_missing, create_table_if_missing

revision = "screening_0001"
down_revision: str | None = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Read models of the registry's stream (bus_registry.py).
    create_table_if_missing(
        "reg_departments",
        sa.Column("department_id", sa.Text, primary_key=True),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("name_ja", sa.Text, nullable=False),
        sa.Column("name_en", sa.Text),
    )
    create_table_if_missing(
        "reg_staff",
        sa.Column("department_id", sa.Text, primary_key=True),
        sa.Column("staff_sub", sa.Text, primary_key=True),
        sa.Column("since", sa.Text, primary_key=True),
        sa.Column("until", sa.Text),
    )
    create_table_if_missing(
        "reg_liaisons",
        sa.Column("department_id", sa.Text, primary_key=True),
        sa.Column("liaison_sub", sa.Text, nullable=False),
        sa.Column("since", sa.Text, nullable=False),
    )
    create_table_if_missing(
        "reg_team",
        sa.Column("staff_sub", sa.Text, primary_key=True),
        sa.Column("joined_on", sa.Text, primary_key=True),
        sa.Column("department_id", sa.Text, nullable=False),
        sa.Column("left_on", sa.Text),
    )
    # Declared interests in a group or in a department (one of the two ids is set).
    create_table_if_missing(
        "reg_interests",
        sa.Column("declaration_id", sa.Text, primary_key=True),
        sa.Column("person_sub", sa.Text, nullable=False),
        sa.Column("group_id", sa.Text),
        sa.Column("department_id", sa.Text),
        sa.Column("declared_at", sa.Text, nullable=False),
        sa.Column("withdrawn_at", sa.Text),
    )
    create_index_if_missing("reg_interests_person", "reg_interests", ["person_sub"])
    # Query tables projected from the service's own events (index.py).
    create_table_if_missing(
        "screening_projects",
        sa.Column("project_id", sa.Text, primary_key=True),
        sa.Column("department_id", sa.Text, nullable=False),
        sa.Column("fiscal_year", sa.Integer, nullable=False),
        sa.Column("project_number", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("budget_yen", sa.BigInteger, nullable=False),
        sa.Column("awaiting_round", sa.Text),
        sa.Column("version", sa.BigInteger, nullable=False),
        # The whole record as JSON, for the CSV export (no aggregate read per project).
        sa.Column("record", sa.Text, nullable=False),
    )
    create_index_if_missing(
        "screening_projects_department", "screening_projects", ["department_id", "fiscal_year", "project_number"]
    )
    create_table_if_missing(
        "screening_rounds",
        sa.Column("round_id", sa.Text, primary_key=True),
        sa.Column("fiscal_year", sa.Integer, nullable=False),
        sa.Column("title_ja", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("department_ids", sa.Text, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    create_table_if_missing(
        "screening_entries",
        sa.Column("screening_id", sa.Text, primary_key=True),
        sa.Column("round_id", sa.Text, nullable=False),
        sa.Column("project_id", sa.Text, nullable=False),
        sa.Column("department_id", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("cycle", sa.Integer, nullable=False),
        sa.Column("assessments", sa.Integer, nullable=False),
        sa.Column("self_checked", sa.Boolean, nullable=False),
        sa.Column("decision_id", sa.Text),
        sa.Column("version", sa.BigInteger, nullable=False),
        # Carried into this round from an earlier one's "needs study" (it must not drop out at the close).
        sa.Column("carried", sa.Boolean, nullable=False),
    )
    create_index_if_missing("screening_entries_round", "screening_entries", ["round_id", "department_id"])
