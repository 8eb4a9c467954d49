"""What the proposals service knows of the registry, read from the read models `bus_registry` keeps from the
registry's contract events: which groups are in good standing and who acts for them, the review board's members
and officers, the acting chairs its members elected (委員長代理), declared interests (for automatic recusal), and the
departments a call may name (担当部署).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

from kyodo_shared.store.db import Database


@dataclass(frozen=True)
class Board:
    """A committee's members on a day, with its officers."""

    members: tuple[str, ...]
    chair_sub: str | None
    vice_chair_sub: str | None


@dataclass(frozen=True)
class ActingChair:
    """The acting chair elected for a matter, and who elected them."""

    acting_chair_sub: str
    elector_subs: tuple[str, ...]


def call_matter(call_id: str) -> str:
    """How the proposals service names a call's review to the registry (the `matter` of an election)."""
    return f"proposals:call:{call_id}"


class RegistryView:
    """Queries over the registry's read models."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def group(self, group_id: str) -> tuple[str, str, str] | None:
        """(name, status, representative_sub) or None."""
        with self.db.transaction(read_only=True) as tx:
            row = tx.fetchone(
                "SELECT name, status, representative_sub FROM reg_groups WHERE group_id = %s", (group_id,)
            )
        return (str(row[0]), str(row[1]), str(row[2])) if row else None

    def standing_at(self, group_id: str, at: datetime) -> str:
        """The group's standing at a moment (by the registry's event times); "unknown" before any."""
        with self.db.transaction(read_only=True) as tx:
            row = tx.fetchone(
                "SELECT status FROM reg_group_standing WHERE group_id = %s AND at <= %s "
                "ORDER BY at DESC, source_sequence DESC LIMIT 1",
                (group_id, at.astimezone(UTC).isoformat()),
            )
        return str(row[0]) if row else "unknown"

    def group_ids(self) -> list[str]:
        with self.db.transaction(read_only=True) as tx:
            rows = tx.fetchall("SELECT group_id FROM reg_groups ORDER BY group_id")
        return [str(row[0]) for row in rows]

    def acts_for(self, sub: str, group_id: str) -> bool:
        with self.db.transaction(read_only=True) as tx:
            rep = tx.fetchone(
                "SELECT 1 FROM reg_groups WHERE group_id = %s AND representative_sub = %s", (group_id, sub)
            )
            contact = tx.fetchone(
                "SELECT 1 FROM reg_group_contacts WHERE group_id = %s AND contact_sub = %s", (group_id, sub)
            )
        return rep is not None or contact is not None

    def board(self, committee_id: str, on: date) -> Board:
        day = on.isoformat()
        with self.db.transaction(read_only=True) as tx:
            rows = tx.fetchall(
                "SELECT DISTINCT member_sub FROM reg_committee_terms WHERE committee_id = %s "
                "AND term_start <= %s AND term_end >= %s ORDER BY member_sub",
                (committee_id, day, day),
            )
            officers = tx.fetchone(
                "SELECT chair_sub, vice_chair_sub FROM reg_committee_officers WHERE committee_id = %s",
                (committee_id,),
            )
        members = tuple(str(row[0]) for row in rows)
        chair = str(officers[0]) if officers and officers[0] in members else None
        vice = str(officers[1]) if officers and officers[1] in members else None
        return Board(members, chair, vice)

    def acting_chair(self, committee_id: str, matter: str) -> ActingChair | None:
        with self.db.transaction(read_only=True) as tx:
            row = tx.fetchone(
                "SELECT acting_chair_sub, elector_subs FROM reg_acting_chairs WHERE committee_id = %s AND matter = %s",
                (committee_id, matter),
            )
        if row is None:
            return None
        return ActingChair(str(row[0]), tuple(str(sub) for sub in json.loads(str(row[1]))))

    def department(self, department_id: str) -> tuple[str, str | None] | None:
        """(name_ja, name_en) of a department the registry has published, or None (not created, or not here yet)."""
        with self.db.transaction(read_only=True) as tx:
            row = tx.fetchone("SELECT name_ja, name_en FROM reg_departments WHERE department_id = %s", (department_id,))
        return (str(row[0]), None if row[1] is None else str(row[1])) if row else None

    def interested(self, person_sub: str, group_id: str) -> bool:
        """A declared interest, current or withdrawn — a withdrawal does not undo a conflict for a call."""
        with self.db.transaction(read_only=True) as tx:
            row = tx.fetchone(
                "SELECT 1 FROM reg_interests WHERE person_sub = %s AND group_id = %s", (person_sub, group_id)
            )
        return row is not None
