"""The month's figures of the coordination window (月次の公表), computed from the cases' own events — never from a
query table, so the figures are the store's whatever a projection has applied — and without personal data or
problem text: counts by field of activity, urgency and outcome, and median hours.

- received: cases raised in the month; by urgency; and by field of activity, each field counted once per case.
  A case's fields are free text (a raiser may type anything, a name even), so only a known label is published: one
  the directory's registered groups use (already public on the directory, compared Japanese-normalized, shown as the
  directory writes it), and only when at least `MIN_CELL` cases of the month name it (a smaller cell could point to
  one case). Every other case is counted once under その他 (other).
- routed: cases first routed in the month; acknowledgements_overdue: overdue marks recorded in the month
- acknowledged: departments' acknowledgements recorded in the month (a case routed to two departments that both
  take it up counts twice), and the median hours from each department's own routing to its acknowledgement
- closed: cases closed in the month by outcome, and the median hours from raising to closing over those resolved
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from kyodo_info_hub.cases import Case, Outcome, Urgency
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.domain.text import normalize

OTHER = "その他"
# A field of activity named by fewer cases of the month than this is counted under その他.
MIN_CELL = 3


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


def vocabulary(fields_of_groups: Iterable[Iterable[str]]) -> dict[str, str]:
    """The labels the figures may publish: every field of activity of the given groups (the directory's registered
    ones), Japanese-normalized → the label as written (the first in code-point order when groups write it apart)."""
    known: dict[str, str] = {}
    for fields in fields_of_groups:
        for label in fields:
            key = normalize(label)
            if key and key != normalize(OTHER):
                known[key] = min(known.get(key, label), label)
    return known


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
                "routings": {},
                "acknowledgements": [],
                "overdue": [],
                "closed_at": None,
                "outcome": None,
            }
            continue
        case = cases.get(case_id)
        if case is None:
            continue
        if isinstance(e, Case.Routed):
            case["routed_at"] = case["routed_at"] or e.routed_at
            for department in e.department_ids:
                case["routings"].setdefault(department, e.routed_at)
        elif isinstance(e, Case.Acknowledged) and e.department_id in case["routings"]:
            # Measured from this department's own routing, not the case's first.
            case["acknowledgements"].append((case["routings"][e.department_id], e.acknowledged_at))
        elif isinstance(e, Case.AcknowledgementOverdue):
            case["overdue"].append(e.recorded_at)
        elif isinstance(e, Case.Closed):
            case["closed_at"], case["outcome"] = e.closed_at, e.outcome
    return cases


def by_field(received: list[dict[str, Any]], known: Mapping[str, str], min_cell: int) -> list[dict[str, Any]]:
    """Known fields named by at least `min_cell` of the cases, most frequent first; then その他, counting once each
    case that names any other field (or a known one in a smaller cell)."""
    named = [{normalize(f) for f in case["fields"]} for case in received]
    counts: dict[str, int] = {}
    for keys in named:
        for key in keys & known.keys():
            counts[key] = counts.get(key, 0) + 1
    shown = {key for key, n in counts.items() if n >= min_cell}
    rows: list[dict[str, Any]] = [
        {"field": known[k], "count": counts[k]} for k in sorted(shown, key=lambda k: (-counts[k], known[k]))
    ]
    other = sum(1 for keys in named if keys - shown)
    return rows + ([{"field": OTHER, "count": other}] if other else [])


def compute(month: str, events: Iterable[Any], known: Mapping[str, str], min_cell: int = MIN_CELL) -> dict[str, Any]:
    """The published figures of `month` from every case event stored (in store order); `known`: the labels that
    may be published (see `vocabulary`)."""
    cases = _facts(events).values()
    received = [c for c in cases if month_of(c["raised_at"]) == month]
    acknowledged = [
        _hours(routed_at, at) for c in cases for routed_at, at in c["acknowledgements"] if month_of(at) == month
    ]
    closed = [c for c in cases if c["closed_at"] and month_of(c["closed_at"]) == month]
    resolved = [c for c in closed if c["outcome"] == Outcome.RESOLVED.value]
    return {
        "month": month,
        "received": len(received),
        "received_by_field": by_field(received, known, min_cell),
        "received_by_urgency": {u.value: sum(1 for c in received if c["urgency"] == u.value) for u in Urgency},
        "routed": sum(1 for c in cases if c["routed_at"] and month_of(c["routed_at"]) == month),
        "acknowledgements_overdue": sum(1 for c in cases for at in c["overdue"] if month_of(at) == month),
        "acknowledged": len(acknowledged),
        "median_hours_to_acknowledgement": _median(acknowledged),
        "closed": len(closed),
        "closed_by_outcome": {o.value: sum(1 for c in closed if c["outcome"] == o.value) for o in Outcome},
        "median_hours_to_resolution": _median([_hours(c["raised_at"], c["closed_at"]) for c in resolved]),
    }
