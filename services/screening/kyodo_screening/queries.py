"""Reads, each deciding who may see what: the inventory is public; a round's draft only for coordinators; a
project's self-check and the team's assessments stay within the screening until its decision publishes them —
and a team member sees others' assessments only after submitting their own (independence)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from kyodo_screening import index
from kyodo_screening.app_base import ScreeningBase
from kyodo_screening.domain import Round
from kyodo_screening.recommendations import Screened, recommendations
from kyodo_screening.screening import Screening, screening_id
from kyodo_screening.vocabulary import RoundStatus
from kyodo_shared.domain.actors import Principal, Role
from kyodo_shared.domain.refusals import Refusal

# What a decision keeps for auditors only: who is behind each label, and the working fields.
_RESTRICTED = ("labels", "coordinator_sub")


def public_decision(decision: dict[str, Any]) -> dict[str, Any]:
    """A decision as the register publishes it: assessments by label, nobody named."""
    shown = {k: v for k, v in decision.items() if k not in _RESTRICTED}
    shown["assessments"] = [{k: v for k, v in a.items() if k != "member_sub"} for a in decision["assessments"]]
    return shown


def _has(principal: Principal | None, *roles: Role) -> bool:
    return principal is not None and any(principal.has(role) for role in roles)


class ScreeningQueries(ScreeningBase):
    def read_round(self, principal: Principal | None, round_id: UUID) -> Round:
        found = self.get_round(round_id)
        if found.status == RoundStatus.DRAFT and not _has(principal, Role.COORDINATOR, Role.AUDITOR):
            raise Refusal("round_not_found")
        return found

    def round_projects(
        self, principal: Principal | None, round_id: UUID, department_id: UUID | None, offset: int, limit: int
    ) -> tuple[list[index.ProjectRow], int]:
        found = self.read_round(principal, round_id)
        department = None if department_id is None else str(department_id)
        return index.round_projects(self.db, found, department, offset, limit)

    def screening_of(self, principal: Principal | None, round_id: UUID, project_id: UUID) -> dict[str, Any]:
        """One project's screening in a round as this caller may see it."""
        shown = self.screening_shown(principal, round_id, project_id)
        return shown(self.find_screening(screening_id(round_id, project_id)))

    def screening_shown(
        self, principal: Principal | None, round_id: UUID, project_id: UUID
    ) -> Callable[[Screening | None], dict[str, Any]]:
        """Everything of a project's screening view but the screening itself, read now: a command reads it before
        its save and shows the screening it saved, so its answer needs nothing from the store after the commit (a
        store lost then would answer 503 for a decision that was written, and a client retrying a 503 trusts that
        nothing was)."""
        found = self.read_round(principal, round_id)
        project = self.get_project(project_id)
        insider = _has(principal, Role.COORDINATOR, Role.AUDITOR)
        # The liaison reads the self-check only signed in with the staff role, as it answers it.
        liaison = (
            principal is not None
            and principal.has(Role.STAFF)
            and self.view.is_liaison(principal.sub, str(project.department_id), self.today())
        )
        evaluation = recommendations(
            self.db, [Screened(str(project_id), str(project.department_id), project.number, project.fiscal_year)]
        ).get(str(project_id))

        def view_of(screening: Screening | None) -> dict[str, Any]:
            view: dict[str, Any] = {
                "round_id": round_id,
                "project_id": project_id,
                "department_id": project.department_id,
                "fiscal_year": project.fiscal_year,
                "project": project.record,
                "status": "pending" if screening is None else screening.status,
                "cycle": 1 if screening is None else screening.cycle,
                "version": None if screening is None else screening.version,
                "self_checked": screening is not None and screening.self_check is not None,
                "assessment_count": 0 if screening is None else len(screening.assessments),
                "self_check": None,
                "decisions": [] if screening is None else [public_decision(d) for d in screening.decisions],
                "checklist": found.spec["checklist"],
                "evaluation": evaluation,
            }
            if screening is not None and screening.self_check is not None and (insider or liaison):
                view["self_check"] = screening.self_check["answers"]
            return view

        return view_of

    def assessments_of(self, principal: Principal, round_id: UUID, project_id: UUID) -> list[dict[str, Any]]:
        """The current cycle's assessments: a member of the round's team only after submitting their own (before
        that, 403 — the count is on the screening itself), whatever other role they hold; coordinators and auditors
        who are not on the team, always."""
        found = self.read_round(principal, round_id)
        screening = self.find_screening(screening_id(round_id, project_id))
        given = {} if screening is None else screening.assessments
        # Independence first: a member who is also a coordinator (or an auditor) assesses before reading the others.
        if principal.sub in found.team and principal.sub not in given:
            raise Refusal("assess_first")
        if _has(principal, Role.COORDINATOR, Role.AUDITOR):
            return [given[sub] for sub in sorted(given)]
        if principal.sub not in found.team:
            raise Refusal("not_on_round_team")
        if principal.sub not in given:
            raise Refusal("assess_first")
        # A member reads the others' answers, not who gave them: the register's labels must not be matched to people.
        owner = str(screening.department_id) if screening is not None else ""
        return [
            given[sub]
            if sub == principal.sub
            else {"answers": given[sub]["answers"], "from_owner_department": given[sub]["department_id"] == owner}
            for sub in sorted(given, key=lambda sub: (sub != principal.sub, sub))
        ]

    def evaluations_of(self, rows: list[index.ProjectRow]) -> dict[str, dict[str, Any]]:
        """The evaluation recommendation shown beside each listed project that has one (public: it is published)."""
        listed = [Screened(r.project_id, r.department_id, r.project_number, r.fiscal_year) for r in rows]
        return recommendations(self.db, listed)

    def department_projects(
        self, department_id: UUID, fiscal_year: int | None, offset: int, limit: int
    ) -> tuple[list[index.ProjectRow], int]:
        return index.department_projects(self.db, str(department_id), fiscal_year, offset, limit)

    def department_records(self, department_id: UUID, fiscal_year: int) -> list[dict[str, Any]]:
        """Every project of a department's year as stored (for the CSV export), by project number."""
        return index.department_records(self.db, str(department_id), fiscal_year)

    def rounds(
        self, principal: Principal | None, offset: int, limit: int
    ) -> tuple[list[tuple[str, int, str, str]], int]:
        return index.list_rounds(self.db, _has(principal, Role.COORDINATOR, Role.AUDITOR), offset, limit)

    def departments(self) -> list[tuple[str, str, str | None]]:
        """Every department the registry has published: (id, name_ja, name_en) — a round's scope is chosen from them."""
        return self.view.departments()

    def departments_kept_by(self, principal: Principal) -> list[tuple[str, str, str | None]]:
        """The departments whose inventory this person keeps today (as `_keeps_inventory` decides): a coordinator
        every department; city staff the departments whose staff they are on (the registry's roster)."""
        every = self.view.departments()
        if principal.has(Role.COORDINATOR):
            return every
        if not principal.has(Role.STAFF):
            return []
        own = set(self.view.staff_departments(principal.sub, self.today()))
        return [d for d in every if d[0] in own]
