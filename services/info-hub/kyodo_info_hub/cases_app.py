"""The coordination window's use cases (a mixin of `InfoHubApplication`, on `app_base.InfoHubBase`): raising a case,
routing it to departments with an acknowledgement deadline (a durable timer per department), their
acknowledgements, matching directory groups (the application finds them, each with its reasons), invitations,
links, the outcome; and the month's published figures (a timer at the first midnight of the next month). A
citizen's contact is erased (its key destroyed) by a timer once its retention has passed.

Timers are scheduled before the save they belong to: scheduling is idempotent (the timer's id derives from its kind,
aggregate and time), and a timer left without its save (the save refused or lost) finds nothing to do when due —
whereas a save whose timer was lost would leave a deadline nobody checks.

Who acts is decided from info-hub's own view of the registry (`people_view`); commands never read the cases'
query tables.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any
from uuid import UUID

import structlog
from eventsourcing.persistence import IntegrityError

from kyodo_info_hub.app_base import tokyo_midnight
from kyodo_info_hub.cases import Case, LinkKind, MonthlyFigures, Outcome, RaiserKind, Urgency, figures_id
from kyodo_info_hub.cases_figures import compute, first_day, month_of, next_month, vocabulary
from kyodo_info_hub.cases_matching import matches
from kyodo_info_hub.cases_queries import CaseReads
from kyodo_info_hub.settings import CASE_CONTACT_RECORD
from kyodo_shared.domain.actors import Actor, Role
from kyodo_shared.domain.refusals import Expected, Refusal
from kyodo_shared.privacy.vault import RetentionNotElapsed
from kyodo_shared.tasks.timers import Action, Timer

log = structlog.get_logger(__name__)

ACKNOWLEDGE_TIMER = "info_hub.case.acknowledge_due"
FIGURES_TIMER = "info_hub.cases.monthly_figures"
# A citizen's contact key is destroyed by this timer once its retention has passed (aggregate: the subject id).
CONTACT_ERASE_TIMER = "info_hub.case.contact_erase"
# Acknowledgements need no If-Match: one lost to a concurrent change of the case is tried again this many times.
ATTEMPTS = 8
_CASE_TOPICS = tuple(
    f"kyodo_info_hub.cases:Case.{name}"
    for name in ("Raised", "Routed", "Acknowledged", "AcknowledgementOverdue", "Closed")
)


def timer_trace(timer: Timer, actor: str) -> dict[str, str]:
    return {"correlation_id": timer.timer_id, "causation_id": timer.timer_id, "actor": actor}


class CaseCommands(CaseReads):
    def case_timer_actions(self) -> dict[str, Action]:
        """The durable timers of this part and what each does when due."""
        return {
            ACKNOWLEDGE_TIMER: self.acknowledgement_due,
            FIGURES_TIMER: self.figures_due,
            CONTACT_ERASE_TIMER: self.contact_erasure_due,
        }

    def _save_case(self, case: Case) -> None:
        """Every command answers with the case as its reader may see it, the citizen's contact decrypted for the
        center (`api_cases.case_view`): its key is read before the save, so the answer never needs the store after
        the commit (a store lost then would answer 503 for a command that was written, and a client retrying a 503
        trusts that nothing was). Outside a request (a timer) nothing is read."""
        if case.contact is not None:
            self.vault.hold([case.contact])
        self.save(case)

    # --- raising ---------------------------------------------------------------------------------------------

    def raise_case(
        self,
        actor: Actor,
        raiser: RaiserKind,
        raiser_id: UUID | None,
        problem_ja: str,
        problem_en: str | None,
        fields_of_activity: list[str],
        area: str,
        urgency: Urgency,
        contact: dict[str, str] | None,
    ) -> Case:
        """By a group's representative or contact (naming it), a department's liaison (naming it), or the center
        on behalf of a group, a department or a citizen (whose contact details, if any, are sealed)."""
        center = actor.has(Role.COORDINATOR)
        party = str(raiser_id) if raiser_id is not None else None
        if raiser is RaiserKind.CITIZEN and party is not None:
            raise Refusal("citizen_names_no_party", field="group_id", rule="citizen_names_no_party")
        if raiser is not RaiserKind.CITIZEN and party is None:
            field = "group_id" if raiser is RaiserKind.GROUP else "department_id"
            raise Refusal("raiser_id_required", field=field, rule="raiser_id_required")
        if raiser is RaiserKind.GROUP and party is not None:
            if self.people.group(party) is None:
                raise Refusal("case_group_unknown", field="group_id", rule="case_group_unknown")
            if not (center or (actor.has(Role.GROUP) and self.people.acts_for(actor.sub, party))):
                raise Refusal("case_not_for_this_group")
        elif raiser is RaiserKind.DEPARTMENT and party is not None:
            if not self.people.department_exists(party):
                raise Refusal("case_department_unknown", field="department_id", rule="case_department_unknown")
            if not (center or (actor.has(Role.STAFF) and self.people.is_liaison(actor.sub, party, self.today()))):
                raise Refusal("case_not_the_liaison")
        else:
            self._coordinator(actor)
        if contact and raiser is not RaiserKind.CITIZEN:
            raise Refusal("contact_for_citizens_only", field="contact", rule="contact_for_citizens_only")
        now = self.now()
        sealed = None
        if contact and CASE_CONTACT_RECORD not in self.vault.retention_days:
            # InfoHubSettings always sets one (3 years by default); only an application made with the kernel's plain
            # settings lacks it: the contact is then not taken rather than kept without an end.
            log.error("case_contact_retention_unset", record_kind=CASE_CONTACT_RECORD)
            raise Refusal("contact_retention_unset")
        subject = f"case-contact:{uuid.uuid4()}"
        if contact:
            # A subject id of the citizen's own: erasing it (key destruction) leaves the case and its figures whole.
            # Nobody will ask for it: the key is destroyed by a timer once the retention has passed.
            sealed = self.vault.encrypt(subject, CASE_CONTACT_RECORD, dict(contact), now)
        case = Case(
            raiser.value,
            party,
            actor.sub,
            center,
            problem_ja,
            problem_en,
            list(fields_of_activity),
            area,
            urgency.value,
            sealed,
            now.isoformat(),
            actor.trace_dict(),
        )
        if sealed is not None:
            self._schedule_contact_erasure(case.id, subject)
        self._schedule_figures(month_of(now))
        self._save_case(case)
        log.info("case_raised", case_id=str(case.id), raiser=raiser.value, urgency=urgency.value)
        return case

    # --- routing and acknowledgement -------------------------------------------------------------------------

    def route_case(self, actor: Actor, expected: Expected, case_id: UUID, department_ids: list[UUID]) -> Case:
        self._coordinator(actor)
        case = self._case(case_id, expected)
        for n, department in enumerate(department_ids):
            if not self.people.department_exists(str(department)):
                raise Refusal("case_department_unknown", field=f"department_ids.{n}", rule="case_department_unknown")
        due = tokyo_midnight(self.today() + timedelta(days=self.center.acknowledge_days + 1))
        now = self.now()
        case.route([str(d) for d in department_ids], due.isoformat(), actor.sub, now.isoformat(), actor.trace_dict())
        for department in department_ids:
            # One timer per department (its id derives from its aggregate id and time), before the save: a routing
            # saved is never without its deadline's timer; a timer whose save failed finds no routing (or a later
            # deadline) and does nothing.
            aggregate = f"{case.id}:{department}"
            self.timers.schedule(
                ACKNOWLEDGE_TIMER, aggregate, due, {"case_id": str(case.id), "department_id": str(department)}
            )
        self._save_case(case)
        return case

    def acknowledge_case(self, actor: Actor, case_id: UUID, department_id: UUID) -> Case:
        """The routed department's liaison (on today's appointment) takes the case up. Needs no If-Match (nothing
        the liaison read decides it): a save lost to another department's acknowledgement is simply tried again."""
        department = str(department_id)
        for _ in range(ATTEMPTS):
            case = self._get(case_id, Case, "case_not_found")
            if self.case_access(actor, case) is None:
                raise Refusal("case_not_found")
            # The staff role as well as the appointment: the liaison takes a case up for the department only
            # signed in as its staff.
            if not (actor.has(Role.STAFF) and self.people.is_liaison(actor.sub, department, self.today())):
                raise Refusal("case_not_the_liaison")
            case.acknowledge(department, actor.sub, self.now().isoformat(), actor.trace_dict())
            try:
                self._save_case(case)
            except IntegrityError:
                continue
            return case
        raise Refusal("case_busy")

    def acknowledgement_due(self, timer: Timer) -> None:
        """The deadline passed: recorded overdue once, if the department still has not acknowledged."""
        case = self._find(UUID(timer.payload["case_id"]), Case)
        if case is None:
            return
        if case.mark_overdue(str(timer.payload["department_id"]), self.now().isoformat()):
            self._save_case(case)
            log.info("case_acknowledgement_overdue", case_id=str(case.id), department_id=timer.payload["department_id"])

    # --- matching groups, invitations, links, the outcome ----------------------------------------------------

    def suggest_groups(self, actor: Actor, expected: Expected, case_id: UUID) -> Case:
        self._coordinator(actor)
        case = self._case(case_id, expected)
        found = matches(case, self.people.registered_groups())
        case.suggest(found, actor.sub, self.now().isoformat(), actor.trace_dict())
        self._save_case(case)
        return case

    def invite_groups(self, actor: Actor, expected: Expected, case_id: UUID, group_ids: list[UUID]) -> Case:
        """Among those suggested or any registered group of the directory."""
        self._coordinator(actor)
        case = self._case(case_id, expected)
        for n, group_id in enumerate(group_ids):
            card = self.people.group(str(group_id))
            if card is None or card.status != "registered":
                raise Refusal("case_group_not_registered", field=f"group_ids.{n}", rule="case_group_not_registered")
        case.invite([str(g) for g in group_ids], actor.sub, self.now().isoformat(), actor.trace_dict())
        self._save_case(case)
        return case

    def link_case(self, actor: Actor, expected: Expected, case_id: UUID, kind: LinkKind, target_id: UUID) -> Case:
        self._coordinator(actor)
        case = self._case(case_id, expected)
        case.link(kind, str(target_id), actor.sub, self.now().isoformat(), actor.trace_dict())
        self._save_case(case)
        return case

    def close_case(
        self, actor: Actor, expected: Expected, case_id: UUID, outcome: Outcome, reason_ja: str, reason_en: str | None
    ) -> Case:
        self._coordinator(actor)
        case = self._case(case_id, expected)
        case.close(outcome, reason_ja, reason_en, actor.sub, self.now().isoformat(), actor.trace_dict())
        self._save_case(case)
        return case

    # --- a citizen's contact: erased once its retention has passed --------------------------------------------

    def _schedule_contact_erasure(self, case_id: UUID, subject: str) -> None:
        until = self.vault.erasable_from(subject)
        if until is not None:
            # One timer per citizen (keyed by the subject); its time moves with the retention's end.
            self.timers.schedule(CONTACT_ERASE_TIMER, subject, until, {"case_id": str(case_id)})

    def contact_erasure_due(self, timer: Timer) -> None:
        """The citizen's key destroyed (crypto-shredding): the case stays whole, its contact unreadable. A
        retention extended meanwhile moves the timer to its new end."""
        subject, case_id = timer.aggregate_id, str(timer.payload["case_id"])
        try:
            erased = self.vault.erase(subject, self.clock())
        except RetentionNotElapsed:
            self._schedule_contact_erasure(UUID(case_id), subject)
            return
        log.info("case_contact_erased", case_id=case_id, erased=erased)

    # --- the month's figures ---------------------------------------------------------------------------------

    def _schedule_figures(self, month: str) -> None:
        """The figures of `month` at the first midnight after it (scheduling it again changes nothing)."""
        due = tokyo_midnight(first_day(next_month(month)))
        self.timers.schedule(FIGURES_TIMER, str(figures_id(month)), due, {"month": month})

    def figures_due(self, timer: Timer) -> None:
        month = str(timer.payload["month"])
        self.publish_figures(month, "timer")
        self._schedule_figures(next_month(month))

    def publish_figures(self, month: str, trigger: str) -> MonthlyFigures | None:
        """Computed from every case event stored (all of them, each month: a city's cases are thousands, not
        millions); the fields of activity published are those the directory's registered groups use now. Once per
        month (None when it was already published)."""
        if self._find(figures_id(month), MonthlyFigures) is not None:
            return None
        events: list[Any] = []
        start = 0
        while True:
            batch = self.recorder.select_notifications(
                start=start, limit=500, topics=_CASE_TOPICS, inclusive_of_start=False
            )
            if not batch:
                break
            events.extend(self.mapper.to_domain_event(n) for n in batch)
            start = batch[-1].id
        known = vocabulary(g.fields_of_activity for g in self.people.registered_groups())
        figures = MonthlyFigures(month, compute(month, events, known), self.now().isoformat(), trigger)
        try:
            self.save(figures)
        except IntegrityError:
            return None  # another replica published it first
        log.info("case_figures_published", month=month, trigger=trigger)
        return figures

    def publish_past_figures(self, actor: Actor, month: str) -> MonthlyFigures:
        """A coordinator publishes a month that is over and has none (before the timer existed, say)."""
        self._coordinator(actor)
        if month >= month_of(self.now()):
            raise Refusal("month_not_over", field="month", rule="month_not_over")
        published = self.publish_figures(month, "coordinator")
        if published is None:
            raise Refusal("figures_published", month=month)
        return published
