"""The partners' steps of a collaboration project, for the role home page `/me`: read models `evaluation_drafts`
(the agreement draft under discussion and which partner confirmed it, from `evaluation.agreement.drafted` and
`evaluation.agreement.confirmed`) and `evaluation_self_evaluations_sent` (that a partner's self-evaluation was sent,
and when, from `evaluation.self_evaluation.sent`; never what it says), fed by bus/evaluation.py.

Both rebuildable. The three contracts are new in this release, and the evaluation service's relay publishes only
events stored after its upgrade (its position is past the older ones): the evaluation stream holds no earlier
message of them, so replaying it would add nothing, and this revision leaves the consumer's tracking as it is. A
draft made, confirmed or a self-evaluation sent before the upgrade is not in these tables; the next draft (a
redraft or an amendment) and every later step are.

Revision ID: info_hub_0013
Revises: info_hub_0012
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "info_hub_0013"
down_revision: str | None = "info_hub_0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One row per project: its latest draft (a new draft replaces it); concluded when evaluation_agreements holds
    # its version, lapsed when the project has ended.
    op.create_table(
        "evaluation_drafts",
        sa.Column("project_id", sa.Text, primary_key=True),
        sa.Column("agreement_version", sa.Integer, nullable=False),
        sa.Column("agreement_hash", sa.Text, nullable=False),
        sa.Column("amendment", sa.Boolean, nullable=False),
        # Asia/Tokyo (ISO 8601): when it was drafted, and when each partner confirmed it (NULL until then).
        sa.Column("drafted_at", sa.Text, nullable=False),
        sa.Column("group_confirmed_at", sa.Text),
        sa.Column("department_confirmed_at", sa.Text),
        sa.Column("source_sequence", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "evaluation_self_evaluations_sent",
        sa.Column("project_id", sa.Text, primary_key=True),
        # group or department.
        sa.Column("partner", sa.Text, primary_key=True),
        sa.Column("sent_at", sa.Text, nullable=False),
        sa.Column("source_sequence", sa.BigInteger, nullable=False),
    )
