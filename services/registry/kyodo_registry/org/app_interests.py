"""Declared interests (利害関係の申告) in groups and in departments as use cases, and the registry's conflict rule
drawn from them: nobody decides on a group they act for or declared an interest in. Also what every org use case
shares: finding an aggregate of a kind, optimistic concurrency for aggregates that may not exist yet, and the
directories."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from kyodo_registry.app_base import RegistryBase
from kyodo_registry.domain import Group
from kyodo_registry.org.domain import (
    Declaration,
    Department,
    DepartmentDeclaration,
    Directory,
    Interests,
    department_interests,
    group_interests,
    interests_id,
)
from kyodo_shared.domain.actors import Actor
from kyodo_shared.domain.refusals import Expected, Refusal, check_version
from kyodo_shared.store.aggregates import find

A = TypeVar("A", bound=Aggregate)

# A withdrawn declaration still recuses its author for this long.
RECUSAL_COOLING_OFF_DAYS = 365


class InterestCommands(RegistryBase):
    def _impartial(self, group: Group, actor: Actor) -> None:
        """Nobody decides on a group they act for or declared an interest in (the registry's conflict rule)."""
        if group.acts_for(actor.sub) or self.declared_interest(actor.sub, group.id):
            raise Refusal("conflict_of_interest")

    # -- reading -----------------------------------------------------------------------------------------------

    def _find(self, aggregate_id: UUID, kind: type[A]) -> A | None:
        return find(self.repository, aggregate_id, kind)

    @staticmethod
    def _expect(aggregate: Aggregate | None, expected: Expected) -> None:
        """Optimistic concurrency; an aggregate not created yet (the team, a person's interests) is version 0."""
        check_version(aggregate.version if aggregate is not None else 0, expected)

    def _directory(self, name: str) -> Directory:
        return self._find(Directory.create_id(name), Directory) or Directory(name)

    # -- declared interests ------------------------------------------------------------------------------------

    def interests_of(self, person_sub: str) -> Interests | None:
        return self._find(interests_id(person_sub), Interests)

    def declared_interest(self, person_sub: str, group_id: UUID) -> bool:
        """Whether the person has a declared interest in the group: current, or withdrawn less than a year ago.

        The cooling-off year keeps a withdrawal from lifting a recusal on the spot (declare, withdraw, assess).
        """
        interests = self.interests_of(person_sub)
        if interests is None:
            return False
        return any(d.group_id == group_id and self._still_binding(d) for d in interests.declarations)

    def declared_department_interest(self, person_sub: str, department_id: UUID) -> bool:
        """Whether the person has a declared interest in the department, by the same cooling-off rule as a group."""
        interests = self.interests_of(person_sub)
        if interests is None:
            return False
        return any(
            d.department_id == department_id and self._still_binding(d) for d in interests.department_declarations
        )

    def _still_binding(self, d: Declaration | DepartmentDeclaration) -> bool:
        cutoff = self.clock() - timedelta(days=RECUSAL_COOLING_OFF_DAYS)
        return d.withdrawn_at is None or datetime.fromisoformat(d.withdrawn_at) > cutoff

    def interests_in(self, group_id: UUID) -> list[tuple[str, Declaration]]:
        """Every declaration (withdrawn ones too) about the group, by person."""
        found: list[tuple[str, Declaration]] = []
        for person_sub in self._directory(group_interests(group_id)).entries:
            interests = self.interests_of(person_sub)
            if interests is not None:
                found += [(person_sub, d) for d in interests.declarations if d.group_id == group_id]
        return found

    def interests_in_department(self, department_id: UUID) -> list[tuple[str, DepartmentDeclaration]]:
        """Every declaration (withdrawn ones too) about the department, by person."""
        found: list[tuple[str, DepartmentDeclaration]] = []
        for person_sub in self._directory(department_interests(department_id)).entries:
            interests = self.interests_of(person_sub)
            if interests is not None:
                found += [
                    (person_sub, d) for d in interests.department_declarations if d.department_id == department_id
                ]
        return found

    def declare_interest(
        self,
        actor: Actor,
        expected: Expected,
        person_sub: str,
        group_id: UUID,
        kind: str,
        note: str | None,
    ) -> tuple[Interests, UUID]:
        interests = self.interests_of(person_sub)
        self._expect(interests, expected)
        interests = interests or Interests(person_sub, actor.trace_dict())
        declaration_id = interests.declare(
            group_id, kind, note, self.clock().isoformat(), actor.sub, actor.trace_dict()
        )
        changed: list[Aggregate] = [interests]
        index = self._directory(group_interests(group_id))
        if person_sub not in index.entries:
            # The group's index learns of the person in the same transaction as their first declaration about it.
            index.list(person_sub, "", actor.trace_dict())
            changed.append(index)
        # The conflict rule reaches back: assessments the person made of the group are voided (before the decision)
        # or all six criteria reopen (after it), in the same transaction as the declaration.
        group = self._find(group_id, Group)
        if group is not None and group.interest_declared(person_sub, actor.trace_dict()):
            changed.append(group)
        self.save(*changed)
        return interests, declaration_id

    def declare_department_interest(
        self,
        actor: Actor,
        expected: Expected,
        person_sub: str,
        department_id: UUID,
        kind: str,
        note: str | None,
    ) -> tuple[Interests, UUID]:
        # The department must exist (a mistyped id would recuse nobody); checked first, so an unknown department
        # is a 404 before any If-Match question (428/412), as for every other thing that does not exist.
        if self._find(department_id, Department) is None:
            raise Refusal("not_found", what="department")
        interests = self.interests_of(person_sub)
        self._expect(interests, expected)
        interests = interests or Interests(person_sub, actor.trace_dict())
        declaration_id = interests.declare_department(
            department_id, kind, note, self.clock().isoformat(), actor.sub, actor.trace_dict()
        )
        changed: list[Aggregate] = [interests]
        index = self._directory(department_interests(department_id))
        if person_sub not in index.entries:
            # The department's index learns of the person in the same transaction as their first declaration about it.
            index.list(person_sub, "", actor.trace_dict())
            changed.append(index)
        self.save(*changed)
        return interests, declaration_id

    def withdraw_interest(
        self,
        actor: Actor,
        expected: Expected,
        person_sub: str,
        declaration_id: UUID,
        reason: str,
    ) -> Interests:
        """Withdraw a declaration about a group or a department, named by its id."""
        interests = self.interests_of(person_sub)
        if interests is None:
            raise Refusal("not_found", what="declaration")
        self._expect(interests, expected)
        interests.withdraw(declaration_id, reason, self.clock().isoformat(), actor.sub, actor.trace_dict())
        self.save(interests)
        return interests
