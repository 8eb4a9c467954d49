"""The survey of groups (実態調査): the center's use cases — building the questionnaire, the target set and
invitations, the answer window's timers, groups' answers, and the statistics published at the close.

Timers are scheduled before the save they belong to (as the other parts do): a timer left without its save finds
nothing to do when due. The answers (`survey_answering.py`) and the statistics' inputs (`survey_closing.py`) are
split off to keep modules small.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID, uuid4

import structlog
from eventsourcing.persistence import IntegrityError

from kyodo_info_hub.survey_answering import ATTEMPTS, SurveyAnswering, require_restricted_reader, restricted_reader
from kyodo_info_hub.survey_closing import statistics_of
from kyodo_info_hub.survey_questionnaire import check_questionnaire
from kyodo_info_hub.surveys import Status, Survey
from kyodo_shared.domain.actors import Actor
from kyodo_shared.domain.refusals import Expected, Refusal, check_version
from kyodo_shared.tasks.timers import Action, Timer

log = structlog.get_logger(__name__)

OPEN_TIMER = "info_hub.survey.open"
REMINDER_TIMER = "info_hub.survey.reminder"
CLOSE_TIMER = "info_hub.survey.close"
T = TypeVar("T")


def _trace(timer: Timer, actor: str) -> dict[str, str]:
    return {"correlation_id": timer.timer_id, "causation_id": timer.timer_id, "actor": actor}


class SurveyCommands(SurveyAnswering):
    def survey_timer_actions(self) -> dict[str, Action]:
        """The durable timers of this part and what each does when due."""

        def opening(timer: Timer) -> None:
            self.open_survey(UUID(timer.aggregate_id), _trace(timer, "system:survey-open-timer"))

        def reminder(timer: Timer) -> None:
            trace = _trace(timer, "system:survey-reminder-timer")
            self.remind_survey(UUID(timer.aggregate_id), str(timer.payload["due_at"]), trace)

        def closing(timer: Timer) -> None:
            self.close_survey(UUID(timer.aggregate_id), _trace(timer, "system:survey-close-timer"))

        return {OPEN_TIMER: opening, REMINDER_TIMER: reminder, CLOSE_TIMER: closing}

    # --- loading and saving ---------------------------------------------------------------------------------

    def _survey_changed(self, survey_id: UUID, command: Callable[[Survey], T]) -> tuple[Survey, T]:
        """Load, command, save; a save lost to a concurrent submission is tried again on the new state."""
        for attempt in range(ATTEMPTS):
            survey = self._get(survey_id, Survey, "survey_not_found")
            outcome = command(survey)
            try:
                self.save(survey)
            except IntegrityError:
                log.info("survey_save_retried", survey_id=str(survey_id), attempt=attempt + 1)
                continue
            return survey, outcome
        raise Refusal("survey_busy")

    def _defined(
        self, actor: Actor, expected: Expected, survey_id: UUID, command: Callable[[Survey, str], None]
    ) -> Survey:
        """A command of the center: If-Match against the definition's version (submissions do not change it)."""
        self._coordinator(actor)

        def run(survey: Survey) -> None:
            check_version(survey.definition_version, expected)
            command(survey, self.now().isoformat())
            self._schedule(survey)

        survey, _ = self._survey_changed(survey_id, run)
        return survey

    # --- the center -----------------------------------------------------------------------------------------

    def draft_survey(self, actor: Actor, questionnaire: dict[str, Any]) -> Survey:
        self._coordinator(actor)
        check_questionnaire(questionnaire)
        survey = Survey(questionnaire, self.now().isoformat(), actor.trace_dict())
        self.save(survey)
        return survey

    def revise_survey(self, actor: Actor, expected: Expected, survey_id: UUID, questionnaire: dict[str, Any]) -> Survey:
        trace = actor.trace_dict()
        return self._defined(actor, expected, survey_id, lambda s, now: s.revise(questionnaire, now, trace))

    def choose_crosstabs(self, actor: Actor, expected: Expected, survey_id: UUID, pairs: list[list[str]]) -> Survey:
        trace = actor.trace_dict()
        return self._defined(actor, expected, survey_id, lambda s, now: s.choose_crosstabs(pairs, now, trace))

    def announce_survey(self, actor: Actor, expected: Expected, survey_id: UUID) -> Survey:
        trace = actor.trace_dict()
        return self._defined(actor, expected, survey_id, lambda s, now: s.announce(now, trace))

    def cancel_survey(
        self, actor: Actor, expected: Expected, survey_id: UUID, reason_ja: str, reason_en: str | None
    ) -> Survey:
        trace = actor.trace_dict()
        return self._defined(actor, expected, survey_id, lambda s, now: s.cancel(reason_ja, reason_en, now, trace))

    def invite_group(self, actor: Actor, survey_id: UUID, name_ja: str, name_en: str | None) -> tuple[Survey, str, str]:
        """An invitation and its one-time link's token (returned once; only its hash is kept, outside the events)."""
        self._coordinator(actor)
        invitation_id, trace = str(uuid4()), actor.trace_dict()

        def invite(survey: Survey) -> str:
            survey.invite(invitation_id, name_ja, name_en, self.now().isoformat(), trace)
            return self._issued(survey_id, invitation_id)

        survey, token = self._survey_changed(survey_id, invite)
        return survey, invitation_id, token

    def reissue_invitation(self, actor: Actor, survey_id: UUID, invitation_id: str) -> tuple[Survey, str]:
        """A new token replaces the invitation's link (the old one stops working at once)."""
        self._coordinator(actor)
        trace = actor.trace_dict()

        def reissue(survey: Survey) -> str:
            survey.reissue(invitation_id, self.now().isoformat(), trace)
            return self._issued(survey_id, invitation_id)

        return self._survey_changed(survey_id, reissue)

    def _issued(self, survey_id: UUID, invitation_id: str) -> str:
        """The link's token, stored once the survey took the invitation (a refused one stores nothing) and before
        the survey's save: the save's commit is the command's last statement, so a store lost before it answers 503
        with the invitation not recorded (a hash no invitation of the survey has opens nothing, and the token was
        shown to nobody; a reissue's has replaced the old link, which the center reissues again), and never after
        it — where a client retrying the 503 would invite the group twice."""
        return self.invitation_tokens.issue(str(survey_id), invitation_id, self.now().isoformat())

    # --- reading --------------------------------------------------------------------------------------------

    def read_survey(self, actor: Actor | None, survey_id: UUID) -> Survey:
        """Announced, open, closed and cancelled surveys are public; a draft is the center's (others: none)."""
        survey = self._get(survey_id, Survey, "survey_not_found")
        if survey.status == Status.DRAFT and not restricted_reader(actor):
            raise Refusal("survey_not_found")
        return survey

    def survey_statistics(self, survey_id: UUID) -> tuple[Survey, dict[str, Any]]:
        """The published statistics: never before the close, for anyone."""
        survey = self._get(survey_id, Survey, "survey_not_found")
        if survey.status == Status.DRAFT:
            raise Refusal("survey_not_found")
        if survey.status == Status.CANCELLED:
            raise Refusal("survey_cancelled")
        if survey.statistics is None:
            raise Refusal("survey_statistics_not_published", state=survey.status.value)
        return survey, survey.statistics

    def invitations(
        self, actor: Actor | None, survey_id: UUID, offset: int, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        """The invited groups' names, in the order they were invited (one page, and how many): coordinators and
        auditors only."""
        require_restricted_reader(actor)
        survey = self._get(survey_id, Survey, "survey_not_found")
        page = list(survey.invitations.items())[offset : offset + limit]
        items = [{"invitation_id": iid, **found, "submitted_at": survey.submitted.get(iid)} for iid, found in page]
        return items, len(survey.invitations)

    # --- the timers -----------------------------------------------------------------------------------------

    def _schedule(self, survey: Survey) -> None:
        if survey.status != Status.ANNOUNCED:
            return
        now = self.clock()
        opens, closes = datetime.fromisoformat(survey.opens_at), datetime.fromisoformat(survey.closes_at)
        sid = str(survey.id)
        # Every due time computed before any timer is scheduled (the questionnaire's rules keep them in the window).
        reminders = [closes - timedelta(days=int(days)) for days in survey.questionnaire["reminder_days"]]
        self.timers.schedule(OPEN_TIMER, sid, max(opens, now), {"opens_at": survey.opens_at})
        for due in reminders:
            if due > opens and due > now:
                self.timers.schedule(REMINDER_TIMER, sid, due, {"due_at": due.isoformat()})
        self.timers.schedule(CLOSE_TIMER, sid, max(closes, now), {"closes_at": survey.closes_at})

    def _targets(self, survey: Survey) -> list[str]:
        """The registered groups matching the survey's filter (fields and/or areas), from the directory."""
        wanted = survey.questionnaire["targets"]
        fields, areas = set(wanted.get("fields") or []), set(wanted.get("areas") or [])
        return [
            g.group_id
            for g in self.people.registered_groups()
            if (not fields or fields & set(g.fields_of_activity)) and (not areas or g.area in areas)
        ]

    def matching_groups(self, survey: Survey) -> list[str]:
        """The registered groups the survey's filter matches today: its target set were it to open now (the opening
        fixes it), for the center's page."""
        return self._targets(survey)

    def open_survey(self, survey_id: UUID, trace: dict[str, str]) -> bool:
        if self._find(survey_id, Survey) is None:
            return False
        now = self.now().isoformat()
        _, opened = self._survey_changed(survey_id, lambda s: s.open(self._targets(s), now, trace))
        if opened:
            log.info("survey_opened", survey_id=str(survey_id))
        return opened

    def remind_survey(self, survey_id: UUID, due_at: str, trace: dict[str, str]) -> bool:
        if self._find(survey_id, Survey) is None:
            return False
        _, reminded = self._survey_changed(survey_id, lambda s: s.remind(due_at, trace))
        return reminded

    def close_survey(self, survey_id: UUID, trace: dict[str, str]) -> bool:
        """The close: opened first if its opening has not run yet, then the statistics of the submitted answers
        (loaded from the store), recorded with the close."""
        if self._find(survey_id, Survey) is None:
            return False
        now = self.now().isoformat()

        def close(survey: Survey) -> bool:
            survey.open(self._targets(survey), now, trace)
            if survey.status != Status.OPEN or datetime.fromisoformat(now) < datetime.fromisoformat(survey.closes_at):
                return False
            return survey.close(statistics_of(self, survey), now, trace)

        _, closed = self._survey_changed(survey_id, close)
        if closed:
            log.info("survey_closed", survey_id=str(survey_id))
        return closed
