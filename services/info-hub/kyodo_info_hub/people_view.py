"""The center's view of who acts for whom, over the read models `bus/people.py` and `bus/directory.py` keep in
info-hub's own database: a group's representative and contacts (by token `sub`) and its standing in the directory,
a department's staff and its liaison on a day, and the directory's groups to match a case with.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from kyodo_shared.store.db import Database

# Standings in which a group's people act for it at the center (a dissolved group leaves the directory).
ACTIVE = ("registered", "lapsed", "suspended")


@dataclass(frozen=True)
class GroupCard:
    """What the center shows of a directory group: its public profile's name, fields and area, and standing."""

    group_id: str
    name: str
    fields_of_activity: list[str]
    area: str
    status: str


class PeopleView:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- groups ---------------------------------------------------------------------------------------------

    def groups_of(self, sub: str) -> list[str]:
        """The groups in the directory (registered, lapsed or suspended) this person represents or is a contact
        of, by id."""
        with self.db.transaction(read_only=True) as tx:
            rows = tx.fetchall(
                "SELECT p.group_id FROM hub_group_people p JOIN directory_groups g ON g.group_id = p.group_id "
                "WHERE p.sub = %s ORDER BY p.group_id",
                (sub,),
            )
        return [str(r[0]) for r in rows]

    def acts_for(self, sub: str, group_id: str, *, registered_only: bool = False) -> bool:
        """The group's representative or one of its contacts, while the group is in the directory (registered
        only, when `registered_only`: lapsed and suspended groups may not take part)."""
        statuses = ("registered",) if registered_only else ACTIVE
        marks = ", ".join(["%s"] * len(statuses))
        with self.db.transaction(read_only=True) as tx:
            row = tx.fetchone(
                "SELECT 1 FROM hub_group_people p JOIN directory_groups g ON g.group_id = p.group_id "  # noqa: S608
                f"WHERE p.group_id = %s AND p.sub = %s AND g.status IN ({marks})",
                (group_id, sub, *statuses),
            )
        return row is not None

    def group(self, group_id: str) -> GroupCard | None:
        with self.db.transaction(read_only=True) as tx:
            row = tx.fetchone(
                "SELECT group_id, name, fields_of_activity, area, status FROM directory_groups WHERE group_id = %s",
                (group_id,),
            )
        return _card(row) if row else None

    def registered_groups(self) -> list[GroupCard]:
        """Every registered group of the directory, by name (the candidates a coordinator matches a case with)."""
        with self.db.transaction(read_only=True) as tx:
            rows = tx.fetchall(
                "SELECT group_id, name, fields_of_activity, area, status FROM directory_groups "
                "WHERE status = 'registered' ORDER BY name, group_id"
            )
        return [_card(r) for r in rows]

    # --- departments ----------------------------------------------------------------------------------------

    def department_exists(self, department_id: str) -> bool:
        with self.db.transaction(read_only=True) as tx:
            row = tx.fetchone("SELECT 1 FROM hub_departments WHERE department_id = %s", (department_id,))
        return row is not None

    def department_name(self, department_id: str) -> tuple[str, str | None] | None:
        with self.db.transaction(read_only=True) as tx:
            row = tx.fetchone("SELECT name_ja, name_en FROM hub_departments WHERE department_id = %s", (department_id,))
        return (str(row[0]), row[1]) if row else None

    def liaison_departments(self, sub: str, on: date) -> list[str]:
        """The departments whose liaison this person is on the day (the latest appointed by then)."""
        with self.db.transaction(read_only=True) as tx:
            rows = tx.fetchall(
                "SELECT l.department_id FROM hub_liaisons l WHERE l.liaison_sub = %s AND l.since = ("
                "SELECT MAX(since) FROM hub_liaisons x WHERE x.department_id = l.department_id AND x.since <= %s)",
                (sub, on.isoformat()),
            )
        return sorted(str(r[0]) for r in rows)

    def is_liaison(self, sub: str, department_id: str, on: date) -> bool:
        return department_id in self.liaison_departments(sub, on)

    def staff_departments(self, sub: str, on: date) -> list[str]:
        """The departments this person is assigned to on the day."""
        day = on.isoformat()
        with self.db.transaction(read_only=True) as tx:
            rows = tx.fetchall(
                "SELECT DISTINCT department_id FROM hub_staff WHERE staff_sub = %s AND since <= %s "
                "AND (until IS NULL OR until >= %s) ORDER BY department_id",
                (sub, day, day),
            )
        return [str(r[0]) for r in rows]


def _card(row: tuple[Any, ...]) -> GroupCard:
    fields = row[2]
    return GroupCard(
        group_id=str(row[0]),
        name=str(row[1]),
        fields_of_activity=[str(f) for f in (json.loads(fields) if isinstance(fields, str) else fields or [])],
        area=str(row[3] or ""),
        status=str(row[4]),
    )
