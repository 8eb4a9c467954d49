"""Screening rounds: a coordinator drafts a round for a fiscal year (its checklist and the departments in scope),
opens it (the checklist is fixed and the team is the registry's team on that day), and closes it. The self-check
deadline is a durable timer."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from kyodo_screening.app_base import CLOSE_TIMER, SELF_CHECK_TIMER, YEAR_END_TIMER, ScreeningBase, tokyo_midnight
from kyodo_screening.domain import Round
from kyodo_screening.index import carried_pending, projected_up_to, undecided_in_round
from kyodo_screening.vocabulary import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR, RoundStatus, fiscal_year_span
from kyodo_shared.domain.actors import Actor
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.domain.refusals import Expected, Refusal

# Long enough for a command that found the round open to finish saving (a request takes milliseconds).
CLOSE_GRACE = timedelta(minutes=1)


# How long the close timer waits for the query tables before it gives up until its next try.
INDEX_WAIT_STEPS, INDEX_WAIT_STEP_SECONDS = 50, 0.1


class IndexBehind(RuntimeError):
    """The query tables have not caught up with the store yet: a timer's action that needs them is tried again."""


class RoundCommands(ScreeningBase):
    def _plannable(self, spec: dict[str, Any]) -> None:
        """A real fiscal year not over yet, departments the registry knows, a deadline inside the year and ahead."""
        fiscal_year = int(spec["fiscal_year"])
        if not FIRST_FISCAL_YEAR <= fiscal_year <= LAST_FISCAL_YEAR:
            raise Refusal("fiscal_year_invalid", field="fiscal_year", fiscal_year=str(fiscal_year))
        first, last = fiscal_year_span(fiscal_year)
        if self.today() > last:
            raise Refusal("fiscal_year_over", field="fiscal_year", fiscal_year=str(fiscal_year))
        for department_id in spec["department_ids"]:
            self._department_known(UUID(str(department_id)))
        deadline = datetime.fromisoformat(str(spec["self_check_deadline"]))
        day = deadline.astimezone(TOKYO).date()
        if not first <= day <= last:
            raise Refusal(
                "deadline_outside_fiscal_year",
                field="self_check_deadline",
                fiscal_year=str(fiscal_year),
                first=first.isoformat(),
                last=last.isoformat(),
            )
        if deadline <= self.clock():
            raise Refusal("deadline_in_past", field="self_check_deadline")

    def draft_round(self, actor: Actor, spec: dict[str, Any]) -> Round:
        self._plannable(spec)
        drafted = Round(uuid.uuid4(), spec, actor.sub, actor.trace_dict())
        self.save(drafted)
        return drafted

    def revise_round(self, actor: Actor, expected: Expected, round_id: UUID, spec: dict[str, Any]) -> Round:
        found = self._load_round(round_id, expected)
        self._plannable(spec)
        found.revise(spec, actor.trace_dict())
        self.save(found)
        return found

    def open_round(self, actor: Actor, expected: Expected, round_id: UUID) -> Round:
        """The checklist is fixed now; the team is the registry's team on this day; the deadline timer is set."""
        found = self._load_round(round_id, expected)
        today = self.today()
        found.open(today, self.clock(), self.view.team_on(today), actor.trace_dict())
        # Before the save: a failed save leaves a timer that finds nothing to do; the reverse, a round whose
        # self-check never closes.
        self.timers.schedule(SELF_CHECK_TIMER, str(found.id), found.self_check_deadline)
        # A round runs within its fiscal year: at the year's end it closes by itself.
        self.timers.schedule(YEAR_END_TIMER, str(found.id), tokyo_midnight(found.year_end))
        self.save(found)
        return found

    def close_at_year_end(self, round_id: UUID, trace: dict[str, str]) -> None:
        """The year-end timer's action: a round still open closes as a coordinator's closure would."""
        found = self.get_round(round_id)
        if found.status != RoundStatus.OPEN:
            return
        now = self.clock()
        found.request_close(now, trace)
        self.timers.schedule(CLOSE_TIMER, str(found.id), now + CLOSE_GRACE)
        self.save(found)

    def close_self_check(self, round_id: UUID, trace: dict[str, str]) -> None:
        """The deadline timer's action: decisions stop waiting for self-checks (once)."""
        found = self.get_round(round_id)
        if found.close_self_check(self.clock(), trace):
            self.save(found)

    def close_round(self, actor: Actor, expected: Expected, round_id: UUID) -> Round:
        """The round accepts nothing from now on; the close timer closes it for good after a grace period.

        Work on a project saves the project's screening, not the round, so a command that found the round open a
        moment before could still be saving: the grace period lets it finish before the round's last count is
        taken (as proposals lets a close or cancellation in progress finish before checking its gate)."""
        found = self._load_round(round_id, expected)
        now = self.clock()
        found.request_close(now, actor.trace_dict())
        self.timers.schedule(CLOSE_TIMER, str(found.id), now + CLOSE_GRACE)
        self.save(found)
        return found

    def finish_close(self, round_id: UUID, trace: dict[str, str]) -> None:
        """The close timer's action: count what is left undecided, and send every project a re-screen brought back
        into this round and still pending on to its department's next round (it must not drop out)."""
        found = self.get_round(round_id)
        if found.status != RoundStatus.CLOSING:
            return
        # Counted from the query tables: only once they hold every event written before this moment (the grace
        # period has passed, so all the round's work is among them); else the timer tries again shortly.
        written = self.recorder.max_notification_id() or 0
        # The projection usually trails by milliseconds (it is nudged by every command): wait a little for it in
        # this timer's thread rather than leave the round closing until the timer's next try (30 s later).
        for _ in range(INDEX_WAIT_STEPS):
            if projected_up_to(self.db) >= written:
                break
            time.sleep(INDEX_WAIT_STEP_SECONDS)
        else:
            raise IndexBehind(f"screening_index at {projected_up_to(self.db)}, store at {written}: closing waits")
        carried: list[Aggregate] = []
        for screening_id_ in carried_pending(self.db, str(round_id)):
            screening = self.find_screening(UUID(screening_id_))
            waiting = None if screening is None else screening.waiting_decision()
            if screening is None or waiting is None:
                continue
            project = self.get_project(screening.project_id)
            if project.awaiting_round is None:
                project.await_round(UUID(waiting), trace)
                carried.append(project)
        if found.close(self.clock(), undecided_in_round(self.db, found), trace):
            self.save(found, *carried)
