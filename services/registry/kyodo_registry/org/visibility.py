"""What the audit API may show of the org aggregates' events."""

from __future__ import annotations

from kyodo_shared.audit.visibility import EventPolicy

EVENTS: dict[str, EventPolicy] = {}
