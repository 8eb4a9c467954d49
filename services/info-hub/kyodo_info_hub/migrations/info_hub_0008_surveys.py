"""The survey (実態調査): its query tables, projections of info-hub's own events (`surveys_index`), rebuildable
from the store; and its operational tables (invitation links' secrets).

- `hub_surveys`: one row per survey (the open data reads its fixed columns: survey_id, fiscal_year, title_ja,
  title_en, status, opens_at, closes_at, closed_at, statistics, questions); `record` is the public view, `version`
  the aggregate's (a replayed older state never overwrites a newer one);
- `hub_survey_invitations`: an invited group's one-time link — the sha256 of its token only, replaced when reissued
  (operational, not rebuildable: the token is never in an event).

Revision ID: info_hub_0008
Revises: info_hub_0007
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "info_hub_0008"
down_revision: str | None = "info_hub_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hub_surveys",
        sa.Column("survey_id", sa.Text, primary_key=True),
        sa.Column("fiscal_year", sa.Integer, nullable=False),
        sa.Column("title_ja", sa.Text, nullable=False),
        sa.Column("title_en", sa.Text),
        # draft | announced | open | closed | cancelled
        sa.Column("status", sa.Text, nullable=False),
        # ISO 8601 (Asia/Tokyo).
        sa.Column("opens_at", sa.Text, nullable=False),
        sa.Column("closes_at", sa.Text, nullable=False),
        sa.Column("closed_at", sa.Text),
        # JSON of survey_stats.Statistics, null until closed.
        sa.Column("statistics", sa.Text),
        # JSON: [{key, kind, section, text_ja, text_en, options: [{key, label_ja, label_en}], unit_ja, unit_en}].
        sa.Column("questions", sa.Text, nullable=False),
        # JSON of the public view (never a target's or invitation's name), read whole.
        sa.Column("record", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("hub_surveys_by_year", "hub_surveys", ["status", "fiscal_year"])
    op.create_table(
        "hub_survey_invitations",
        sa.Column("invitation_id", sa.Text, primary_key=True),
        sa.Column("survey_id", sa.Text, nullable=False),
        sa.Column("token_hash", sa.Text, nullable=False),
        sa.Column("issued_at", sa.Text, nullable=False),
    )
    op.create_index("hub_survey_invitations_token", "hub_survey_invitations", ["token_hash"], unique=True)
