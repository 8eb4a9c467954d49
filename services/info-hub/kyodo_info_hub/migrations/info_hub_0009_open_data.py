"""Open data: when the portal first saw each dataset's state (`open_data_versions`: its ETag's hash, that time,
which `Last-Modified` and the catalogue's update time report, the salt a rebuild renews and the positions seen), and
the times the calls' Atom feeds need on `portal_calls` (`published_at`, `results_published_at`, `updated_at`:
Asia/Tokyo ISO text).

Rows written before this revision have no such times. The handlers (`bus/calls.py`) fill a missing time from the
event that sets it whenever that event is applied again, and change nothing else then (each update is guarded by the
row's source sequence), so `kyodo replay info-hub --from-scratch`, or forgetting the tracking of `proposals`, fills
them. This revision does not forget that tracking itself: a store's rows are kept as they are (the upgrade's
compatibility test holds every row, the new columns empty). Until then the feeds date such a call by a fixed time
in the past (`feeds_calls.FIXED`), never by its deadline, and list it last.

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
        # Asia/Tokyo ISO 8601, to the microsecond: when the state was first seen.
        sa.Column("modified_at", sa.Text, nullable=False),
        # Mixed into the ETag; renewed when a rebuild is seen (a source's position going backwards).
        sa.Column("salt", sa.Text, nullable=False),
        # The sources' positions of that state (a JSON array).
        sa.Column("positions", sa.Text, nullable=False),
    )
    # ADD COLUMN of a nullable column without a default is in place on SQLite and PostgreSQL: no table copy.
    op.add_column("portal_calls", sa.Column("published_at", sa.Text, nullable=True))
    op.add_column("portal_calls", sa.Column("results_published_at", sa.Text, nullable=True))
    op.add_column("portal_calls", sa.Column("updated_at", sa.Text, nullable=True))
