"""The cross-department team (庁内横断的チーム): who was on it, from when, until when.

One aggregate for the whole city; every stint is kept, so "who was on the team on date D" has one answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from kyodo_registry.org.common import Trace, day, derived_id
from kyodo_shared.domain.refusals import Refusal

TEAM_ID = derived_id("team")


@dataclass
class Stint:
    staff_sub: str
    department_id: UUID
    joined_on: date
    left_on: date | None = None  # the last day on the team, inclusive

    def covers(self, on: date) -> bool:
        return self.joined_on <= on and (self.left_on is None or on <= self.left_on)


class Team(Aggregate):
    class Formed(Aggregate.Created):
        trace: Trace

    class MemberJoined(Aggregate.Event):
        staff_sub: str
        department_id: UUID
        joined_on: str
        trace: Trace

    class MemberLeft(Aggregate.Event):
        staff_sub: str
        department_id: UUID
        left_on: str
        trace: Trace

    @event(Formed)
    def __init__(self, trace: Trace) -> None:
        self.stints: list[Stint] = []

    @staticmethod
    def create_id() -> UUID:
        return TEAM_ID

    def current_stint(self, staff_sub: str) -> Stint | None:
        return next((s for s in self.stints if s.staff_sub == staff_sub and s.left_on is None), None)

    def members_on(self, on: date) -> list[Stint]:
        return [s for s in self.stints if s.covers(on)]

    def join(self, staff_sub: str, department_id: UUID, joined_on: date, trace: Trace) -> None:
        if self.current_stint(staff_sub) is not None:
            raise Refusal("already_on_team")
        last = max((s.left_on for s in self.stints if s.staff_sub == staff_sub and s.left_on), default=None)
        if last is not None and joined_on <= last:
            raise Refusal("stint_overlaps")
        self._member_joined(staff_sub, department_id, joined_on.isoformat(), trace)

    def leave(self, staff_sub: str, left_on: date, trace: Trace) -> None:
        stint = self.current_stint(staff_sub)
        if stint is None:
            raise Refusal("not_on_team")
        if left_on < stint.joined_on:
            raise Refusal("date_before_start")
        self._member_left(staff_sub, stint.department_id, left_on.isoformat(), trace)

    @event(MemberJoined)
    def _member_joined(self, staff_sub: str, department_id: UUID, joined_on: str, trace: Trace) -> None:
        self.stints.append(Stint(staff_sub, department_id, day(joined_on)))

    @event(MemberLeft)
    def _member_left(self, staff_sub: str, department_id: UUID, left_on: str, trace: Trace) -> None:
        stint = self.current_stint(staff_sub)
        if stint is not None:
            stint.left_on = day(left_on)
