"""The survey's query tables (実態調査), projections of info-hub's own events, rebuildable from the store."""

from __future__ import annotations

from kyodo_shared.tasks.projection import ProjectionHandler

PROJECTIONS: dict[str, ProjectionHandler] = {}
