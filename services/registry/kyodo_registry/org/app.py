"""Commands and queries over departments, the team, committees and declared interests (a mixin of the registry's
Application)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Repository
from eventsourcing.domain import Aggregate

from kyodo_registry.org.common import NotFound, OrgError, StaleOrgVersion, Trace, tokyo_date
from kyodo_registry.org.domain import (
    COMMITTEES,
    DEPARTMENTS,
    TEAM_ID,
    Committee,
    Declaration,
    Department,
    Directory,
    Interests,
    Team,
    Term,
    group_interests,
    interests_id,
)
from kyodo_registry.settings import COMMITTEE_MEMBER_RECORD
from kyodo_shared.privacy.vault import KeyVault

A = TypeVar("A", bound=Aggregate)


# A withdrawn declaration still recuses its author for this long.
RECUSAL_COOLING_OFF_DAYS = 365


class OrgCommands:
    # Provided by RegistryApplication: annotations only, so the Application's own attributes are the ones used.
    repository: Repository[UUID]
    save: Callable[..., Any]
    clock: Callable[[], datetime]
    _vault: Callable[[], KeyVault]

    # -- reading -----------------------------------------------------------------------------------------------

    def _find(self, aggregate_id: UUID, kind: type[A]) -> A | None:
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        # An id of another kind of aggregate (a group's id given as a committee's) is simply not found.
        return aggregate if isinstance(aggregate, kind) else None

    def _expect(self, aggregate: Aggregate | None, expected_version: int | None) -> None:
        """Optimistic concurrency: `expected_version` 0 means "must not exist yet", None means "not checked"."""
        current = aggregate.version if aggregate is not None else 0
        if expected_version is not None and current != expected_version:
            raise StaleOrgVersion(current)

    def org_version(self, aggregate_id: UUID) -> int:
        """The version an ETag names; 0 for an aggregate that does not exist yet (the team, a person's interests)."""
        found = self._find(aggregate_id, Aggregate)
        return found.version if found is not None else 0

    def today(self) -> date:
        return tokyo_date(self.clock())

    def _directory(self, name: str) -> Directory:
        return self._find(Directory.create_id(name), Directory) or Directory(name)

    # -- departments -------------------------------------------------------------------------------------------

    def create_department(
        self, department_id: UUID, code: str, name_ja: str, name_en: str | None, trace: Trace
    ) -> Department:
        directory = self._directory(DEPARTMENTS)
        if code in directory.entries:
            raise OrgError("department_code_taken", "この部署コードは既に使われています", "The code is already taken")
        department = Department(department_id, code, name_ja, name_en, trace)
        directory.list(code, str(department_id), trace)
        # One transaction: a code is taken exactly when its department exists.
        self.save(department, directory)
        return department

    def get_department(self, department_id: UUID) -> Department:
        department = self._find(department_id, Department)
        if department is None:
            raise NotFound("部署", "Department")
        return department

    def departments(self) -> list[Department]:
        ids = self._directory(DEPARTMENTS).entries.values()
        return sorted((self.get_department(UUID(i)) for i in ids), key=lambda d: d.code)

    def _department_for_update(self, department_id: UUID, expected_version: int | None) -> Department:
        department = self.get_department(department_id)
        self._expect(department, expected_version)
        return department

    def assign_staff(
        self,
        department_id: UUID,
        staff_sub: str,
        job_title: str,
        since: date | None,
        trace: Trace,
        expected_version: int | None = None,
    ) -> Department:
        department = self._department_for_update(department_id, expected_version)
        department.assign(staff_sub, job_title, since or self.today(), trace)
        self.save(department)
        return department

    def unassign_staff(
        self, department_id: UUID, staff_sub: str, until: date | None, trace: Trace, expected_version: int | None = None
    ) -> Department:
        department = self._department_for_update(department_id, expected_version)
        department.unassign(staff_sub, until or self.today(), trace)
        self.save(department)
        return department

    def appoint_liaison(
        self,
        department_id: UUID,
        liaison_sub: str,
        since: date | None,
        trace: Trace,
        expected_version: int | None = None,
    ) -> Department:
        department = self._department_for_update(department_id, expected_version)
        department.appoint_liaison(liaison_sub, since or self.today(), trace)
        self.save(department)
        return department

    # -- the cross-department team -----------------------------------------------------------------------------

    def team(self) -> Team | None:
        return self._find(TEAM_ID, Team)

    def join_team(
        self,
        staff_sub: str,
        department_id: UUID,
        joined_on: date | None,
        trace: Trace,
        expected_version: int | None = None,
    ) -> Team:
        if not self.get_department(department_id).is_staff(staff_sub):
            raise OrgError("not_department_staff", "その部署の職員ではありません", "Not on that department's staff")
        team = self.team()
        self._expect(team, expected_version)
        team = team or Team(trace)
        team.join(staff_sub, department_id, joined_on or self.today(), trace)
        self.save(team)
        return team

    def leave_team(
        self, staff_sub: str, left_on: date | None, trace: Trace, expected_version: int | None = None
    ) -> Team:
        team = self.team()
        if team is None:
            raise OrgError("not_on_team", "チームのメンバーではありません", "Not on the team")
        self._expect(team, expected_version)
        team.leave(staff_sub, left_on or self.today(), trace)
        self.save(team)
        return team

    # -- committees --------------------------------------------------------------------------------------------

    def establish_committee(
        self, committee_id: UUID, kind: str, name_ja: str, name_en: str | None, trace: Trace
    ) -> Committee:
        directory = self._directory(COMMITTEES)
        committee = Committee(committee_id, kind, name_ja, name_en, trace)
        directory.list(str(committee_id), committee.kind, trace)
        self.save(committee, directory)
        return committee

    def get_committee(self, committee_id: UUID) -> Committee:
        committee = self._find(committee_id, Committee)
        if committee is None:
            raise NotFound("委員会", "Committee")
        return committee

    def committees(self) -> list[Committee]:
        return [self.get_committee(UUID(i)) for i in self._directory(COMMITTEES).entries]

    def _committee_for_update(self, committee_id: UUID, expected_version: int | None) -> Committee:
        committee = self.get_committee(committee_id)
        self._expect(committee, expected_version)
        return committee

    def appoint_member(
        self,
        committee_id: UUID,
        member_sub: str,
        name: str,
        term_start: date,
        term_end: date,
        trace: Trace,
        expected_version: int | None = None,
    ) -> Committee:
        committee = self._committee_for_update(committee_id, expected_version)
        # Checked before encrypting, so a refused appointment leaves no key or retention date behind.
        committee.check_appointment(member_sub, term_start, term_end)
        sealed = self._vault().encrypt(member_sub, COMMITTEE_MEMBER_RECORD, {"name": name}, self.clock())
        committee.appoint(member_sub, term_start, term_end, sealed, secrets.token_hex(16), trace)
        self.save(committee)
        return committee

    def member_name(self, term: Term) -> str | None:
        """The member's name, or None once their key was destroyed (erased)."""
        fields = self._vault().decrypt(term.sealed_name)
        return str(fields["name"]) if fields is not None else None

    def change_officers(
        self,
        committee_id: UUID,
        chair_sub: str,
        vice_chair_sub: str | None,
        effective_on: date | None,
        trace: Trace,
        expected_version: int | None = None,
    ) -> Committee:
        committee = self._committee_for_update(committee_id, expected_version)
        committee.change_officers(chair_sub, vice_chair_sub, effective_on or self.today(), trace)
        self.save(committee)
        return committee

    def end_membership(
        self,
        committee_id: UUID,
        member_sub: str,
        ended_on: date | None,
        reason: str,
        trace: Trace,
        expected_version: int | None = None,
    ) -> Committee:
        committee = self._committee_for_update(committee_id, expected_version)
        committee.end_membership(member_sub, ended_on or self.today(), reason, trace)
        self.save(committee)
        return committee

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
        cutoff = self.clock() - timedelta(days=RECUSAL_COOLING_OFF_DAYS)
        return any(
            d.group_id == group_id and (d.withdrawn_at is None or datetime.fromisoformat(d.withdrawn_at) > cutoff)
            for d in interests.declarations
        )

    def interests_in(self, group_id: UUID) -> list[tuple[str, Declaration]]:
        """Every declaration (withdrawn ones too) about the group, by person."""
        found: list[tuple[str, Declaration]] = []
        for person_sub in self._directory(group_interests(group_id)).entries:
            interests = self.interests_of(person_sub)
            if interests is not None:
                found += [(person_sub, d) for d in interests.declarations if d.group_id == group_id]
        return found

    def declare_interest(
        self,
        person_sub: str,
        group_id: UUID,
        kind: str,
        note: str | None,
        recorded_by: str,
        trace: Trace,
        expected_version: int | None = None,
    ) -> tuple[Interests, UUID]:
        interests = self.interests_of(person_sub)
        self._expect(interests, expected_version)
        interests = interests or Interests(person_sub, trace)
        declaration_id = interests.declare(group_id, kind, note, self.clock().isoformat(), recorded_by, trace)
        index = self._directory(group_interests(group_id))
        if person_sub in index.entries:
            self.save(interests)
        else:
            # The group's index learns of the person in the same transaction as their first declaration about it.
            index.list(person_sub, "", trace)
            self.save(interests, index)
        return interests, declaration_id

    def withdraw_interest(
        self,
        person_sub: str,
        declaration_id: UUID,
        reason: str,
        recorded_by: str,
        trace: Trace,
        expected_version: int | None = None,
    ) -> Interests:
        interests = self.interests_of(person_sub)
        if interests is None:
            raise NotFound("申告", "Declaration")
        self._expect(interests, expected_version)
        interests.withdraw(declaration_id, reason, self.clock().isoformat(), recorded_by, trace)
        self.save(interests)
        return interests
