"""What waits for the center and the team after a deadline, for the role home page `/me`: read models
`hub_call_reviews` (a call's review opened, or its decision blocked for want of quorum), `hub_adoptions` (adopted
proposals, so one without a department shows until the evaluation service creates its project) — bus/call_review.py
— and `hub_round_team` (who is on each screening round's team, from `screening.round.opened`) — bus/screening.py.

All rebuildable. A store upgraded to this revision had applied the proposals' and the screening's streams without
keeping these, so both consumers start again from their stream's beginning, as info_hub_0004, 0011 and 0012 did for
the registry's (every handler of both streams upserts keyed by ids, guarded by the source sequence, so applying a
message again changes nothing). `proposals.call.review_started` is new in this release and the proposals relay
publishes only events stored after its upgrade: a call whose review was opened before reads as awaiting the review
on `/me` until its decision is blocked or its results are published (the call's manage page has its state).

Revision ID: info_hub_0014
Revises: info_hub_0013
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "info_hub_0014"
down_revision: str | None = "info_hub_0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hub_call_reviews",
        sa.Column("call_id", sa.Text, primary_key=True),
        # under_review or decision_blocked (the last attempt at a decision lacked the quorum).
        sa.Column("stage", sa.Text, nullable=False),
        # JSON array: 'quorum:<proposal>:<eligible>/<quorum>' per proposal short of it, while blocked.
        sa.Column("reasons", sa.Text, nullable=False),
        # When the review opened or the decision was blocked, in Asia/Tokyo (ISO 8601).
        sa.Column("changed_at", sa.Text, nullable=False),
        sa.Column("source_sequence", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "hub_adoptions",
        sa.Column("proposal_id", sa.Text, primary_key=True),
        sa.Column("call_id", sa.Text, nullable=False),
        sa.Column("group_id", sa.Text, nullable=False),
        # The partnering department, when the call named one; NULL waits for the center to name it.
        sa.Column("department_id", sa.Text),
        sa.Column("title_ja", sa.Text),
        sa.Column("adopted_at", sa.Text, nullable=False),
        sa.Column("source_sequence", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "hub_round_team",
        sa.Column("round_id", sa.Text, primary_key=True),
        sa.Column("member_sub", sa.Text, primary_key=True),
    )
    op.create_index("hub_round_team_member", "hub_round_team", ["member_sub", "round_id"])
    if sa.inspect(op.get_bind()).has_table("kyodo_consumer_tracking"):
        op.execute("DELETE FROM kyodo_consumer_tracking WHERE source IN ('proposals', 'screening')")
