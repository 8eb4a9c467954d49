"""The center's trainings (研修会・講座・意見交換会): the query table of trainings (a projection of info-hub's own
events, rebuildable), and two operational tables that are not projections:

- `hub_training_secrets`: the HMAC secret that keys the e-mail hashes registrations keep in their events (made once
  per store; losing it would let one address register twice for a training — so it is kept, never rebuilt);
- `hub_training_emails`: one row per citizen's e-mail address (a keyed hash) and training, naming the registration
  and the registrant's vault subject: one registration per address; deleted when the registrant is erased, so the
  hash never outlives the personal data (kept out of the immutable events for that reason; not rebuildable);
- `hub_training_rate`: per-window counts of citizens' registration attempts, by keyed hash of the client address or
  e-mail address (never the values); only the current window's rows are kept.

Revision ID: info_hub_0006
Revises: info_hub_0005
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "info_hub_0006"
down_revision: str | None = "info_hub_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hub_trainings",
        sa.Column("training_id", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        # draft | announced | cancelled
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("starts_at_utc", sa.Text, nullable=False),
        # The audience as " groups staff citizens " (spaces around each), so one word matches with LIKE.
        sa.Column("audience", sa.Text, nullable=False),
        # The public view (plan, counts, cancellation, minutes; never names): JSON, read whole.
        sa.Column("record", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("hub_trainings_by_start", "hub_trainings", ["status", "starts_at_utc"])
    op.create_table(
        "hub_training_secrets",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("secret", sa.Text, nullable=False),
    )
    op.create_table(
        "hub_training_emails",
        sa.Column("training_id", sa.Text, primary_key=True),
        sa.Column("email_hash", sa.Text, primary_key=True),
        sa.Column("registration_id", sa.Text, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        # Real time (epoch seconds) of the claim: a claim whose registration never appears expires.
        sa.Column("claimed_at", sa.BigInteger, nullable=False),
    )
    op.create_index("hub_training_emails_subject", "hub_training_emails", ["subject"])
    op.create_table(
        "hub_training_rate",
        sa.Column("key_hash", sa.Text, primary_key=True),
        sa.Column("window_no", sa.BigInteger, primary_key=True),
        sa.Column("attempts", sa.Integer, nullable=False),
    )
    op.create_index("hub_training_rate_window", "hub_training_rate", ["window_no"])
