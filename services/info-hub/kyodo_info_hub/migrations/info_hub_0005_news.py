"""The center's news (お知らせ) and opinion exchange topics (意見交換): their query tables, projections of info-hub's
own events (rebuildable: `news_index` fills them from the store), and the attached files' bytes.

`hub_news_attachments` is NOT rebuildable: events name an attachment by its SHA-256, the bytes live only here
(as the registry keeps its documents); back it up with the event store.

Revision ID: info_hub_0005
Revises: info_hub_0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "info_hub_0005"
down_revision: str | None = "info_hub_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hub_news",
        sa.Column("news_id", sa.Text, primary_key=True),
        # draft, scheduled, published, withdrawn
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("title_ja", sa.Text, nullable=False),
        sa.Column("title_en", sa.Text),
        sa.Column("drafted_at", sa.Text, nullable=False),
        sa.Column("publish_at", sa.Text),
        # The instant of publication as epoch seconds (orders lists newest first across offsets).
        sa.Column("published_at", sa.Text),
        sa.Column("published_epoch", sa.Float),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.Column("updated_epoch", sa.Float, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        # What a list and the feed show of it (JSON): texts of the current revision, attachments, withdrawal.
        sa.Column("record", sa.Text, nullable=False),
    )
    op.create_index("hub_news_listed", "hub_news", ["status", "published_epoch"])
    op.create_index("hub_news_updated", "hub_news", ["updated_epoch"])
    op.create_table(
        "hub_news_attachments",
        sa.Column("sha256", sa.Text, primary_key=True),
        sa.Column("media_type", sa.Text, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("content_b64", sa.Text, nullable=False),
        sa.Column("stored_at", sa.Text, nullable=False),
    )
    op.create_table(
        "hub_topics",
        sa.Column("topic_id", sa.Text, primary_key=True),
        # draft, published, closed
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("title_ja", sa.Text, nullable=False),
        sa.Column("title_en", sa.Text),
        sa.Column("opens_at", sa.Text, nullable=False),
        sa.Column("closes_at", sa.Text, nullable=False),
        sa.Column("closes_epoch", sa.Float, nullable=False),
        sa.Column("published_at", sa.Text),
        sa.Column("closed_at", sa.Text),
        # Public only after the close (counted then): before it, how many groups submitted is not shown.
        sa.Column("opinions", sa.Integer, nullable=False),
        sa.Column("answers", sa.Integer, nullable=False),
    )
    op.create_index("hub_topics_listed", "hub_topics", ["status", "closes_epoch"])
