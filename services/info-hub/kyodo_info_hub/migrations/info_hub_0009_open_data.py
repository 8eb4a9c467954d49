"""Open data: when the portal first saw each dataset's state (`open_data_versions`: its ETag's hash and that time,
which `Last-Modified` and the catalogue's update time report), and the times the calls' Atom feeds need on
`portal_calls` (`published_at`, `results_published_at`, `updated_at`: Asia/Tokyo ISO text; null on rows written
before this revision until the read model is replayed).

Revision ID: info_hub_0009
Revises: info_hub_0008
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "info_hub_0009"
down_revision: str | None = "info_hub_0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "open_data_versions",
        sa.Column("dataset", sa.Text, primary_key=True),
        sa.Column("etag", sa.Text, nullable=False),
        # Asia/Tokyo ISO 8601, to the second.
        sa.Column("modified_at", sa.Text, nullable=False),
    )
    # ADD COLUMN of a nullable column without a default is in place on SQLite and PostgreSQL: no table copy.
    op.add_column("portal_calls", sa.Column("published_at", sa.Text, nullable=True))
    op.add_column("portal_calls", sa.Column("results_published_at", sa.Text, nullable=True))
    op.add_column("portal_calls", sa.Column("updated_at", sa.Text, nullable=True))
