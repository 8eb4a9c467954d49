"""The audit chain indexes each event's correlation id (issue 14, P5: the auditor at a million events).

`/audit/events?correlation_id=` walked the whole notification log for every request; with the correlation id beside
each chain row (written by the chainer, not part of the hashed chain: the filter still reads each event's own trace)
an auditor's query reads only the matching rows. Nullable: rows chained before this revision hold NULL ("not indexed
yet"), which the chainer fills in the background and the API treats as candidates meanwhile; an event without a
correlation id holds the empty string.

Revision ID: kernel_0003
Revises: kernel_0002
Create Date: 2026-12-02 19:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "kernel_0003"
down_revision: str | None = "kernel_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ADD COLUMN of a nullable column without a default is in place on SQLite and PostgreSQL: no table copy.
    op.add_column("kyodo_audit_chain", sa.Column("correlation_id", sa.Text, nullable=True))
    # Equality and IS NULL both use it, each in position order.
    op.create_index("kyodo_audit_chain_correlation", "kyodo_audit_chain", ["correlation_id", "notification_id"])
