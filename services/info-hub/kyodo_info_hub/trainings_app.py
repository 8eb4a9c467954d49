"""The center's trainings, courses and exchange meetings as use cases (a mixin of `InfoHubApplication`): the
center plans, announces, cancels, records attendance and publishes minutes; groups' people, staff and citizens
register (`trainings_registrations.py`); the reminder timer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import structlog

from kyodo_info_hub.registrations_app import ERASE_TIMER, RegistrationCommands
from kyodo_info_hub.trainings import Kind, Status, Training, check_plan
from kyodo_shared.domain.actors import Actor, Role
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.domain.refusals import Expected, Refusal, check_version
from kyodo_shared.tasks.timers import Action, Timer

log = structlog.get_logger(__name__)

REMINDER_TIMER = "info_hub.training.reminder"
# The reminder goes out this long before the start (at once, when the training is announced later than that).
REMINDER_BEFORE = timedelta(days=1)
_TIMES = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")


def plan_of(fields: dict[str, Any]) -> dict[str, Any]:
    """A plan as events keep it: times as ISO 8601 in Asia/Tokyo, absent optionals as None."""
    plan = {k: fields.get(k) for k in ("title_ja", "title_en", "description_ja", "description_en", "place")}
    plan["online_url"] = str(fields["online_url"]) if fields.get("online_url") else None
    plan["capacity"] = int(fields["capacity"])
    plan["audience"] = [str(a) for a in fields["audience"]]
    for key in _TIMES:
        value = fields[key]
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        plan[key] = moment.astimezone(TOKYO).isoformat()
    return plan


class TrainingCommands(RegistrationCommands):
    def training_timer_actions(self) -> dict[str, Action]:
        """The durable timers of this part and what each does when due."""

        def remind(timer: Timer) -> None:
            trace = {"correlation_id": timer.timer_id, "causation_id": timer.timer_id, "actor": "system:reminder-timer"}
            self.remind_training(UUID(timer.aggregate_id), str(timer.payload["starts_at"]), trace)

        def erase(timer: Timer) -> None:
            self.erase_registrant(UUID(str(timer.payload["training_id"])), timer.aggregate_id)

        return {REMINDER_TIMER: remind, ERASE_TIMER: erase}

    def _now_text(self) -> str:
        return self.now().isoformat()

    # --- the center -----------------------------------------------------------------------------------------

    def draft_training(self, actor: Actor, kind: str, fields: dict[str, Any]) -> Training:
        self._coordinator(actor)
        plan = plan_of(fields)
        check_plan(plan)
        training = Training(Kind(kind).value, plan, self._now_text(), actor.trace_dict())
        # A fresh uuid4 per training (eventsourcing's default for a Created without an id argument).
        self.save(training)
        return training

    def _planned(
        self, actor: Actor, expected: Expected, training_id: UUID, command: Callable[[Training, str], None]
    ) -> Training:
        """A command of the center: If-Match against the plan's version (registrations do not change it), a save
        that lost a race with a registration tried again on the new state (the precondition checked again), and the
        reminder scheduled before the save (a timer left by a failed save finds nothing to remind of)."""
        self._coordinator(actor)

        def run(training: Training) -> None:
            check_version(training.plan_version, expected)
            command(training, self._now_text())
            self._schedule_reminder(training)

        training, _ = self._changed(training_id, run)
        return training

    def revise_training(self, actor: Actor, expected: Expected, training_id: UUID, fields: dict[str, Any]) -> Training:
        plan, trace = plan_of(fields), actor.trace_dict()
        return self._planned(actor, expected, training_id, lambda t, now: t.revise(plan, now, trace))

    def announce_training(self, actor: Actor, expected: Expected, training_id: UUID) -> Training:
        trace = actor.trace_dict()
        return self._planned(actor, expected, training_id, lambda t, now: t.announce(now, trace))

    def cancel_training(
        self, actor: Actor, expected: Expected, training_id: UUID, reason_ja: str, reason_en: str | None
    ) -> Training:
        trace = actor.trace_dict()
        return self._planned(actor, expected, training_id, lambda t, now: t.cancel(reason_ja, reason_en, now, trace))

    def record_attendance(
        self, actor: Actor, expected: Expected, training_id: UUID, registration_ids: list[str]
    ) -> Training:
        trace = actor.trace_dict()
        return self._planned(
            actor, expected, training_id, lambda t, now: t.record_attendance(registration_ids, now, trace)
        )

    def publish_minutes(
        self, actor: Actor, expected: Expected, training_id: UUID, minutes_ja: str, minutes_en: str | None
    ) -> Training:
        trace = actor.trace_dict()
        return self._planned(
            actor, expected, training_id, lambda t, now: t.publish_minutes(minutes_ja, minutes_en, now, trace)
        )

    # --- reading --------------------------------------------------------------------------------------------

    def read_training(self, actor: Actor | None, training_id: UUID) -> Training:
        """Announced and cancelled trainings are public; a draft is the center's (others: as if none)."""
        training = self._get(training_id, Training, "training_not_found")
        if training.status == Status.DRAFT and not (actor is not None and actor.has(Role.COORDINATOR)):
            raise Refusal("training_not_found")
        return training

    # --- the reminder ---------------------------------------------------------------------------------------

    def _schedule_reminder(self, training: Training) -> None:
        if training.status != Status.ANNOUNCED:
            return
        starts = datetime.fromisoformat(training.plan["starts_at"])
        at = max(starts - REMINDER_BEFORE, self.clock())
        if at < starts:
            self.timers.schedule(REMINDER_TIMER, str(training.id), at, {"starts_at": training.plan["starts_at"]})

    def remind_training(self, training_id: UUID, starts_at: str, trace: dict[str, str] | None = None) -> None:
        """The timer: the reminder contract (training id, start, counts) once per start time; a revised start, a
        cancelled training or a repeated delivery does nothing (a lost race with a registration: tried again)."""
        if self._find(training_id, Training) is None:
            return
        _, reminded = self._changed(training_id, lambda t: t.remind(starts_at, trace))
        if reminded:
            log.info("training_reminder_due", training_id=str(training_id), starts_at=starts_at)
