"""What every evaluation use case shares: the constructor's dependencies, loading an aggregate once at the version
the caller saw, who acts for which partner (from the service's own view of the registry), and the timers.

Dependencies come in through the constructor (the composition root, `main`, builds them): the service's clock, its
durable timers, the registry view and the view of the sources (adoptions, screening decisions), and the audit keys
that sign self-evaluation receipts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.application import Application

from kyodo_evaluation.committee import CommitteeEvaluation, committee_evaluation_id
from kyodo_evaluation.domain import Project
from kyodo_evaluation.registry_view import RegistryView
from kyodo_evaluation.sources_view import SourcesView
from kyodo_evaluation.vocabulary import Partner
from kyodo_shared.audit.keys import AuditKeys
from kyodo_shared.domain.actors import Actor, Role
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.domain.refusals import Expected, Refusal, check_version
from kyodo_shared.store.aggregates import find, get
from kyodo_shared.tasks.timers import Timers

REPORT_REMINDER_TIMER = "evaluation.report.reminder"
REPORT_DUE_TIMER = "evaluation.report.due"
END_TIMER = "evaluation.project.end"
SELF_REMINDER_TIMER = "evaluation.self_evaluation.reminder"
SELF_DEADLINE_TIMER = "evaluation.self_evaluation.deadline"
# How long before a date its reminder is published, and how long partners have to self-evaluate after the end.
REMINDER_DAYS = 7
SELF_EVALUATION_DAYS = 30
# Committee members act on one evaluation at once: a lost race is simply tried again.
ATTEMPTS = 8


def tokyo_midnight(day: date) -> datetime:
    """The first moment of a Tokyo calendar day: a date "by the end of day D" has passed at midnight of D + 1."""
    return datetime.combine(day, time(0, 0), tzinfo=TOKYO)


class EvaluationBase(Application[UUID]):
    """The eventsourcing Application of the evaluation service, with its dependencies and shared helpers."""

    name = "evaluation"

    def __init__(
        self,
        *,
        env: dict[str, str],
        clock: Callable[[], datetime],
        timers: Timers,
        view: RegistryView,
        sources: SourcesView,
        keys: AuditKeys,
    ) -> None:
        super().__init__(env=env)
        # Times come from the clock here, never from inside an event.
        self.clock, self.timers, self.view, self.sources, self.keys = clock, timers, view, sources, keys

    def today(self) -> date:
        return self.clock().astimezone(TOKYO).date()

    def now_text(self) -> str:
        return self.clock().astimezone(TOKYO).isoformat()

    def receipt_key(self) -> tuple[Ed25519PrivateKey, str]:
        """The service's current receipt signing key and its id (published like the checkpoints' keys)."""
        ring = self.keys.ring()
        return ring.private(ring.active), ring.active

    # --- loading --------------------------------------------------------------------------------------------

    def get_project(self, project_id: UUID) -> Project:
        return get(self.repository, project_id, Project, "project_not_found")

    def find_project(self, project_id: UUID) -> Project | None:
        return find(self.repository, project_id, Project)

    def _load_project(self, project_id: UUID, expected: Expected) -> Project:
        """The project at the version the caller saw (If-Match): 404 first, then 428 or 412."""
        project = self.get_project(project_id)
        check_version(project.version, expected)
        return project

    def get_committee(self, project_id: UUID) -> CommitteeEvaluation:
        self.get_project(project_id)
        return get(self.repository, committee_evaluation_id(project_id), CommitteeEvaluation, "committee_not_open")

    def find_committee(self, project_id: UUID) -> CommitteeEvaluation | None:
        return find(self.repository, committee_evaluation_id(project_id), CommitteeEvaluation)

    # --- who acts -------------------------------------------------------------------------------------------

    def partner_of(self, actor: Actor, project: Project) -> Partner:
        """The partner the caller acts for: the group (its representative or a contact, signed in with the group
        role) or the department (its liaison, appointed by today, signed in with the staff role). Anyone else is
        refused, coordinators included: a partner's word is its own. The role as well as the registry's record: a
        person whose staff role the login provider has withdrawn no longer speaks for the department."""
        if actor.has(Role.GROUP) and self.view.acts_for(actor.sub, str(project.group_id)):
            return Partner.GROUP
        if actor.has(Role.STAFF) and self.view.is_liaison(actor.sub, str(project.department_id), self.today()):
            return Partner.DEPARTMENT
        raise Refusal("not_a_partner")

    def may_read_project(self, actor: Actor, project: Project) -> bool:
        """Partners, the department's staff, coordinators, evaluators and auditors; a group's people with the group
        role, the department's with the staff role (as `partner_of`)."""
        if actor.has(Role.COORDINATOR) or actor.has(Role.AUDITOR) or actor.has(Role.EVALUATOR):
            return True
        if actor.has(Role.GROUP) and self.view.acts_for(actor.sub, str(project.group_id)):
            return True
        department = str(project.department_id)
        return actor.has(Role.STAFF) and (
            self.view.is_liaison(actor.sub, department, self.today())
            or self.view.on_staff(actor.sub, department, self.today())
        )

    def _readable(self, actor: Actor, project_id: UUID) -> Project:
        project = self.get_project(project_id)
        if not self.may_read_project(actor, project):
            # Not a party to it: as if it did not exist (its drafts and reports are the partners' until published).
            raise Refusal("project_not_found")
        return project

    def _coordinator(self, actor: Actor) -> None:
        if not actor.has(Role.COORDINATOR):
            raise Refusal("coordinator_only")

    # --- timers ---------------------------------------------------------------------------------------------

    def _schedule_agreement(self, project: Project) -> None:
        """The timers of the agreement in force: a reminder before and a check after each report date, and the end.
        Timers of an earlier version stay and find nothing to do (their date is no longer the agreement's)."""
        agreement = project.agreement
        assert agreement is not None
        now, pid = self.clock(), str(project.id)
        for text in agreement["report_dates"]:
            due = date.fromisoformat(text)
            # The date names the report (its place may change with an amendment that adds a later date).
            payload = {"due_on": text}
            remind_at = tokyo_midnight(due - timedelta(days=REMINDER_DAYS))
            if remind_at > now:
                self.timers.schedule(REPORT_REMINDER_TIMER, pid, remind_at, payload)
            self.timers.schedule(REPORT_DUE_TIMER, pid, tokyo_midnight(due + timedelta(days=1)), payload)
        end = date.fromisoformat(agreement["period_end"])
        self.timers.schedule(END_TIMER, pid, tokyo_midnight(end + timedelta(days=1)), {"period_end": end.isoformat()})


def deadline_after(period_end: date) -> datetime:
    """Self-evaluations are due by the end of the 30th day after the project's last day."""
    return tokyo_midnight(period_end + timedelta(days=SELF_EVALUATION_DAYS + 1))
