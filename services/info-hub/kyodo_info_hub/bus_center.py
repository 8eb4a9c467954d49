"""The center's own events on the bus and in the audit API: the parts' outbound maps merged into info-hub's one
map (every event class mapped to a contract or declared internal), and their visibility rules into one policy."""

from __future__ import annotations

from kyodo_info_hub import cases_bus, news_bus, surveys_bus, trainings_bus
from kyodo_shared.audit.visibility import VisibilityPolicy
from kyodo_shared.bus.mapping import OutboundMap

_PARTS = (news_bus, trainings_bus, cases_bus, surveys_bus)

OUTBOUND = OutboundMap(parts=[p.OUTBOUND for p in _PARTS])
POLICY = VisibilityPolicy(
    events={k: v for p in _PARTS for k, v in p.VISIBILITY.items()},
    aggregates={k: v for p in _PARTS for k, v in p.AGGREGATES.items()},
)
