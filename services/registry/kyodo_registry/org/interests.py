"""Declared interests (利害関係の申告): one aggregate per person, declarations withdrawn but never deleted.

A declaration names a civic activity group or, since the screening of projects, a city department. The two have
event classes of their own: the group events keep the shape the first release stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from kyodo_registry.org.common import Trace, derived_id
from kyodo_shared.domain.refusals import Refusal


def interests_id(person_sub: str) -> UUID:
    return derived_id("interests:" + person_sub)


class InterestKind(StrEnum):
    """How a person is tied to a group (the wire contract has the same values)."""

    MEMBER = "member"  # 会員
    OFFICER = "officer"  # 役員
    CLOSE_RELATION = "close_relation"  # 親族・近しい関係
    BUSINESS = "business"  # 取引関係
    OTHER = "other"  # その他


@dataclass
class Declaration:
    declaration_id: UUID
    group_id: UUID
    kind: str
    note: str | None
    declared_at: str
    recorded_by: str
    withdrawn_at: str | None = None
    withdrawal_reason: str | None = None
    withdrawn_by: str | None = None

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


@dataclass
class DepartmentDeclaration:
    """An interest in a city department (e.g. a former post there, or a close tie to its project)."""

    declaration_id: UUID
    department_id: UUID
    kind: str
    note: str | None
    declared_at: str
    recorded_by: str
    withdrawn_at: str | None = None
    withdrawal_reason: str | None = None
    withdrawn_by: str | None = None

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class Interests(Aggregate):
    """Everything one person (by `sub`) has declared about their ties to civic activity groups and departments."""

    class Opened(Aggregate.Created):
        person_sub: str
        trace: Trace

    class Declared(Aggregate.Event):
        person_sub: str
        declaration_id: UUID
        group_id: UUID
        kind: str
        note: str | None
        declared_at: str
        recorded_by: str
        trace: Trace

    class Withdrawn(Aggregate.Event):
        person_sub: str
        declaration_id: UUID
        group_id: UUID
        kind: str
        reason: str
        withdrawn_at: str
        recorded_by: str
        trace: Trace

    class DepartmentDeclared(Aggregate.Event):
        person_sub: str
        declaration_id: UUID
        department_id: UUID
        kind: str
        note: str | None
        declared_at: str
        recorded_by: str
        trace: Trace

    class DepartmentWithdrawn(Aggregate.Event):
        person_sub: str
        declaration_id: UUID
        department_id: UUID
        kind: str
        reason: str
        withdrawn_at: str
        recorded_by: str
        trace: Trace

    @event(Opened)
    def __init__(self, person_sub: str, trace: Trace) -> None:
        self.person_sub = person_sub
        self.declarations: list[Declaration] = []
        self.department_declarations: list[DepartmentDeclaration] = []

    @staticmethod
    def create_id(person_sub: str) -> UUID:
        return interests_id(person_sub)

    def declare(
        self, group_id: UUID, kind: str, note: str | None, declared_at: str, recorded_by: str, trace: Trace
    ) -> UUID:
        kind = InterestKind(kind).value
        if any(d.active and d.group_id == group_id and d.kind == kind for d in self.declarations):
            raise Refusal("already_declared")
        declaration_id = self._next_id()
        self._declared(self.person_sub, declaration_id, group_id, kind, note, declared_at, recorded_by, trace)
        return declaration_id

    def declare_department(
        self, department_id: UUID, kind: str, note: str | None, declared_at: str, recorded_by: str, trace: Trace
    ) -> UUID:
        kind = InterestKind(kind).value
        if any(d.active and d.department_id == department_id and d.kind == kind for d in self.department_declarations):
            raise Refusal("already_declared")
        declaration_id = self._next_id()
        self._department_declared(
            self.person_sub, declaration_id, department_id, kind, note, declared_at, recorded_by, trace
        )
        return declaration_id

    def _next_id(self) -> UUID:
        # Derived from the person and a counter over both kinds, so the id is deterministic, the same on every
        # replica, and names one declaration of either kind (a withdrawal needs only the id). A person with group
        # declarations only counts as before.
        count = len(self.declarations) + len(self.department_declarations)
        return derived_id(f"interests:{self.person_sub}:{count + 1}")

    def withdraw(self, declaration_id: UUID, reason: str, withdrawn_at: str, recorded_by: str, trace: Trace) -> None:
        """Withdraw a declaration of either kind, by its id."""
        group = next((d for d in self.declarations if d.declaration_id == declaration_id), None)
        department = next((d for d in self.department_declarations if d.declaration_id == declaration_id), None)
        found = group or department
        if found is None:
            raise Refusal("not_found", what="declaration")
        if not found.active:
            raise Refusal("already_withdrawn")
        if group is not None:
            self._withdrawn(
                self.person_sub, declaration_id, group.group_id, group.kind, reason, withdrawn_at, recorded_by, trace
            )
        elif department is not None:
            self._department_withdrawn(
                self.person_sub,
                declaration_id,
                department.department_id,
                department.kind,
                reason,
                withdrawn_at,
                recorded_by,
                trace,
            )

    @event(Declared)
    def _declared(
        self,
        person_sub: str,
        declaration_id: UUID,
        group_id: UUID,
        kind: str,
        note: str | None,
        declared_at: str,
        recorded_by: str,
        trace: Trace,
    ) -> None:
        self.declarations.append(Declaration(declaration_id, group_id, kind, note, declared_at, recorded_by))

    @event(Withdrawn)
    def _withdrawn(
        self,
        person_sub: str,
        declaration_id: UUID,
        group_id: UUID,
        kind: str,
        reason: str,
        withdrawn_at: str,
        recorded_by: str,
        trace: Trace,
    ) -> None:
        for declaration in self.declarations:
            if declaration.declaration_id == declaration_id:
                declaration.withdrawn_at, declaration.withdrawal_reason = withdrawn_at, reason
                declaration.withdrawn_by = recorded_by

    @event(DepartmentDeclared)
    def _department_declared(
        self,
        person_sub: str,
        declaration_id: UUID,
        department_id: UUID,
        kind: str,
        note: str | None,
        declared_at: str,
        recorded_by: str,
        trace: Trace,
    ) -> None:
        self.department_declarations.append(
            DepartmentDeclaration(declaration_id, department_id, kind, note, declared_at, recorded_by)
        )

    @event(DepartmentWithdrawn)
    def _department_withdrawn(
        self,
        person_sub: str,
        declaration_id: UUID,
        department_id: UUID,
        kind: str,
        reason: str,
        withdrawn_at: str,
        recorded_by: str,
        trace: Trace,
    ) -> None:
        for declaration in self.department_declarations:
            if declaration.declaration_id == declaration_id:
                declaration.withdrawn_at, declaration.withdrawal_reason = withdrawn_at, reason
                declaration.withdrawn_by = recorded_by
