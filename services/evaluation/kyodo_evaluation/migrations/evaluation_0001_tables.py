"""The evaluation service's first tables: read models of the registry's stream (groups, departments, their staff and
liaisons, committees with their terms, officers and acting chairs, declared interests), of the sources of projects
(proposals' adoptions, screening's decisions) and the query tables projected from its own events (projects and
their timelines).

Revision ID: evaluation_0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa

from kyodo_shared.store.migrations.ops import create_index_if_missing, create_table_if_missing

revision = "evaluation_0001"
down_revision: str | None = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    _registry()
    _sources()
    # Query tables (index.py): projected from the service's own events.
    create_table_if_missing(
        "ev_projects",
        sa.Column("project_id", sa.Text, primary_key=True),
        sa.Column("group_id", sa.Text, nullable=False),
        sa.Column("department_id", sa.Text, nullable=False),
        sa.Column("title_ja", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("fiscal_year", sa.Integer),
        sa.Column("created_at", sa.Text, nullable=False),
        # The whole record as JSON (no aggregate read per listed project).
        sa.Column("record", sa.Text, nullable=False),
    )
    create_index_if_missing("ev_projects_group", "ev_projects", ["group_id"])
    create_index_if_missing("ev_projects_department", "ev_projects", ["department_id"])
    create_table_if_missing(
        "ev_timeline",
        sa.Column("project_id", sa.Text, primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        # JSON.
        sa.Column("summary", sa.Text, nullable=False),
    )


def _registry() -> None:
    # Read models of the registry's stream (bus_registry.py).
    create_table_if_missing(
        "reg_groups",
        sa.Column("group_id", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("representative_sub", sa.Text, nullable=False),
    )
    create_table_if_missing(
        "reg_group_contacts",
        sa.Column("group_id", sa.Text, primary_key=True),
        sa.Column("contact_sub", sa.Text, primary_key=True),
    )
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
    # Every appointment, so the liaison on an earlier day is still known after a replacement.
    create_table_if_missing(
        "reg_liaisons",
        sa.Column("department_id", sa.Text, primary_key=True),
        sa.Column("since", sa.Text, primary_key=True),
        sa.Column("liaison_sub", sa.Text, nullable=False),
    )
    create_table_if_missing(
        "reg_committees",
        sa.Column("committee_id", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
    )
    create_table_if_missing(
        "reg_committee_terms",
        sa.Column("committee_id", sa.Text, primary_key=True),
        sa.Column("committee_kind", sa.Text, nullable=False),
        sa.Column("member_sub", sa.Text, primary_key=True),
        sa.Column("term_start", sa.Text, primary_key=True),
        sa.Column("term_end", sa.Text, nullable=False),
    )
    # Every change of officers, so a board on an earlier day has the officers of that day.
    create_table_if_missing(
        "reg_committee_officers",
        sa.Column("committee_id", sa.Text, primary_key=True),
        sa.Column("effective_on", sa.Text, primary_key=True),
        sa.Column("chair_sub", sa.Text, nullable=False),
        sa.Column("vice_chair_sub", sa.Text),
    )
    create_table_if_missing(
        "reg_acting_chairs",
        sa.Column("committee_id", sa.Text, primary_key=True),
        sa.Column("matter", sa.Text, primary_key=True),
        sa.Column("acting_chair_sub", sa.Text, nullable=False),
        # A JSON list of subs, sorted.
        sa.Column("elector_subs", sa.Text, nullable=False),
        sa.Column("elected_on", sa.Text, nullable=False),
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


def _sources() -> None:
    # Read models of the sources of projects (bus_sources.py).
    create_table_if_missing(
        "ev_adoptions",
        sa.Column("proposal_id", sa.Text, primary_key=True),
        sa.Column("call_id", sa.Text, nullable=False),
        sa.Column("group_id", sa.Text, nullable=False),
        sa.Column("department_id", sa.Text),
        sa.Column("title_ja", sa.Text),
        sa.Column("screening_decision_id", sa.Text),
        sa.Column("rank", sa.Integer, nullable=False),
        sa.Column("score", sa.Text, nullable=False),
        sa.Column("adopted_at", sa.Text, nullable=False),
    )
    # A correction may mark the decision it replaces before that decision's own row is written (a row with only
    # `superseded`), so the decision's columns may be empty.
    create_table_if_missing(
        "ev_screening_decisions",
        sa.Column("decision_id", sa.Text, primary_key=True),
        sa.Column("project_id", sa.Text),
        sa.Column("department_id", sa.Text),
        sa.Column("project_number", sa.Text),
        sa.Column("title", sa.Text),
        sa.Column("fiscal_year", sa.Integer),
        sa.Column("outcome", sa.Text),
        # A JSON list of the forms of collaboration.
        sa.Column("forms", sa.Text),
        sa.Column("replaces", sa.Text),
        sa.Column("superseded", sa.Boolean, nullable=False, server_default=sa.false()),
    )
