"""The registry's committees with their names (委員会の名称), so the center's form to open a committee's evaluation
offers a committee by its name (協働事業評価委員会) rather than by its registry id.

Two nullable columns on the read model `reg_committees` (`registry.committee.established` carries them), added in
place: NULL is a name not known (yet). As proposals_0005 and screening_0003 did, a store upgraded to this revision
had applied the registry's stream past every committee established so far, so its registry consumer starts again
from the stream's beginning: the tracking is forgotten and the handlers — upserts keyed by ids, or updates that set
a message's own values to the rows it is about — apply the history again in order, the names included. A new store
has no tracking yet.

Revision ID: evaluation_0002
Revises: evaluation_0001
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "evaluation_0002"
down_revision: str | None = "evaluation_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("reg_committees", sa.Column("name_ja", sa.Text))
    op.add_column("reg_committees", sa.Column("name_en", sa.Text))
    if sa.inspect(op.get_bind()).has_table("kyodo_consumer_tracking"):
        op.execute("DELETE FROM kyodo_consumer_tracking WHERE source = 'registry'")
