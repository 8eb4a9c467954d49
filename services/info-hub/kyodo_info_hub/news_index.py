"""The center's news: query tables projected from info-hub's own events (lists read these; commands never decide
from them)."""

from __future__ import annotations

from kyodo_shared.tasks.projection import ProjectionHandler

PROJECTIONS: dict[str, ProjectionHandler] = {}
