"""The registry's group index: a query table kept from its own events (list and search, Japanese-normalized).

Rows are refreshed from each touched group's current state, so applying a batch twice changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kyodo_registry.domain import Group
from kyodo_shared.store.db import Database, Tx
from kyodo_shared.store.search import search_clauses, search_keys

if TYPE_CHECKING:
    from kyodo_registry.app import RegistryApplication

NAME = "group_index"


def project_groups(app: RegistryApplication, events: Sequence[Any]) -> Callable[[Tx], None]:
    touched = {e.originator_id for e in events if type(e).__qualname__.startswith("Group.")}
    rows = [_row(app.get_group(group_id)) for group_id in sorted(touched, key=str)]

    def write(tx: Tx) -> None:
        for row in rows:
            tx.execute(_UPSERT, row)

    return write


_UPSERT = (
    "INSERT INTO registry_group_index (group_id, name, status, fields_of_activity, fields_key, area, area_key, "
    "search_text, renewal_due, version) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (group_id) DO UPDATE SET name = excluded.name, status = excluded.status, "
    "fields_of_activity = excluded.fields_of_activity, fields_key = excluded.fields_key, area = excluded.area, "
    "area_key = excluded.area_key, search_text = excluded.search_text, renewal_due = excluded.renewal_due, "
    "version = excluded.version"
)


def _row(group: Group) -> tuple[object, ...]:
    profile = group.profile
    fields = list(profile["fields_of_activity"])
    search_text, fields_key, area_key = search_keys(
        [profile["name"], profile["purpose"], profile["area"], *fields], fields, profile["area"]
    )
    return (
        str(group.id),
        profile["name"],
        group.status,
        json.dumps(fields, ensure_ascii=False),
        fields_key,
        profile["area"],
        area_key,
        search_text,
        group.renewal_due,
        group.version,
    )


@dataclass(frozen=True)
class IndexedGroup:
    group_id: str
    name: str
    status: str
    fields_of_activity: list[str]
    area: str
    renewal_due: str | None


def search(
    db: Database,
    *,
    statuses: Sequence[str],
    field: str = "",
    area: str = "",
    query: str = "",
    offset: int = 0,
    limit: int = 20,
) -> tuple[list[IndexedGroup], int]:
    text_clauses, text_params = search_clauses(query=query, field=field, area=area)
    clauses = [f"status IN ({', '.join(['%s'] * len(statuses))})", *text_clauses]
    params: list[Any] = [*statuses, *text_params]
    where = " WHERE " + " AND ".join(clauses)
    with db.transaction(read_only=True) as tx:
        total = tx.fetchone("SELECT COUNT(*) FROM registry_group_index" + where, params)  # noqa: S608
        rows = tx.fetchall(
            "SELECT group_id, name, status, fields_of_activity, area, renewal_due FROM registry_group_index"  # noqa: S608
            + where
            + " ORDER BY name, group_id LIMIT %s OFFSET %s",
            [*params, limit, offset],
        )
    groups = [IndexedGroup(str(r[0]), str(r[1]), str(r[2]), list(json.loads(str(r[3]))), str(r[4]), r[5]) for r in rows]
    return groups, int(total[0]) if total else 0
