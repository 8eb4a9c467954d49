"""info-hub's application: the center's own use cases (news, trainings, the coordination window, opinion exchange
— mixins on `app_base.InfoHubBase`), and the public portal's queries over the read models `bus` keeps.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from kyodo_info_hub.cases_app import CaseCommands
from kyodo_info_hub.exchange_app import ExchangeCommands
from kyodo_info_hub.news_app import NewsCommands
from kyodo_info_hub.surveys_app import SurveyCommands
from kyodo_info_hub.trainings_app import TrainingCommands
from kyodo_shared.store.db import Database, Row
from kyodo_shared.store.search import search_clauses


class InfoHubApplication(NewsCommands, ExchangeCommands, TrainingCommands, CaseCommands, SurveyCommands):
    """The civic activity center's domain (news, exchange, trainings, cases, surveys): each part's aggregates are
    event-sourced in info-hub's own store."""

    # The name of its tables and PostgreSQL application: stored data depends on it, never rename it.
    name = "info_hub"


@dataclass(frozen=True)
class DirectoryEntry:
    group_id: str
    name: str
    purpose: str
    fields_of_activity: list[str]
    area: str
    founded: str | None
    members_count: int | None
    website: str | None
    status: str
    status_reason: str
    renewal_due: str | None
    registered_at: str


@dataclass(frozen=True)
class PortalCall:
    call_id: str
    status: str
    status_reason: str
    deadline: str
    rules: dict[str, Any]
    amendments: list[dict[str, Any]]
    results: dict[str, Any] | None


_GROUP_COLUMNS = (
    "group_id, name, purpose, fields_of_activity, area, founded, members_count, website, status, status_reason, "
    "renewal_due, registered_at"
)
_CALL_COLUMNS = "call_id, status, status_reason, deadline, rules, amendments, results"


class Portal:
    """The public portal's reads: the group directory, calls for proposals and the mirrored open data."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def groups(
        self, *, offset: int, limit: int, query: str = "", field: str = "", area: str = "", status: str = ""
    ) -> tuple[list[DirectoryEntry], int]:
        """Directory entries by name, and how many match: search text and field are matched Japanese-normalized."""
        clauses, params = search_clauses(query=query, field=field, area=area)
        if status:
            clauses.append("status = %s")
            params.append(status)
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        with self.db.transaction(read_only=True) as tx:
            total = tx.fetchone("SELECT COUNT(*) FROM directory_groups" + where, params)  # noqa: S608
            rows = tx.fetchall(
                f"SELECT {_GROUP_COLUMNS} FROM directory_groups{where} "  # noqa: S608
                "ORDER BY name, group_id LIMIT %s OFFSET %s",
                [*params, limit, offset],
            )
        return [_entry(row) for row in rows], _count(total)

    def group(self, group_id: str) -> DirectoryEntry | None:
        with self.db.transaction(read_only=True) as tx:
            row = tx.fetchone(
                f"SELECT {_GROUP_COLUMNS} FROM directory_groups WHERE group_id = %s",  # noqa: S608
                (group_id,),
            )
        return _entry(row) if row else None

    def calls(self, status: str, *, offset: int, limit: int) -> tuple[list[PortalCall], int]:
        """Calls in one status, the nearest deadline first, and how many there are."""
        with self.db.transaction(read_only=True) as tx:
            total = tx.fetchone("SELECT COUNT(*) FROM portal_calls WHERE status = %s", (status,))
            rows = tx.fetchall(
                f"SELECT {_CALL_COLUMNS} FROM portal_calls WHERE status = %s "  # noqa: S608
                "ORDER BY deadline, call_id LIMIT %s OFFSET %s",
                (status, limit, offset),
            )
        return [_call(row) for row in rows], _count(total)

    def call(self, call_id: str) -> PortalCall | None:
        with self.db.transaction(read_only=True) as tx:
            row = tx.fetchone(f"SELECT {_CALL_COLUMNS} FROM portal_calls WHERE call_id = %s", (call_id,))  # noqa: S608
        return _call(row) if row else None

    def checkpoints(self, service: str) -> list[dict[str, Any]]:
        """Every mirrored checkpoint of a service, in position order (a verifier needs them all)."""
        with self.db.transaction(read_only=True) as tx:
            rows = tx.fetchall("SELECT body FROM open_checkpoints WHERE service = %s ORDER BY position", (service,))
        return [json.loads(str(r[0])) for r in rows]

    def keys(self, service: str) -> dict[str, str]:
        with self.db.transaction(read_only=True) as tx:
            rows = tx.fetchall(
                "SELECT kid, public_key FROM open_keys WHERE service = %s ORDER BY first_seen_position", (service,)
            )
        return {str(r[0]): str(r[1]) for r in rows}


def _count(row: Row | None) -> int:
    return int(str(row[0])) if row else 0


def _entry(row: Row) -> DirectoryEntry:
    return DirectoryEntry(
        group_id=str(row[0]),
        name=str(row[1]),
        purpose=str(row[2]),
        fields_of_activity=list(json.loads(str(row[3]))),
        area=str(row[4]),
        founded=str(row[5]) if row[5] is not None else None,
        members_count=int(str(row[6])) if row[6] is not None else None,
        website=str(row[7]) if row[7] is not None else None,
        status=str(row[8]),
        status_reason=str(row[9]),
        renewal_due=str(row[10]) if row[10] is not None else None,
        registered_at=str(row[11]),
    )


def _call(row: Row) -> PortalCall:
    return PortalCall(
        call_id=str(row[0]),
        status=str(row[1]),
        status_reason=str(row[2]),
        deadline=str(row[3]),
        rules=json.loads(str(row[4])),
        amendments=json.loads(str(row[5])),
        results=json.loads(str(row[6])) if row[6] is not None else None,
    )
