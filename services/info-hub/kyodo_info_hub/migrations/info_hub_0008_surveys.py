"""The survey (実態調査): its query tables, projections of info-hub's own events (`surveys_index`), rebuildable
from the store; and its operational tables (invitation links' secrets).

Revision ID: info_hub_0008
Revises: info_hub_0007
Create Date: 2026-12-04
"""

from __future__ import annotations

revision = "info_hub_0008"
down_revision: str | None = "info_hub_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass
