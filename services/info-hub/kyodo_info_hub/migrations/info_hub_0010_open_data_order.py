"""Open data: an index on the order the `groups` export reads in. An export reads its table in keyset batches
ordered by the dataset's key; without an index on that key every batch scanned and sorted the whole table, so a
`groups` export's cost grew with the square of the directory (bench/RESULTS.md, issue 18, P6).

Revision ID: info_hub_0010
Revises: info_hub_0009
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "info_hub_0010"
down_revision: str | None = "info_hub_0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The `groups` dataset's key (opendata_portal.py). The screening register's, (decided_at, decision_id), is served
    # by info_hub_0002's index on (decided_at, source_sequence); the other exports read in their primary key's order.
    op.create_index("directory_groups_registered", "directory_groups", ["registered_at", "group_id"])
