"""Which events one page of the auditor's history shows, in the kernel's one list convention (`web/pagination.py`:
`?page=`, `?per_page=`, a total; `kit/pagination.html` draws the links), over the audit API's position-read events.

Every item still comes from the events API's own function (`audit/api.py` `events`), so bodies are shown only as
the visibility policy allows:

- filters on the aggregate and the type only: which stored rows match is a question of the event table alone (the
  type is a function of the stored topic, as the API matches it), so the total is counted and the page's first
  position found by SQL (OFFSET, as every list of the repo pages), and the page is the API's answer from just before
  that position;
- a filter on time or correlation id reads the bodies (never a hidden one: the API's rule), so the matching events
  are read by the API, at most `SCAN_LIMIT` of them (its largest answer), and paged here; past that, the page says
  so and the reader narrows the filters.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from kyodo_shared.audit import api as audit_api
from kyodo_shared.audit.history import StoredHistory
from kyodo_shared.domain.actors import Principal
from kyodo_shared.runtime import Kernel

SCAN_LIMIT = 5000


def page_items(
    request: Request, kernel: Kernel, principal: Principal, filters: Any
) -> tuple[list[dict[str, Any]], int, bool, int]:
    """The page's items as the events API answers them, how many match in all, whether that count stopped at
    `SCAN_LIMIT`, and the position the page starts after (for the API link to the same page)."""
    skip = (filters.page - 1) * filters.per_page
    if filters.since or filters.until or filters.typed["correlation_id"]:
        items, more = _events(request, principal, filters, 0, SCAN_LIMIT)
        shown = items[skip : skip + filters.per_page]
        after = int(items[skip - 1]["position"]) if 0 < skip <= len(items) else 0
        return shown, len(items), more, after
    total, start = _counted(kernel, filters, skip)
    if start is None:
        return [], total, False, 0
    shown, _ = _events(request, principal, filters, start - 1, filters.per_page)
    return shown, total, False, start - 1


def _events(
    request: Request, principal: Principal, filters: Any, after: int, limit: int
) -> tuple[list[dict[str, Any]], bool]:
    response = audit_api.events(
        request,
        principal,
        after=after,
        limit=limit,
        aggregate=filters.aggregate,
        type=filters.typed["type"] or None,
        since=filters.since,
        until=filters.until,
        correlation_id=filters.typed["correlation_id"] or None,
    )
    payload = json.loads(bytes(response.body))
    return payload["items"], payload["next_after"] is not None


def _counted(kernel: Kernel, filters: Any, skip: int) -> tuple[int, int | None]:
    """How many stored events match the aggregate and type, and the position of the first one after `skip` of them
    (None past the end)."""
    history = StoredHistory(kernel.chain.db, kernel.application.recorder)
    where: list[str] = []
    params: list[Any] = []
    if filters.aggregate is not None:
        where.append("e.originator_id = %s")
        params.append(filters.aggregate.hex if history.sqlite else filters.aggregate)
    with kernel.chain.db.transaction(read_only=history.sqlite) as tx:
        wanted = filters.typed["type"]
        if wanted:
            stored = [str(row[0]) for row in tx.fetchall(f"SELECT DISTINCT topic FROM {history.table}")]  # noqa: S608
            type_of = kernel.visibility.type_of
            topics = [t for t in stored if audit_api._type_matches(wanted, t, type_of(t))]
            if not topics:
                return 0, None
            where.append(f"e.topic IN ({', '.join(['%s'] * len(topics))})")
            params += topics
        condition = f" WHERE {' AND '.join(where)}" if where else ""
        counted = tx.fetchone(f"SELECT count(*) FROM {history.table} e{condition}", params)  # noqa: S608
        first = tx.fetchone(
            f"SELECT {history.position} FROM {history.table} e{condition} "  # noqa: S608
            f"ORDER BY {history.position} LIMIT 1 OFFSET %s",
            [*params, skip],
        )
    total = int(counted[0]) if counted else 0
    return total, int(first[0]) if first else None
