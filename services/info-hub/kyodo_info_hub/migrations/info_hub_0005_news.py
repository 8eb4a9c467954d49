"""The center's news: its query tables (projections of info-hub's own events, rebuildable).

Revision ID: info_hub_0005
Revises: info_hub_0004
Create Date: 2026-12-04
"""

from __future__ import annotations

revision = "info_hub_0005"
down_revision: str | None = "info_hub_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Filled in by the part's own tables."""
