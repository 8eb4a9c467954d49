"""Collaboration projects as use cases: created from an adoption (by the consumer's timer) or from a suitable
screening decision (by a coordinator); the agreement and its amendments by mutual consent; interim reports; and the
timers of reminders, overdue reports and the end.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import structlog
from eventsourcing.persistence import IntegrityError

from kyodo_evaluation.agreement import check_agreement
from kyodo_evaluation.app_base import (
    REMINDER_DAYS,
    SELF_DEADLINE_TIMER,
    SELF_REMINDER_TIMER,
    EvaluationBase,
    deadline_after,
)
from kyodo_evaluation.domain import Project, adoption_project_id, screening_project_id
from kyodo_evaluation.vocabulary import DEFAULT_CRITERIA, NO_CALL_FORMS, Partner, Source
from kyodo_shared.audit.jcs import canonicalize
from kyodo_shared.domain.actors import Actor, Role
from kyodo_shared.domain.refusals import Expected, Refusal, check_version

log = structlog.get_logger(__name__)

_DECISION = "screening_decision_id"


def agreement_hash(agreement: dict[str, Any]) -> str:
    """SHA-256 of the version's canonical JSON (RFC 8785): what each partner's confirmation names."""
    return hashlib.sha256(canonicalize(agreement)).hexdigest()


class SourceNotArrived(Exception):
    """The adoption names a screening decision not yet arrived here: the timer tries again later."""


class ProjectCommands(EvaluationBase):
    # --- creation -------------------------------------------------------------------------------------------

    def create_from_adoption(self, project_id: UUID, adoption: dict[str, Any], trace: dict[str, str]) -> bool:
        """The timer the adoption's consumer scheduled: the project, once (its id derives from the proposal).
        An adoption naming no department (a call drafted without one) waits for a coordinator to name it."""
        if self.find_project(project_id) is not None:
            return False
        department = adoption.get("department_id")
        decision_id = adoption.get("screening_decision_id")
        screening_project = None
        if decision_id:
            decision = self.sources.screening_decision(str(decision_id))
            if decision is None:
                # A fact on its way from another service: the timer tries again (and readiness says so meanwhile).
                raise SourceNotArrived(f"screening decision {decision_id} has not arrived yet")
            department = department or decision.department_id
            screening_project = decision.project_id
        if not department:
            log.warning(
                "adoption_awaits_department",
                proposal_id=str(adoption["proposal_id"]),
                hint="GET /api/evaluation/adoptions, then POST /api/evaluation/adoptions/<proposal>/project",
            )
            return False
        return self._adopted(project_id, adoption, str(department), screening_project, trace) is not None

    def _adopted(
        self,
        project_id: UUID,
        adoption: dict[str, Any],
        department: str,
        screening_project: str | None,
        trace: dict[str, str],
    ) -> Project | None:
        """The project made for the adoption, as saved; None when another replica made it first."""
        decision_id = adoption.get("screening_decision_id")
        links = {
            "call_id": str(adoption["call_id"]),
            "proposal_id": str(adoption["proposal_id"]),
            "rank": adoption.get("rank"),
            "score": adoption.get("score"),
            "screening_decision_id": str(decision_id) if decision_id else None,
            "screening_project_id": screening_project,
            "form": None,
        }
        project = Project(
            project_id,
            Source.ADOPTION.value,
            UUID(str(adoption["group_id"])),
            UUID(department),
            str(adoption.get("title_ja") or ""),
            links,
            [dict(c) for c in DEFAULT_CRITERIA],
            self.now_text(),
            trace,
        )
        try:
            self.save(project)
        except IntegrityError:
            return None  # another replica made it first
        return project

    def adoptions_awaiting_department(self, actor: Actor) -> list[dict[str, Any]]:
        self._coordinator(actor)
        waiting = self.sources.adoptions_without_department()
        return [a for a in waiting if self.find_project(adoption_project_id(UUID(a["proposal_id"]))) is None]

    def name_department(self, actor: Actor, proposal_id: UUID, department_id: UUID) -> Project:
        """A coordinator names the partnering department of an adoption that named none; the project follows."""
        self._coordinator(actor)
        adoption = self.sources.adoption(str(proposal_id))
        if adoption is None:
            raise Refusal("adoption_not_found")
        project_id = adoption_project_id(proposal_id)
        if self.find_project(project_id) is not None:
            raise Refusal("project_exists", project_id=str(project_id))
        if adoption["department_id"] or adoption["screening_decision_id"]:
            raise Refusal("adoption_names_department")
        if self.view.department(str(department_id)) is None:
            raise Refusal("department_not_found", field="department_id", rule="department_not_found")
        group = self.view.group(str(adoption["group_id"]))
        if group is None or group.status != "registered":
            # Weeks may pass between the adoption and this: a group no longer in good standing gets no project.
            raise Refusal("group_not_registered", status=group.status if group else "unknown")
        project = self._adopted(project_id, adoption, str(department_id), None, actor.trace_dict())
        if project is None:
            raise Refusal("project_exists", project_id=str(project_id))
        # The project as saved, not loaded again: the answer needs nothing from the store after the commit (a store
        # lost then would answer 503 for a project that was made, and a client retrying a 503 trusts nothing was).
        return project

    def create_from_screening(self, actor: Actor, decision_id: UUID, group_id: UUID, form: str) -> Project:
        """A coordinator starts a project from a suitable screening decision whose form needs no call."""
        self._coordinator(actor)
        decision = self.sources.screening_decision(str(decision_id))
        if decision is None:
            raise Refusal(
                "screening_decision_not_found", field="screening_decision_id", rule="screening_decision_not_found"
            )
        if decision.superseded:
            raise Refusal(
                "screening_decision_superseded", field="screening_decision_id", rule="screening_decision_superseded"
            )
        if decision.outcome != "suitable":
            raise Refusal("screening_not_suitable", field=_DECISION, rule="screening_not_suitable")
        if form not in NO_CALL_FORMS:
            raise Refusal("form_needs_call", field="form", rule="form_needs_call")
        if form not in decision.forms:
            raise Refusal("form_not_decided", field="form", rule="form_not_decided")
        group = self.view.group(str(group_id))
        if group is None or group.status != "registered":
            raise Refusal("group_not_registered", field="group_id", rule="group_not_registered")
        project_id = screening_project_id(decision_id, group_id)
        links = {
            "call_id": None,
            "proposal_id": None,
            "screening_decision_id": str(decision_id),
            "screening_project_id": decision.project_id,
            "form": form,
        }
        project = Project(
            project_id,
            Source.SCREENING.value,
            group_id,
            UUID(decision.department_id),
            decision.title,
            links,
            [dict(c) for c in DEFAULT_CRITERIA],
            self.now_text(),
            actor.trace_dict(),
        )
        try:
            self.save(project)
        except IntegrityError:
            raise Refusal("project_exists", project_id=str(project_id)) from None
        return project

    def set_criteria(
        self, actor: Actor, expected: Expected, project_id: UUID, criteria: list[dict[str, Any]]
    ) -> Project:
        """The center adapts the evaluation criteria to the project (the five defaults otherwise), before the
        agreement is concluded."""
        self._coordinator(actor)
        project = self._load_project(project_id, expected)
        project.set_criteria(criteria, actor.trace_dict())
        self.save(project)
        return project

    # --- the agreement --------------------------------------------------------------------------------------

    def draft_agreement(
        self, actor: Actor, expected: Expected, project_id: UUID, agreement: dict[str, Any], reason: str | None
    ) -> Project:
        """A partner (or a coordinator, for the center's help in drafting) puts a version up for confirmation."""
        project = self.get_project(project_id)
        if not actor.has(Role.COORDINATOR):
            self.partner_of(actor, project)
        check_version(project.version, expected)
        check_agreement(agreement)
        project.draft_agreement(
            agreement, agreement_hash(agreement), reason, self.today(), actor.sub, actor.trace_dict()
        )
        self.save(project)
        return project

    def confirm_agreement(self, actor: Actor, project_id: UUID, hash_named: str) -> Project:
        """The group's representative or the department's liaison confirms the version the hash names."""
        project = self.get_project(project_id)
        partner = self.partner_of(actor, project)
        group = self.view.group(str(project.group_id))
        if partner is Partner.GROUP and (group is None or group.representative_sub != actor.sub):
            # Contacts report; an agreement binds the group, so its representative confirms it.
            raise Refusal("representative_only")
        concluded = project.confirm(partner, actor.sub, hash_named, self.today(), self.now_text(), actor.trace_dict())
        if concluded:
            self._schedule_agreement(project)
        self.save(project)
        return project

    # --- interim reports ------------------------------------------------------------------------------------

    def file_report(
        self, actor: Actor, project_id: UUID, index: int, values: list[dict[str, str]], summary_ja: str
    ) -> Project:
        project = self.get_project(project_id)
        partner = self.partner_of(actor, project)
        project.file_report(
            partner, index, values, summary_ja, self.today(), actor.sub, self.now_text(), actor.trace_dict()
        )
        self.save(project)
        return project

    # --- timers ---------------------------------------------------------------------------------------------

    def remind_report(self, project_id: UUID, due_on: str) -> None:
        project = self.get_project(project_id)
        project.remind_report(due_on)
        self.save(project)

    def report_due(self, project_id: UUID, due_on: str) -> None:
        project = self.get_project(project_id)
        project.mark_overdue(due_on)
        self.save(project)

    def end_project(self, project_id: UUID, period_end: str) -> None:
        project = self.get_project(project_id)
        deadline = deadline_after(date.fromisoformat(period_end))
        if project.end(period_end, deadline.isoformat()):
            pid = str(project.id)
            self.timers.schedule(SELF_REMINDER_TIMER, pid, deadline - timedelta(days=REMINDER_DAYS))
            self.timers.schedule(SELF_DEADLINE_TIMER, pid, deadline)
            self.save(project)

    def remind_self_evaluations(self, project_id: UUID) -> None:
        project = self.get_project(project_id)
        project.remind_self_evaluations()
        self.save(project)

    def self_evaluation_deadline(self, project_id: UUID) -> None:
        project = self.get_project(project_id)
        project.unseal_at_deadline(self.now_text())
        self.save(project)
