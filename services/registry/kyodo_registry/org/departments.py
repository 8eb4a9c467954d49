"""Departments (部署), their staff and liaison (連絡担当), and the directories that keep names unique and listable.

No I/O here: ids, dates and trace data are computed by the Application and passed into the events.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from kyodo_registry.org.common import Trace, day, derived_id
from kyodo_shared.domain.refusals import Refusal


class Department(Aggregate):
    """A city department: who works there (by `sub` and job title) and who is its one liaison."""

    class Created(Aggregate.Created):
        department_id: UUID
        code: str
        name_ja: str
        name_en: str | None
        trace: Trace

    class StaffAssigned(Aggregate.Event):
        staff_sub: str
        job_title: str
        since: str
        trace: Trace

    class StaffUnassigned(Aggregate.Event):
        staff_sub: str
        until: str
        trace: Trace

    class LiaisonAppointed(Aggregate.Event):
        liaison_sub: str
        previous_sub: str | None
        since: str
        trace: Trace

    @event(Created)
    def __init__(self, department_id: UUID, code: str, name_ja: str, name_en: str | None, trace: Trace) -> None:
        self.code, self.name_ja, self.name_en = code, name_ja, name_en
        # Current staff by sub; former assignments are kept in `history`, nothing is overwritten.
        self.staff: dict[str, dict[str, Any]] = {}
        self.history: list[dict[str, Any]] = []
        self.liaison_sub: str | None = None
        self.liaison_since: date | None = None

    @staticmethod
    def create_id(department_id: UUID) -> UUID:
        return department_id

    def is_staff(self, sub: str) -> bool:
        return sub in self.staff

    def assign(self, staff_sub: str, job_title: str, since: date, trace: Trace) -> None:
        if staff_sub in self.staff:
            raise Refusal("already_staff")
        last = max((a["until"] for a in self.history if a["staff_sub"] == staff_sub), default=None)
        if last is not None and since <= last:
            raise Refusal("assignment_overlaps")
        self._staff_assigned(staff_sub, job_title, since.isoformat(), trace)

    def unassign(self, staff_sub: str, until: date, trace: Trace) -> None:
        current = self.staff.get(staff_sub)
        if current is None:
            raise Refusal("not_staff")
        if staff_sub == self.liaison_sub:
            raise Refusal("liaison_must_stay")
        if until < current["since"]:
            raise Refusal("date_before_start")
        self._staff_unassigned(staff_sub, until.isoformat(), trace)

    def appoint_liaison(self, liaison_sub: str, since: date, trace: Trace) -> None:
        if liaison_sub not in self.staff:
            raise Refusal("liaison_not_staff")
        if liaison_sub == self.liaison_sub:
            raise Refusal("already_liaison")
        if self.liaison_since is not None and since < self.liaison_since:
            raise Refusal("date_before_current_liaison")
        self._liaison_appointed(liaison_sub, self.liaison_sub, since.isoformat(), trace)

    @event(StaffAssigned)
    def _staff_assigned(self, staff_sub: str, job_title: str, since: str, trace: Trace) -> None:
        self.staff[staff_sub] = {"staff_sub": staff_sub, "job_title": job_title, "since": day(since)}

    @event(StaffUnassigned)
    def _staff_unassigned(self, staff_sub: str, until: str, trace: Trace) -> None:
        self.history.append({**self.staff.pop(staff_sub), "until": day(until)})

    @event(LiaisonAppointed)
    def _liaison_appointed(self, liaison_sub: str, previous_sub: str | None, since: str, trace: Trace) -> None:
        # Exactly one liaison: the new one replaces the previous, whose appointment stays in the event history.
        self.liaison_sub, self.liaison_since = liaison_sub, day(since)


class Directory(Aggregate):
    """A named list of keys (department codes, committee ids, people interested in a group).

    Saved in the same transaction as the aggregate it lists, so a key is taken at most once and listings need no
    scan of the whole store.
    """

    class Opened(Aggregate.Created):
        name: str

    class Listed(Aggregate.Event):
        key: str
        ref: str
        trace: Trace

    @event(Opened)
    def __init__(self, name: str) -> None:
        self.name = name
        self.entries: dict[str, str] = {}

    @staticmethod
    def create_id(name: str) -> UUID:
        return directory_id(name)

    def list(self, key: str, ref: str, trace: Trace) -> None:
        if key in self.entries:
            raise Refusal("already_listed")
        self._listed(key, ref, trace)

    @event(Listed)
    def _listed(self, key: str, ref: str, trace: Trace) -> None:
        self.entries[key] = ref


def directory_id(name: str) -> UUID:
    return derived_id("directory:" + name)


DEPARTMENTS = "departments"
COMMITTEES = "committees"


def group_interests(group_id: UUID) -> str:
    return f"group-interests:{group_id}"


def department_interests(department_id: UUID) -> str:
    return f"department-interests:{department_id}"
