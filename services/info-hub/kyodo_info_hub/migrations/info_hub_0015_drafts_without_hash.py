"""`evaluation_drafts` without `agreement_hash`: `evaluation.agreement.drafted` and `…confirmed` no longer carry the
SHA-256 of a draft under negotiation (a reader of the bus could confirm a guess of its content with it). A
confirmation is always of the project's latest draft — the evaluation service refuses any other — so the consumer
marks the draft applied before it (bus/evaluation_steps.py), as the source sequence already guarded.

No replay: the rows keep their meaning, only the column goes. Messages published before this release still carry the
hash; the contract reads them and ignores it.

Revision ID: info_hub_0015
Revises: info_hub_0014
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "info_hub_0015"
down_revision: str | None = "info_hub_0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode: SQLite (the embedded store) rebuilds the table, PostgreSQL drops the column in place.
    with op.batch_alter_table("evaluation_drafts") as batch:
        batch.drop_column("agreement_hash")
