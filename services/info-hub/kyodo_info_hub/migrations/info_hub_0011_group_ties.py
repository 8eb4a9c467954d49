"""The register of declared ties (関係団体の届出) for the portal's group pages: read model `hub_group_ties`, fed from
the registry's `tie_declared` / `tie_withdrawn` (bus/ties.py) — public facts the registry publishes, which the
portal showed only as a link to the registry's API.

A store upgraded to this revision had applied the registry's stream without keeping ties, so its registry consumer
starts again from the stream's beginning, as info_hub_0004 explains (upserts keyed by ids; the directory's rows
guarded by their source sequence). A new store has no tracking yet.

Revision ID: info_hub_0011
Revises: info_hub_0010
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "info_hub_0011"
down_revision: str | None = "info_hub_0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hub_group_ties",
        sa.Column("tie_id", sa.Text, primary_key=True),
        sa.Column("group_id", sa.Text, nullable=False),
        # political, religious, commercial or other (kyodo_contracts.registry.TieKind)
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("counterpart", sa.Text, nullable=False),
        # When the registry recorded the declaration, in Asia/Tokyo (ISO 8601).
        sa.Column("declared_at", sa.Text, nullable=False),
        sa.Column("source_sequence", sa.BigInteger, nullable=False),
    )
    op.create_index("hub_group_ties_by_group", "hub_group_ties", ["group_id", "declared_at"])
    if sa.inspect(op.get_bind()).has_table("kyodo_consumer_tracking"):
        op.execute("DELETE FROM kyodo_consumer_tracking WHERE source = 'registry'")
