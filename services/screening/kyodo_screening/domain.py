"""Screening domain: the inventory of a department's existing projects (`Project`) and the rounds that screen them
(`Round`). The screening of one project in one round is `screening.Screening`.

No I/O here: ids, times, rosters and trace come in as arguments, so event bodies are deterministic.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from kyodo_screening.vocabulary import RECORD_FIELDS, RoundStatus, fiscal_year_span
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.domain.refusals import Refusal

_NAMESPACE = UUID("8b8f3c52-6a0c-4f7e-9d55-2f1f3b5e0a11")


def project_id(department_id: UUID, fiscal_year: int, project_number: str) -> UUID:
    """A project's id from what identifies it: the department's project number in a fiscal year. Two entries of
    the same number meet at the same id, so the store itself refuses the second (no check-then-write race)."""
    return uuid.uuid5(_NAMESPACE, f"project:{department_id}:{fiscal_year}:{project_number}")


class Project(Aggregate):
    """An existing city project as its department keeps it for a fiscal year (事業一覧の一行)."""

    class Entered(Aggregate.Created):
        department_id: UUID
        fiscal_year: int
        record: dict[str, Any]
        trace: dict[str, str]

    @event(Entered)
    def __init__(self, department_id: UUID, fiscal_year: int, record: dict[str, Any], trace: dict[str, str]) -> None:
        self.department_id = department_id
        self.fiscal_year = fiscal_year
        self.record = dict(record)
        # Set when a "needs study" decision's date came after its round had closed: the next round of the
        # department takes the project whatever its fiscal year; cleared when a round decides it again.
        self.awaiting_round: str | None = None

    @staticmethod
    def create_id(department_id: UUID, fiscal_year: int, record: dict[str, Any], trace: dict[str, str]) -> UUID:
        return project_id(department_id, fiscal_year, str(record["project_number"]))

    @property
    def number(self) -> str:
        return str(self.record["project_number"])

    def changes(self, record: dict[str, Any]) -> list[str]:
        """The fields a new version of the record changes (the number identifies it and never changes)."""
        return [name for name in RECORD_FIELDS if name != "project_number" and record[name] != self.record[name]]

    def update(self, record: dict[str, Any], trace: dict[str, str]) -> list[str]:
        """Record a changed row; an unchanged one adds nothing (a re-import of the same file is idempotent)."""
        if str(record["project_number"]) != self.number:
            raise Refusal("project_number_immutable", field="project_number")
        changed = self.changes(record)
        if changed:
            self._updated(self.department_id, self.fiscal_year, dict(record), changed, trace)
        return changed

    class Updated(Aggregate.Event):
        # The department and year are repeated so the event is a whole record for its readers.
        department_id: UUID
        fiscal_year: int
        record: dict[str, Any]
        changed: list[str]
        trace: dict[str, str]

    @event(Updated)
    def _updated(
        self, department_id: UUID, fiscal_year: int, record: dict[str, Any], changed: list[str], trace: dict[str, str]
    ) -> None:
        self.record = dict(record)

    class AwaitingRound(Aggregate.Event):
        decision_id: UUID
        trace: dict[str, str]

    @event(AwaitingRound)
    def await_round(self, decision_id: UUID, trace: dict[str, str]) -> None:
        self.awaiting_round = str(decision_id)

    class TakenByRound(Aggregate.Event):
        round_id: UUID
        trace: dict[str, str]

    @event(TakenByRound)
    def taken_by(self, round_id: UUID, trace: dict[str, str]) -> None:
        self.awaiting_round = None


class Round(Aggregate):
    """A screening round for a fiscal year: its checklist and scope are drafted, fixed when it opens, and it
    accepts work until a coordinator closes it."""

    class Drafted(Aggregate.Created):
        round_id: UUID
        spec: dict[str, Any]
        coordinator_sub: str
        trace: dict[str, str]

    @event(Drafted)
    def __init__(self, round_id: UUID, spec: dict[str, Any], coordinator_sub: str, trace: dict[str, str]) -> None:
        self.spec = dict(spec)
        self.status = RoundStatus.DRAFT
        self.opened_on: str | None = None
        # The cross-department team on the round's date, fixed when it opens: sub → department id.
        self.team: dict[str, str] = {}
        self.self_check_open = True
        self.closed_at: str | None = None

    @staticmethod
    def create_id(round_id: UUID, spec: dict[str, Any], coordinator_sub: str, trace: dict[str, str]) -> UUID:
        return round_id

    @property
    def fiscal_year(self) -> int:
        return int(self.spec["fiscal_year"])

    @property
    def departments(self) -> list[str]:
        return [str(d) for d in self.spec["department_ids"]]

    @property
    def checklist_keys(self) -> list[str]:
        return [str(item["key"]) for item in self.spec["checklist"]]

    @property
    def self_check_deadline(self) -> datetime:
        return datetime.fromisoformat(str(self.spec["self_check_deadline"]))

    def self_check_open_at(self, now: datetime) -> bool:
        """Self-checks are taken until the deadline — by the clock, not only once its timer has fired."""
        return self.self_check_open and now < self.self_check_deadline

    def require_open(self, today: date | None = None) -> None:
        """A round accepts work only while open: a draft has nothing yet, a closed one accepts nothing more, and
        none after its fiscal year's last day (its year-end timer then closes it)."""
        if self.status != RoundStatus.OPEN:
            raise Refusal("round_not_open", state=self.status)
        if today is not None and today > fiscal_year_span(self.fiscal_year)[1]:
            raise Refusal("fiscal_year_over", fiscal_year=str(self.fiscal_year))

    @property
    def year_end(self) -> date:
        """The first day after the round's fiscal year."""
        return fiscal_year_span(self.fiscal_year)[1] + timedelta(days=1)

    class DraftRevised(Aggregate.Event):
        spec: dict[str, Any]
        trace: dict[str, str]

    def revise(self, spec: dict[str, Any], trace: dict[str, str]) -> None:
        """The checklist and scope are editable until the round opens, fixed after."""
        if self.status != RoundStatus.DRAFT:
            raise Refusal("round_not_draft", state=self.status)
        self._revised(dict(spec), trace)

    @event(DraftRevised)
    def _revised(self, spec: dict[str, Any], trace: dict[str, str]) -> None:
        self.spec = spec

    class Opened(Aggregate.Event):
        # The round as it is fixed: checklist, scope and deadline, with the team on its date.
        spec: dict[str, Any]
        opened_on: str
        team: dict[str, str]
        opened_at: str
        trace: dict[str, str]

    def open(self, today: date, now: datetime, team: dict[str, str], trace: dict[str, str]) -> None:
        if self.status != RoundStatus.DRAFT:
            raise Refusal("round_not_draft", state=self.status)
        first, last = fiscal_year_span(self.fiscal_year)
        if today > last:
            raise Refusal("fiscal_year_over", field="fiscal_year", fiscal_year=str(self.fiscal_year))
        if not first <= self.self_check_deadline.astimezone(TOKYO).date() <= last:
            raise Refusal(
                "deadline_outside_fiscal_year",
                field="self_check_deadline",
                fiscal_year=str(self.fiscal_year),
                first=first.isoformat(),
                last=last.isoformat(),
            )
        if self.self_check_deadline <= now:
            raise Refusal("deadline_in_past", field="self_check_deadline")
        # Every decision needs two assessments, one from outside the project's department: a team that cannot give
        # them would leave the whole round undecidable.
        if len(team) < 2 or len(set(team.values())) < 2:
            raise Refusal("round_team_insufficient", members=str(len(team)), departments=str(len(set(team.values()))))
        self._opened(dict(self.spec), today.isoformat(), dict(sorted(team.items())), now.isoformat(), trace)

    @event(Opened)
    def _opened(
        self, spec: dict[str, Any], opened_on: str, team: dict[str, str], opened_at: str, trace: dict[str, str]
    ) -> None:
        self.status = RoundStatus.OPEN
        self.opened_on = opened_on
        self.team = team

    class SelfCheckClosed(Aggregate.Event):
        closed_at: str
        trace: dict[str, str]

    def close_self_check(self, now: datetime, trace: dict[str, str]) -> bool:
        """At the deadline (a durable timer): decisions stop waiting for self-checks. Once only, only in an open
        round, and never before the deadline (a timer left from an earlier attempt finds nothing to do)."""
        if not self.self_check_open or self.status != RoundStatus.OPEN or now < self.self_check_deadline:
            return False
        self._self_check_closed(now.isoformat(), trace)
        return True

    @event(SelfCheckClosed)
    def _self_check_closed(self, closed_at: str, trace: dict[str, str]) -> None:
        self.self_check_open = False

    class CloseRequested(Aggregate.Event):
        requested_at: str
        trace: dict[str, str]

    def request_close(self, now: datetime, trace: dict[str, str]) -> None:
        """From now on the round accepts nothing; it is closed for good after the grace period (`close`)."""
        self.require_open()
        self._close_requested(now.isoformat(), trace)

    @event(CloseRequested)
    def _close_requested(self, requested_at: str, trace: dict[str, str]) -> None:
        self.status = RoundStatus.CLOSING

    class Closed(Aggregate.Event):
        closed_at: str
        undecided: int
        trace: dict[str, str]

    def close(self, now: datetime, undecided: int, trace: dict[str, str]) -> bool:
        """The close timer's step: once, after the grace period, with the count of projects left undecided."""
        if self.status != RoundStatus.CLOSING:
            return False
        self._closed(now.isoformat(), undecided, trace)
        return True

    @event(Closed)
    def _closed(self, closed_at: str, undecided: int, trace: dict[str, str]) -> None:
        self.status = RoundStatus.CLOSED
        self.closed_at = closed_at
