"""What the evaluation service knows of the registry, read from the read models `bus_registry` keeps from the
registry's contract events: groups and who acts for them, departments with their staff and liaison, the committees
(the evaluation committee's members and officers on a day, the acting chairs its members elected) and declared
interests (for recusal).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from kyodo_shared.store.db import Database

# The contract's `CommitteeKind.EVALUATION_COMMITTEE`, stored as its string (the application does not read contracts).
EVALUATION_COMMITTEE = "evaluation_committee"


@dataclass(frozen=True)
class GroupRow:
    name: str
    status: str
    representative_sub: str


@dataclass(frozen=True)
class DepartmentRow:
    code: str
    name_ja: str
    name_en: str | None


@dataclass(frozen=True)
class CommitteeName:
    """A committee's name as the registry established it (an English one only when given)."""

    name_ja: str
    name_en: str | None


@dataclass(frozen=True)
class Board:
    """A committee's members on a day, with its officers (an officer no longer a member holds no office)."""

    members: tuple[str, ...]
    chair_sub: str | None
    vice_chair_sub: str | None


@dataclass(frozen=True)
class ActingChair:
    """The acting chair elected for a matter, and who elected them."""

    acting_chair_sub: str
    elector_subs: tuple[str, ...]


def project_matter(project_id: str) -> str:
    """How the evaluation service names a project's evaluation to the registry (the `matter` of an election)."""
    return f"evaluation:project:{project_id}"


class RegistryView:
    """Queries over the registry's read models."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # ------------------------------------------------------------------------------------------------ groups

    def group(self, group_id: str) -> GroupRow | None:
        with self.db.transaction(read_only=True) as tx:
            row = tx.fetchone(
                "SELECT name, status, representative_sub FROM reg_groups WHERE group_id = %s", (group_id,)
            )
        return GroupRow(str(row[0]), str(row[1]), str(row[2])) if row else None

    def acts_for(self, sub: str, group_id: str) -> bool:
        """The group's representative or one of its contacts."""
        with self.db.transaction(read_only=True) as tx:
            row = tx.fetchone(
                "SELECT 1 FROM reg_groups WHERE group_id = %s AND representative_sub = %s "
                "UNION ALL SELECT 1 FROM reg_group_contacts WHERE group_id = %s AND contact_sub = %s",
                (group_id, sub, group_id, sub),
            )
        return row is not None

    # ------------------------------------------------------------------------------------------- departments

    def department(self, department_id: str) -> DepartmentRow | None:
        with self.db.transaction(read_only=True) as tx:
            row = tx.fetchone(
                "SELECT code, name_ja, name_en FROM reg_departments WHERE department_id = %s", (department_id,)
            )
        return DepartmentRow(str(row[0]), str(row[1]), None if row[2] is None else str(row[2])) if row else None

    def is_liaison(self, sub: str, department_id: str, on: date) -> bool:
        """The department's liaison on a day: the latest appointed by then. (The registry keeps a liaison on the
        department's staff: it refuses to unassign one.)"""
        with self.db.transaction(read_only=True) as tx:
            row = tx.fetchone(
                "SELECT liaison_sub FROM reg_liaisons WHERE department_id = %s AND since <= %s "
                "ORDER BY since DESC LIMIT 1",
                (department_id, on.isoformat()),
            )
        return row is not None and str(row[0]) == sub

    def on_staff(self, sub: str, department_id: str, on: date) -> bool:
        day = on.isoformat()
        with self.db.transaction(read_only=True) as tx:
            row = tx.fetchone(
                "SELECT 1 FROM reg_staff WHERE department_id = %s AND staff_sub = %s AND since <= %s "
                "AND (until IS NULL OR until >= %s)",
                (department_id, sub, day, day),
            )
        return row is not None

    # -------------------------------------------------------------------------------------------- committees

    def committee_kind(self, committee_id: str) -> str | None:
        """ "evaluation_committee" or "review_board"; None for a committee the registry has not published."""
        with self.db.transaction(read_only=True) as tx:
            row = tx.fetchone("SELECT kind FROM reg_committees WHERE committee_id = %s", (committee_id,))
        return str(row[0]) if row else None

    def evaluation_committees(self) -> list[str]:
        with self.db.transaction(read_only=True) as tx:
            rows = tx.fetchall(
                "SELECT committee_id FROM reg_committees WHERE kind = %s ORDER BY committee_id",
                (EVALUATION_COMMITTEE,),
            )
        return [str(row[0]) for row in rows]

    def committee_name(self, committee_id: str) -> CommitteeName | None:
        """None for a committee whose establishment this view has not read (a store upgraded to evaluation_0002
        before its registry consumer has read the stream again)."""
        with self.db.transaction(read_only=True) as tx:
            row = tx.fetchone("SELECT name_ja, name_en FROM reg_committees WHERE committee_id = %s", (committee_id,))
        if row is None or row[0] is None:
            return None
        return CommitteeName(str(row[0]), None if row[1] is None else str(row[1]))

    def board(self, committee_id: str, on: date) -> Board:
        """Members whose term covers the day, and the officers in effect on it (an office lapses with its term)."""
        day = on.isoformat()
        with self.db.transaction(read_only=True) as tx:
            rows = tx.fetchall(
                "SELECT DISTINCT member_sub FROM reg_committee_terms WHERE committee_id = %s "
                "AND term_start <= %s AND term_end >= %s ORDER BY member_sub",
                (committee_id, day, day),
            )
            officers = tx.fetchone(
                "SELECT chair_sub, vice_chair_sub FROM reg_committee_officers WHERE committee_id = %s "
                "AND effective_on <= %s ORDER BY effective_on DESC LIMIT 1",
                (committee_id, day),
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

    # ------------------------------------------------------------------------------------------- interests

    def interested(self, person_sub: str, group_id: str, department_id: str) -> bool:
        """A declared interest in the group or in the department, current or withdrawn — a withdrawal does not undo
        a conflict for a project already under way."""
        with self.db.transaction(read_only=True) as tx:
            row = tx.fetchone(
                "SELECT 1 FROM reg_interests WHERE person_sub = %s AND (group_id = %s OR department_id = %s) LIMIT 1",
                (person_sub, group_id, department_id),
            )
        return row is not None
