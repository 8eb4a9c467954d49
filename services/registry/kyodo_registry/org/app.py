"""Use cases over departments, the team and committees (a part of the registry's Application).

Declared interests, and the conflict rule drawn from them, are in `org.app_interests`.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import date
from uuid import UUID

from kyodo_registry.org.app_interests import InterestCommands
from kyodo_registry.org.domain import COMMITTEES, DEPARTMENTS, TEAM_ID, Committee, Department, Team, Term
from kyodo_registry.settings import COMMITTEE_MEMBER_RECORD
from kyodo_shared.domain.actors import Actor
from kyodo_shared.domain.refusals import Expected, Refusal


class OrgCommands(InterestCommands):
    """Departments with their staff and liaison, the cross-department team, the committees and their members."""

    # -- departments -------------------------------------------------------------------------------------------

    def create_department(self, actor: Actor, code: str, name_ja: str, name_en: str | None) -> Department:
        directory = self._directory(DEPARTMENTS)
        if code in directory.entries:
            raise Refusal("department_code_taken")
        department = Department(uuid.uuid4(), code, name_ja, name_en, actor.trace_dict())
        directory.list(code, str(department.id), actor.trace_dict())
        # One transaction: a code is taken exactly when its department exists.
        self.save(department, directory)
        return department

    def get_department(self, department_id: UUID) -> Department:
        department = self._find(department_id, Department)
        if department is None:
            raise Refusal("not_found", what="department")
        return department

    def departments(self, offset: int = 0, limit: int | None = None) -> tuple[list[Department], int]:
        """One page of the departments by code, and how many there are."""
        codes = sorted(self._directory(DEPARTMENTS).entries.items())
        page = codes[offset : None if limit is None else offset + limit]
        return [self.get_department(UUID(i)) for _, i in page], len(codes)

    def _department_for_update(self, department_id: UUID, expected: Expected) -> Department:
        department = self.get_department(department_id)
        self._expect(department, expected)
        return department

    def assign_staff(
        self,
        actor: Actor,
        expected: Expected,
        department_id: UUID,
        staff_sub: str,
        job_title: str,
        since: date | None,
    ) -> Department:
        department = self._department_for_update(department_id, expected)
        department.assign(staff_sub, job_title, since or self.today(), actor.trace_dict())
        self.save(department)
        return department

    def unassign_staff(
        self,
        actor: Actor,
        expected: Expected,
        department_id: UUID,
        staff_sub: str,
        until: date | None,
    ) -> Department:
        department = self._department_for_update(department_id, expected)
        department.unassign(staff_sub, until or self.today(), actor.trace_dict())
        self.save(department)
        return department

    def appoint_liaison(
        self,
        actor: Actor,
        expected: Expected,
        department_id: UUID,
        liaison_sub: str,
        since: date | None,
    ) -> Department:
        department = self._department_for_update(department_id, expected)
        department.appoint_liaison(liaison_sub, since or self.today(), actor.trace_dict())
        self.save(department)
        return department

    # -- the cross-department team -----------------------------------------------------------------------------

    def team(self) -> Team | None:
        return self._find(TEAM_ID, Team)

    def join_team(
        self,
        actor: Actor,
        expected: Expected,
        staff_sub: str,
        department_id: UUID,
        joined_on: date | None,
    ) -> Team:
        if not self.get_department(department_id).is_staff(staff_sub):
            # Named on the department: a form shows it beside the department chosen.
            raise Refusal("not_department_staff", field="department_id")
        team = self.team()
        self._expect(team, expected)
        team = team or Team(actor.trace_dict())
        team.join(staff_sub, department_id, joined_on or self.today(), actor.trace_dict())
        self.save(team)
        return team

    def leave_team(
        self,
        actor: Actor,
        expected: Expected,
        staff_sub: str,
        left_on: date | None,
    ) -> Team:
        team = self.team()
        if team is None:
            raise Refusal("not_on_team")
        self._expect(team, expected)
        team.leave(staff_sub, left_on or self.today(), actor.trace_dict())
        self.save(team)
        return team

    # -- committees --------------------------------------------------------------------------------------------

    def establish_committee(self, actor: Actor, kind: str, name_ja: str, name_en: str | None) -> Committee:
        directory = self._directory(COMMITTEES)
        committee_id = uuid.uuid4()
        committee = Committee(committee_id, kind, name_ja, name_en, actor.trace_dict())
        directory.list(str(committee_id), committee.kind, actor.trace_dict())
        self.save(committee, directory)
        return committee

    def get_committee(self, committee_id: UUID) -> Committee:
        committee = self._find(committee_id, Committee)
        if committee is None:
            raise Refusal("not_found", what="committee")
        return committee

    def committees(self, offset: int = 0, limit: int | None = None) -> tuple[list[Committee], int]:
        """One page of the committees in the order they were established, and how many there are."""
        ids = list(self._directory(COMMITTEES).entries)
        page = ids[offset : None if limit is None else offset + limit]
        return [self.get_committee(UUID(i)) for i in page], len(ids)

    def _committee_for_update(self, committee_id: UUID, expected: Expected) -> Committee:
        committee = self.get_committee(committee_id)
        self._expect(committee, expected)
        return committee

    def appoint_member(
        self,
        actor: Actor,
        expected: Expected,
        committee_id: UUID,
        member_sub: str,
        name: str,
        term_start: date,
        term_end: date,
    ) -> Committee:
        committee = self._committee_for_update(committee_id, expected)
        # Checked before encrypting, so a refused appointment leaves no key or retention date behind.
        committee.check_appointment(member_sub, term_start, term_end)
        sealed = self.vault.encrypt(member_sub, COMMITTEE_MEMBER_RECORD, {"name": name}, self.clock())
        committee.appoint(member_sub, term_start, term_end, sealed, secrets.token_hex(16), actor.trace_dict())
        self._save_committee(committee)
        return committee

    def _save_committee(self, committee: Committee) -> None:
        """Every command on a committee answers with its roster, the members' names decrypted
        (`api_committees.roster`): their keys are read before the save, so the answer never needs the store after the
        commit (a store lost then would answer 503 for a command that was written, and a client retrying a 503 trusts
        that nothing was)."""
        self.vault.hold([term.sealed_name for term in committee.terms])
        self.save(committee)

    def member_name(self, term: Term) -> str | None:
        """The member's name, or None once their key was destroyed (erased)."""
        fields = self.vault.decrypt(term.sealed_name)
        return str(fields["name"]) if fields is not None else None

    def change_officers(
        self,
        actor: Actor,
        expected: Expected,
        committee_id: UUID,
        chair_sub: str,
        vice_chair_sub: str | None,
        effective_on: date | None,
    ) -> Committee:
        committee = self._committee_for_update(committee_id, expected)
        committee.change_officers(chair_sub, vice_chair_sub, effective_on or self.today(), actor.trace_dict())
        self._save_committee(committee)
        return committee

    def end_membership(
        self,
        actor: Actor,
        expected: Expected,
        committee_id: UUID,
        member_sub: str,
        ended_on: date | None,
        reason: str,
    ) -> Committee:
        committee = self._committee_for_update(committee_id, expected)
        committee.end_membership(member_sub, ended_on or self.today(), reason, actor.trace_dict())
        self._save_committee(committee)
        return committee

    def elect_acting_chair(
        self,
        actor: Actor,
        expected: Expected,
        committee_id: UUID,
        matter: str,
        acting_chair_sub: str,
        elector_subs: list[str],
        elected_on: date | None,
    ) -> Committee:
        """Record the acting chair (委員長代理) the members elected for one matter.

        The coordinator records it, as for officers: the committee's secretariat keeps its records; the members'
        choice is what is recorded (who was elected, by whom)."""
        committee = self._committee_for_update(committee_id, expected)
        committee.elect_acting_chair(
            matter, acting_chair_sub, elector_subs, elected_on or self.today(), actor.trace_dict()
        )
        self._save_committee(committee)
        return committee
