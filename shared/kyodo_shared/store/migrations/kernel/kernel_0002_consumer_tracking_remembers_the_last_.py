"""Consumer tracking remembers the identity of the last applied message (issue 11 follow-up).

With the tracked sequence, the `ce-id`, `ce-time` and originator-version header of the message applied at it, written
in the transaction that advances tracking. A consumer compares them with the source stream's message at its tracked
sequence whenever it (re)creates its durable consumer: a stream re-published from a restored store with a different
history at the same sequences is refused instead of silently skipped. Nullable: rows written before this revision
(and operator skips) carry none, and the comparison is skipped for them.

Revision ID: kernel_0002
Revises: kernel_0001
Create Date: 2026-12-02 08:30:10.767437
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "kernel_0002"
down_revision: str | None = "kernel_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ADD COLUMN of a nullable column without a default is in place on SQLite and PostgreSQL: no table copy.
    op.add_column("kyodo_consumer_tracking", sa.Column("last_event_id", sa.Text, nullable=True))
    op.add_column("kyodo_consumer_tracking", sa.Column("last_event_time", sa.Text, nullable=True))
    op.add_column("kyodo_consumer_tracking", sa.Column("last_originator_version", sa.Text, nullable=True))
