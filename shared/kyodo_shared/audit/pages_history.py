"""The auditor's history browser (`/<service>/audit`): the filters read from the page's query, and the events read
through the audit API's own function (`audit/api.py` `events`), so the page shows exactly what the API answers the
same auditor — bodies only as the visibility policy allows — plus each position's previous link from the chain.

Paged as every list of the repo is (`?page=`, `?per_page=`, with a total: `pages_paging.py` says how, over the API's
reading by position).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import Request

from kyodo_shared.audit.chain import GENESIS
from kyodo_shared.audit.pages_paging import page_items
from kyodo_shared.audit.visibility import REDACTED, RESTRICTED_MARK, SEALED_MARK
from kyodo_shared.domain.actors import Principal
from kyodo_shared.runtime import Kernel
from kyodo_shared.web.pagination import MAX_PAGE

TOKYO = ZoneInfo("Asia/Tokyo")
PER_PAGE = (20, 50, 100)
FIELDS = ("aggregate", "type", "since", "until", "correlation_id")
# Each problem of a filter in both languages, as a problem's errors carry them (pages/forms.errors_in).
_PROBLEMS = {
    "aggregate": ("集約の ID は UUID で入力してください。", "Enter the aggregate's id as a UUID."),
    "since": ("日時は 2026-12-05T09:00 の形で入力してください。", "Enter a date and time like 2026-12-05T09:00."),
    "until": ("日時は 2026-12-05T09:00 の形で入力してください。", "Enter a date and time like 2026-12-05T09:00."),
    "order": ("終わりの日時は始まりより後にしてください。", "The end must be later than the start."),
}


@dataclass
class Filters:
    """The page's filters as typed (shown again in the form) and as the API takes them."""

    typed: dict[str, str] = field(default_factory=dict)
    aggregate: UUID | None = None
    since: datetime | None = None
    until: datetime | None = None
    page: int = 1
    per_page: int = PER_PAGE[0]
    problems: list[dict[str, str]] = field(default_factory=list)

    def api_query(self, after: int) -> str:
        """The same filters and page as `/audit/events` takes them (times as ISO 8601 with Tokyo's offset)."""
        pairs = [
            ("aggregate", str(self.aggregate) if self.aggregate else ""),
            ("type", self.typed.get("type", "")),
            ("since", self.since.isoformat() if self.since else ""),
            ("until", self.until.isoformat() if self.until else ""),
            ("correlation_id", self.typed.get("correlation_id", "")),
            ("after", str(after) if after else ""),
            ("limit", str(self.per_page)),
        ]
        return urlencode([(k, v) for k, v in pairs if v], quote_via=quote)


def read_filters(query: Mapping[str, str]) -> Filters:
    typed = {name: str(query.get(name, "")).strip()[:200] for name in FIELDS}
    found = Filters(typed=typed)
    if typed["aggregate"]:
        try:
            found.aggregate = UUID(typed["aggregate"])
        except ValueError:
            found.problems.append(_problem("aggregate", "aggregate"))
    for name in ("since", "until"):
        if typed[name]:
            try:
                moment = datetime.fromisoformat(typed[name])
            except ValueError:
                found.problems.append(_problem(name, name))
                continue
            # A time typed on the page is Tokyo's (the form says so); one with an offset keeps it.
            setattr(found, name, moment if moment.tzinfo else moment.replace(tzinfo=TOKYO))
    if found.since and found.until and found.until <= found.since:
        found.problems.append(_problem("until", "order"))
    found.page = _number(query.get("page"), 1, 1, MAX_PAGE)
    per_page = _number(query.get("per_page"), PER_PAGE[0], 1, PER_PAGE[-1])
    found.per_page = per_page if per_page in PER_PAGE else PER_PAGE[0]
    return found


def _problem(field_name: str, key: str) -> dict[str, str]:
    ja, en = _PROBLEMS[key]
    return {"field": field_name, "code": "invalid", "reason_ja": ja, "reason_en": en}


def _number(value: Any, default: int, low: int, high: int) -> int:
    try:
        number = int(str(value))
    except ValueError:
        return default
    return number if low <= number <= high else default


@dataclass(frozen=True)
class HistoryRow:
    position: int
    aggregate: str
    version: int
    type: str | None
    topic: str
    state_hash: str
    link: str | None  # None: not chained yet
    previous: str | None  # the chain's link before this position (None while this one is not chained)
    recorded_at: datetime | None
    body: dict[str, Any] | None  # None: hidden as a whole (see `hidden`)
    hidden: str | None  # "restricted", "withheld" or "sealed" when the whole body is hidden
    shown_json: str  # the body as shown, as JSON text


def read_page(
    request: Request, kernel: Kernel, principal: Principal, filters: Filters
) -> tuple[list[HistoryRow], int, bool, int]:
    """One page of events matching the filters, as `/audit/events` answers this auditor; how many match in all
    (and whether that count stopped at `pages_paging.SCAN_LIMIT`); the position the page starts after."""
    items, total, capped, after = page_items(request, kernel, principal, filters)
    previous = _previous_links(kernel, [int(i["position"]) for i in items if i.get("link")])
    withheld = {str(i["topic"]) for i in items if kernel.visibility.withheld(str(i["topic"]), principal)}
    return [_row(item, previous, str(item["topic"]) in withheld) for item in items], total, capped, after


def _row(item: dict[str, Any], previous: Mapping[int, str], withheld: bool = False) -> HistoryRow:
    body = item["body"]
    hidden = None
    if not isinstance(body, dict):
        # "withheld": restricted to a role the account holds, but closed by another it holds (a committee role).
        hidden = "sealed" if body == SEALED_MARK else ("withheld" if withheld else "restricted")
    recorded = item.get("recorded_at")
    try:
        at = datetime.fromisoformat(str(recorded)) if recorded else None
    except ValueError:
        at = None
    position = int(item["position"])
    return HistoryRow(
        position=position,
        aggregate=str(item["originator_id"]),
        version=int(item["originator_version"]),
        type=item.get("type"),
        topic=str(item["topic"]),
        state_hash=str(item["state_hash"]),
        link=item.get("link"),
        previous=previous.get(position) if item.get("link") else None,
        recorded_at=at if at is not None and at.tzinfo is not None else None,
        body=body if isinstance(body, dict) else None,
        hidden=hidden,
        shown_json=json.dumps(body, ensure_ascii=False, indent=2, sort_keys=True) if isinstance(body, dict) else "",
    )


def _previous_links(kernel: Kernel, positions: list[int]) -> dict[int, str]:
    """Each chained position's previous link: the chain's entry just before it (the genesis before the first)."""
    found: dict[int, str] = {}
    with kernel.chain.db.transaction(read_only=kernel.chain.db.backend == "sqlite") as tx:
        for position in positions:
            row = tx.fetchone(
                "SELECT link FROM kyodo_audit_chain WHERE notification_id < %s ORDER BY notification_id DESC LIMIT 1",
                (position,),
            )
            found[position] = str(row[0]) if row else GENESIS.hex()
    return found


# The marks the policy puts in place of a field's value, for the page's legend.
FIELD_MARKS = (RESTRICTED_MARK, SEALED_MARK, REDACTED)
