"""The proposals service's tables as the code before versioned migrations made them (kept where they exist).

Revision ID: proposals_0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa

from kyodo_shared.store.migrations.ops import create_index_if_missing, create_table_if_missing

revision = "proposals_0001"
down_revision: str | None = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Read models of the registry's stream (bus_registry.py).
    create_table_if_missing(
        "reg_groups",
        sa.Column("group_id", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("representative_sub", sa.Text, nullable=False),
    )
    # Every change of a group's standing with the registry's time, so eligibility is judged at a call's deadline.
    create_table_if_missing(
        "reg_group_standing",
        sa.Column("group_id", sa.Text, primary_key=True),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("source_sequence", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("status", sa.Text, nullable=False),
    )
    create_table_if_missing(
        "reg_group_contacts",
        sa.Column("group_id", sa.Text, primary_key=True),
        sa.Column("contact_sub", sa.Text, primary_key=True),
    )
    create_table_if_missing(
        "reg_committee_terms",
        sa.Column("committee_id", sa.Text, primary_key=True),
        sa.Column("committee_kind", sa.Text, nullable=False),
        sa.Column("member_sub", sa.Text, primary_key=True),
        sa.Column("term_start", sa.Text, primary_key=True),
        sa.Column("term_end", sa.Text, nullable=False),
    )
    create_table_if_missing(
        "reg_committee_officers",
        sa.Column("committee_id", sa.Text, primary_key=True),
        sa.Column("chair_sub", sa.Text, nullable=False),
        sa.Column("vice_chair_sub", sa.Text),
        sa.Column("effective_on", sa.Text, nullable=False),
    )
    create_table_if_missing(
        "reg_interests",
        sa.Column("declaration_id", sa.Text, primary_key=True),
        sa.Column("person_sub", sa.Text, nullable=False),
        sa.Column("group_id", sa.Text, nullable=False),
        sa.Column("declared_at", sa.Text, nullable=False),
        sa.Column("withdrawn_at", sa.Text),
    )
    create_index_if_missing("reg_interests_person", "reg_interests", ["person_sub", "group_id"])
    # The call index: a projection of the service's own events (projection `call_index`).
    create_table_if_missing(
        "proposals_call_index",
        sa.Column("call_id", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("title_ja", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("deadline", sa.Text, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    create_index_if_missing("proposals_call_index_status", "proposals_call_index", ["status", "deadline"])
