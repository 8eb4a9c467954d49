"""The month's figures of the coordination window (月次の公表), computed from the cases' own events — never from a
query table, so the figures are the store's whatever a projection has applied — and without personal data or
problem text: counts by field of activity, urgency and outcome, and median hours.

- received: cases raised in the month (by field of activity, each field counted once per case; by urgency)
- routed: cases first routed in the month; acknowledgements_overdue: overdue marks recorded in the month
- acknowledged: cases first acknowledged in the month, and the median hours from the case's first routing to its
  first acknowledgement over them
- closed: cases closed in the month by outcome, and the median hours from raising to closing over those resolved
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from kyodo_info_hub.cases import Case, Outcome, Urgency
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.domain.text import normalize


def month_of(moment: str | datetime) -> str:
    """The Tokyo month ("2027-04") of an ISO 8601 time."""
    at = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return at.astimezone(TOKYO).strftime("%Y-%m")


def first_day(month: str) -> date:
    return date.fromisoformat(f"{month}-01")


def next_month(month: str) -> str:
    day = first_day(month)
    return f"{day.year + day.month // 12:04d}-{day.month % 12 + 1:02d}"


def _hours(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() / 3600


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _facts(events: Iterable[Any]) -> dict[str, dict[str, Any]]:
    """Per case, the times and values the figures need, folded from its events in store order."""
    cases: dict[str, dict[str, Any]] = {}
    for e in events:
        case_id = str(e.originator_id)
        if isinstance(e, Case.Raised):
            cases[case_id] = {
                "raised_at": e.raised_at,
                "fields": list(e.fields_of_activity),
                "urgency": e.urgency,
                "routed_at": None,
                "acknowledged_at": None,
                "overdue": [],
                "closed_at": None,
                "outcome": None,
            }
            continue
        case = cases.get(case_id)
        if case is None:
            continue
        if isinstance(e, Case.Routed) and case["routed_at"] is None:
            case["routed_at"] = e.routed_at
        elif isinstance(e, Case.Acknowledged) and case["acknowledged_at"] is None:
            case["acknowledged_at"] = e.acknowledged_at
        elif isinstance(e, Case.AcknowledgementOverdue):
            case["overdue"].append(e.recorded_at)
        elif isinstance(e, Case.Closed):
            case["closed_at"], case["outcome"] = e.closed_at, e.outcome
    return cases


def compute(month: str, events: Iterable[Any]) -> dict[str, Any]:
    """The published figures of `month` from every case event stored (in store order)."""
    cases = _facts(events).values()
    received = [c for c in cases if month_of(c["raised_at"]) == month]
    by_field: dict[str, dict[str, Any]] = {}
    for case in received:
        seen: set[str] = set()
        for name in case["fields"]:
            key = normalize(name)
            if key in seen:
                continue
            seen.add(key)
            # Japanese-normalized: 子育て and ｺｿﾀﾞﾃ are one field, shown as first written.
            by_field.setdefault(key, {"field": name, "count": 0})["count"] += 1
    acknowledged = [c for c in cases if c["acknowledged_at"] and month_of(c["acknowledged_at"]) == month]
    closed = [c for c in cases if c["closed_at"] and month_of(c["closed_at"]) == month]
    resolved = [c for c in closed if c["outcome"] == Outcome.RESOLVED.value]
    return {
        "month": month,
        "received": len(received),
        "received_by_field": sorted(by_field.values(), key=lambda f: (-f["count"], f["field"])),
        "received_by_urgency": {u.value: sum(1 for c in received if c["urgency"] == u.value) for u in Urgency},
        "routed": sum(1 for c in cases if c["routed_at"] and month_of(c["routed_at"]) == month),
        "acknowledgements_overdue": sum(1 for c in cases for at in c["overdue"] if month_of(at) == month),
        "acknowledged": len(acknowledged),
        "median_hours_to_acknowledgement": _median(
            [_hours(c["routed_at"], c["acknowledged_at"]) for c in acknowledged if c["routed_at"]]
        ),
        "closed": len(closed),
        "closed_by_outcome": {o.value: sum(1 for c in closed if c["outcome"] == o.value) for o in Outcome},
        "median_hours_to_resolution": _median([_hours(c["raised_at"], c["closed_at"]) for c in resolved]),
    }
