"""Reads: who may list and read which projects, a project's record for the caller, its reports and timeline, the
committee as a member or the center sees it, and the published report."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from kyodo_evaluation import index
from kyodo_evaluation.app_base import EvaluationBase
from kyodo_evaluation.domain import Project
from kyodo_shared.domain.actors import Actor, Role
from kyodo_shared.domain.refusals import Refusal

_OVERSIGHT = (Role.COORDINATOR, Role.AUDITOR, Role.EVALUATOR)


class EvaluationQueries(EvaluationBase):
    def list_projects(
        self, actor: Actor, group_id: str | None, department_id: str | None, status: str | None, offset: int, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        """The center, evaluators and auditors list every project; a group its own (naming it, signed in with the
        group role), a department's staff their department's (naming it, signed in with the staff role)."""
        if not any(actor.has(r) for r in _OVERSIGHT):
            # The tie and the role alike, as partner_of asks them (app_base).
            own_group = group_id is not None and actor.has(Role.GROUP) and self.view.acts_for(actor.sub, group_id)
            own_department = (
                department_id is not None
                and actor.has(Role.STAFF)
                and (
                    self.view.on_staff(actor.sub, department_id, self.today())
                    or self.view.is_liaison(actor.sub, department_id, self.today())
                )
            )
            if not (own_group or own_department):
                raise Refusal("name_own_partner")
        filters = {"group_id": group_id or "", "department_id": department_id or "", "status": status or ""}
        return index.list_projects(self.view.db, filters, offset, limit)

    def read_project(self, actor: Actor, project_id: UUID) -> Project:
        return self._readable(actor, project_id)

    def project_timeline(self, actor: Actor, project_id: UUID) -> list[dict[str, Any]]:
        self._readable(actor, project_id)
        return index.timeline(self.view.db, str(project_id))

    def reports_of(self, actor: Actor, project_id: UUID) -> list[dict[str, Any]]:
        project = self._readable(actor, project_id)
        return sorted(project.reports.values(), key=lambda r: (int(r["index"]), str(r["partner"])))

    def published_report(self, project_id: UUID) -> dict[str, Any]:
        """The report, public once published (as the contract carries it)."""
        self.get_project(project_id)
        committee = self.find_committee(project_id)
        report = committee.report if committee is not None else None
        if report is None:
            raise Refusal("report_not_published")
        return dict(report)

    def committee_of(self, actor: Actor, project_id: UUID) -> dict[str, Any]:
        """The committee's roster (public: the contract carries it), quorum and progress. Who has scored or declared
        a conflict only to coordinators and auditors (as the audit API shows them); a member learns their own, and
        everyone the counts — never anyone's points (those come from `read_scores`, after one's own)."""
        self._readable(actor, project_id)
        committee = self.get_committee(project_id)
        view: dict[str, Any] = {
            "project_id": str(project_id),
            "committee_id": str(committee.committee_id),
            "opened_on": committee.opened_on,
            "members": committee.members,
            "chair_sub": committee.chair_sub,
            "vice_chair_sub": committee.vice_chair_sub,
            "quorum": committee.quorum,
            "criteria": committee.criteria,
            "scored_count": len(committee.scores),
            "conflict_count": len(committee.conflicts),
            "recommended": committee.decision is not None,
            "version": committee.version,
        }
        if actor.has(Role.COORDINATOR) or actor.has(Role.AUDITOR):
            view |= {"scored": sorted(committee.scores), "conflicts": sorted(committee.conflicts)}
        elif actor.sub in committee.members:
            view |= {"you_scored": actor.sub in committee.scores, "your_conflict": actor.sub in committee.conflicts}
        return view

    def sees_negotiation(self, actor: Actor, project: Project) -> bool:
        """The draft under discussion and who confirmed it: the partners, coordinators and auditors (as the audit
        API shows drafts); the agreement is everyone's once concluded."""
        if actor.has(Role.COORDINATOR) or actor.has(Role.AUDITOR):
            return True
        try:
            self.partner_of(actor, project)
        except Refusal:
            return False
        return True
