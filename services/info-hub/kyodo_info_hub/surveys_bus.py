"""The survey (実態調査) on the bus: the outbound map of its events, what the audit API shows of each, and the
aggregates' published type names (merged in `bus_center.py`).
"""

from __future__ import annotations

from kyodo_shared.audit.visibility import EventPolicy
from kyodo_shared.bus.mapping import OutboundMap

OUTBOUND = OutboundMap()
VISIBILITY: dict[str, EventPolicy] = {}
AGGREGATES: dict[str, str] = {}
