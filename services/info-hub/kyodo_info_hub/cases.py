"""The coordination window (総合的な窓口): a case (相談案件) raised by a group, a department's liaison or the center
on someone's behalf; routed to departments that must acknowledge it in time; matched with directory groups (each
suggestion with its reasons) and groups invited; linked to a call or a proposal; closed with its outcome. And the
month's published figures (公表), one aggregate per month.

No I/O here: ids, times, the deadline, the candidates and their reasons, and the sealed contact of a citizen are
decided by the application and passed in.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from kyodo_shared.domain.refusals import Refusal

_FIGURES = UUID("3f0a8c52-6d1e-4b7a-9c24-58e1f0b7d903")


class Urgency(StrEnum):
    LOW = "low"  # 低
    NORMAL = "normal"  # 中
    HIGH = "high"  # 高


class RaiserKind(StrEnum):
    GROUP = "group"  # 市民活動団体
    DEPARTMENT = "department"  # 市の部署 (its liaison)
    CITIZEN = "citizen"  # 市民 (raised by the center on their behalf)


class Outcome(StrEnum):
    RESOLVED = "resolved"  # 解決
    REFERRED = "referred"  # 他機関へ紹介
    NOT_FEASIBLE = "not_feasible"  # 対応困難


class LinkKind(StrEnum):
    CALL = "call"  # 募集
    PROPOSAL = "proposal"  # 提案


def figures_id(month: str) -> UUID:
    """One figures aggregate per Tokyo month ("2027-04"): the timer and a coordinator find the same."""
    return uuid.uuid5(_FIGURES, f"kyodo:info-hub:cases:figures:{month}")


def _later(a: str, b: str) -> bool:
    """Whether the ISO 8601 time `a` is after `b` (compared as instants, whatever their offsets)."""
    return datetime.fromisoformat(a) > datetime.fromisoformat(b)


class Case(Aggregate):
    """One case of the coordination window."""

    class Raised(Aggregate.Created):
        raiser_kind: str
        raiser_id: str | None
        raised_by: str
        on_behalf: bool
        problem_ja: str
        problem_en: str | None
        fields_of_activity: list[str]
        area: str
        urgency: str
        contact: dict[str, str] | None
        raised_at: str
        trace: dict[str, str]

    @event(Raised)
    def __init__(
        self,
        raiser_kind: str,
        raiser_id: str | None,
        raised_by: str,
        on_behalf: bool,
        problem_ja: str,
        problem_en: str | None,
        fields_of_activity: list[str],
        area: str,
        urgency: str,
        contact: dict[str, str] | None,
        raised_at: str,
        trace: dict[str, str],
    ) -> None:
        self.raiser_kind, self.raiser_id, self.raised_by, self.on_behalf = raiser_kind, raiser_id, raised_by, on_behalf
        self.problem_ja, self.problem_en = problem_ja, problem_en
        self.fields_of_activity, self.area, self.urgency = list(fields_of_activity), area, urgency
        # A citizen's contact details, sealed under their own key (None for groups and departments).
        self.contact = dict(contact) if contact else None
        self.raised_at = raised_at
        # Department id → {routed_at, acknowledge_by, acknowledged_at, acknowledged_by, late, overdue_at}.
        self.routings: dict[str, dict[str, Any]] = {}
        self.suggestions: list[dict[str, Any]] = []
        self.invited: dict[str, str] = {}
        self.links: list[dict[str, str]] = []
        self.outcome: str | None = None
        self.closing: dict[str, Any] | None = None

    @property
    def closed(self) -> bool:
        return self.outcome is not None

    def _open(self) -> None:
        if self.closed:
            raise Refusal("case_closed", outcome=str(self.outcome))

    # --- routing (取次) -------------------------------------------------------------------------------------------

    class Routed(Aggregate.Event):
        department_ids: list[str]
        acknowledge_by: str
        routed_by: str
        routed_at: str
        trace: dict[str, str]

    def route(self, department_ids: list[str], acknowledge_by: str, by: str, at: str, trace: dict[str, str]) -> None:
        """To one or more departments, each to acknowledge by the deadline; a department once only (an overdue one
        is not asked again with a new deadline: its lateness stays on record, and the center follows it up)."""
        self._open()
        if len(set(department_ids)) != len(department_ids) or not department_ids:
            raise Refusal("case_departments_repeated", field="department_ids", rule="case_departments_repeated")
        again = sorted(set(department_ids) & set(self.routings))
        if again:
            raise Refusal("already_routed", department_id=again[0])
        self._routed(sorted(department_ids), acknowledge_by, by, at, trace)

    @event(Routed)
    def _routed(
        self, department_ids: list[str], acknowledge_by: str, routed_by: str, routed_at: str, trace: dict[str, str]
    ) -> None:
        for department in department_ids:
            self.routings[department] = {
                "department_id": department,
                "routed_at": routed_at,
                "acknowledge_by": acknowledge_by,
                "acknowledged_at": None,
                "acknowledged_by": None,
                "late": False,
                "overdue_at": None,
            }

    class Acknowledged(Aggregate.Event):
        department_id: str
        acknowledged_by: str
        acknowledged_at: str
        late: bool
        trace: dict[str, str]

    def acknowledge(self, department_id: str, by: str, at: str, trace: dict[str, str]) -> None:
        """The department's liaison takes the case up (受付確認); after the deadline it is recorded as late."""
        self._open()
        routing = self.routings.get(department_id)
        if routing is None:
            raise Refusal("not_routed", department_id=department_id)
        if routing["acknowledged_at"] is not None:
            raise Refusal("already_acknowledged", department_id=department_id)
        self._acknowledged(department_id, by, at, _later(at, routing["acknowledge_by"]), trace)

    @event(Acknowledged)
    def _acknowledged(
        self, department_id: str, acknowledged_by: str, acknowledged_at: str, late: bool, trace: dict[str, str]
    ) -> None:
        routing = self.routings[department_id]
        routing.update(acknowledged_at=acknowledged_at, acknowledged_by=acknowledged_by, late=late)

    class AcknowledgementOverdue(Aggregate.Event):
        department_id: str
        acknowledge_by: str
        recorded_at: str

    def mark_overdue(self, department_id: str, at: str) -> bool:
        """The deadline's timer: recorded once, only if still unacknowledged on an open case. Returns whether."""
        routing = self.routings.get(department_id)
        if self.closed or routing is None or routing["acknowledged_at"] is not None or routing["overdue_at"]:
            return False
        if _later(routing["acknowledge_by"], at):
            return False
        self._overdue(department_id, routing["acknowledge_by"], at)
        return True

    @event(AcknowledgementOverdue)
    def _overdue(self, department_id: str, acknowledge_by: str, recorded_at: str) -> None:
        self.routings[department_id]["overdue_at"] = recorded_at

    # --- matching groups (団体のマッチング) ---------------------------------------------------------------------------

    class GroupsSuggested(Aggregate.Event):
        suggestions: list[dict[str, Any]]
        criteria: dict[str, Any]
        suggested_by: str
        suggested_at: str
        trace: dict[str, str]

    def suggest(self, suggestions: list[dict[str, Any]], by: str, at: str, trace: dict[str, str]) -> None:
        """The candidates the application found in the directory, each {group_id, name, reasons}; none found is a
        fact worth recording too. A later suggestion replaces the earlier one (the directory changes)."""
        self._open()
        criteria = {"fields": list(self.fields_of_activity), "area": self.area}
        self._suggested([dict(s) for s in suggestions], criteria, by, at, trace)

    @event(GroupsSuggested)
    def _suggested(
        self,
        suggestions: list[dict[str, Any]],
        criteria: dict[str, Any],
        suggested_by: str,
        suggested_at: str,
        trace: dict[str, str],
    ) -> None:
        self.suggestions = suggestions

    class GroupsInvited(Aggregate.Event):
        group_ids: list[str]
        invited_by: str
        invited_at: str
        trace: dict[str, str]

    def invite(self, group_ids: list[str], by: str, at: str, trace: dict[str, str]) -> None:
        """Groups invited to take part; from then on their people see the case."""
        self._open()
        if len(set(group_ids)) != len(group_ids) or not group_ids:
            raise Refusal("case_groups_repeated", field="group_ids", rule="case_groups_repeated")
        again = sorted(set(group_ids) & set(self.invited))
        if again:
            raise Refusal("already_invited", group_id=again[0])
        if self.raiser_kind == RaiserKind.GROUP.value and self.raiser_id in group_ids:
            raise Refusal("raiser_invited", group_id=str(self.raiser_id))
        self._invited(sorted(group_ids), by, at, trace)

    @event(GroupsInvited)
    def _invited(self, group_ids: list[str], invited_by: str, invited_at: str, trace: dict[str, str]) -> None:
        for group in group_ids:
            self.invited[group] = invited_at

    # --- links and the outcome -----------------------------------------------------------------------------------

    class Linked(Aggregate.Event):
        kind: str
        target_id: str
        linked_by: str
        linked_at: str
        trace: dict[str, str]

    def link(self, kind: LinkKind, target_id: str, by: str, at: str, trace: dict[str, str]) -> None:
        """A call or a proposal the case led to (also after it was closed: a collaboration may follow)."""
        if any(x["kind"] == kind.value and x["target_id"] == target_id for x in self.links):
            raise Refusal("case_already_linked", kind=kind.value)
        self._linked(kind.value, target_id, by, at, trace)

    @event(Linked)
    def _linked(self, kind: str, target_id: str, linked_by: str, linked_at: str, trace: dict[str, str]) -> None:
        self.links.append({"kind": kind, "target_id": target_id, "linked_at": linked_at})

    class Closed(Aggregate.Event):
        outcome: str
        reason_ja: str
        reason_en: str | None
        closed_by: str
        closed_at: str
        trace: dict[str, str]

    def close(
        self, outcome: Outcome, reason_ja: str, reason_en: str | None, by: str, at: str, trace: dict[str, str]
    ) -> None:
        self._open()
        self._closed(outcome.value, reason_ja, reason_en, by, at, trace)

    @event(Closed)
    def _closed(
        self, outcome: str, reason_ja: str, reason_en: str | None, closed_by: str, closed_at: str, trace: dict[str, str]
    ) -> None:
        self.outcome = outcome
        self.closing = {"outcome": outcome, "reason_ja": reason_ja, "reason_en": reason_en, "closed_at": closed_at}


class MonthlyFigures(Aggregate):
    """The published figures of one Tokyo month (月次の公表): made once, never changed."""

    class Published(Aggregate.Created):
        month: str
        figures: dict[str, Any]
        published_at: str
        trigger: str

    @event(Published)
    def __init__(self, month: str, figures: dict[str, Any], published_at: str, trigger: str) -> None:
        self.month, self.figures, self.published_at, self.trigger = month, dict(figures), published_at, trigger

    @staticmethod
    def create_id(month: str, *args: Any, **kwargs: Any) -> UUID:
        return figures_id(month)
