"""The survey of groups (実態調査): the Survey aggregate (the questionnaire, invitations, the answer window, who
submitted, the published statistics) and each group's Answer (`survey_answers.py`).

A submission is recorded here too (the respondent's id only), saved in the same transaction as the answer: the close
knows exactly which answers count, and a submission racing the close loses in the store (optimistic concurrency).

No I/O here: times, the target set and the statistics come in as arguments.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from eventsourcing.domain import Aggregate, event

from kyodo_info_hub.survey_questionnaire import check_crosstabs, check_questionnaire
from kyodo_shared.domain.refusals import Refusal


class Status(StrEnum):
    DRAFT = "draft"
    ANNOUNCED = "announced"
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


class Survey(Aggregate):
    """One survey: built as a draft, announced (frozen), opened and closed by its timers, or cancelled."""

    class Drafted(Aggregate.Created):
        questionnaire: dict[str, Any]
        drafted_at: str
        trace: dict[str, str]

    @event(Drafted)
    def __init__(self, questionnaire: dict[str, Any], drafted_at: str, trace: dict[str, str]) -> None:
        self.questionnaire = dict(questionnaire)
        self.drafted_at = drafted_at
        # Changed by the center's commands only (never by a submission): the ETag of what the center changes.
        self.definition_version = 1
        self.status = Status.DRAFT
        self.announced_at: str | None = None
        self.cancellation: dict[str, Any] | None = None
        # Invitations of groups not registered: id → {name_ja, name_en, issued_at, reissued}.
        self.invitations: dict[str, dict[str, Any]] = {}
        self.targets: list[str] = []
        self.opened_at: str | None = None
        self.reminded: list[str] = []
        # Respondent id → the time of their latest submission.
        self.submitted: dict[str, str] = {}
        self.statistics: dict[str, Any] | None = None
        self.closed_at: str | None = None

    @property
    def opens_at(self) -> str:
        return str(self.questionnaire["opens_at"])

    @property
    def closes_at(self) -> str:
        return str(self.questionnaire["closes_at"])

    @property
    def fiscal_year(self) -> int:
        return int(self.questionnaire["fiscal_year"])

    # --- the center builds it -----------------------------------------------------------------------------

    def revise(self, questionnaire: dict[str, Any], now: str, trace: dict[str, str]) -> None:
        """A draft's questionnaire replaced whole (announced: frozen)."""
        if self.status != Status.DRAFT:
            raise Refusal("survey_not_draft", state=self.status.value)
        check_questionnaire(questionnaire)
        self._revised(questionnaire, now, trace)

    @event("Revised")
    def _revised(self, questionnaire: dict[str, Any], revised_at: str, trace: dict[str, str]) -> None:
        self.questionnaire = dict(questionnaire)
        self.definition_version += 1

    def choose_crosstabs(self, crosstabs: list[list[str]], now: str, trace: dict[str, str]) -> None:
        """The cross-tabulations published at the close: chosen (replaced) any time before it."""
        self._before_close(now)
        check_crosstabs(self.questionnaire, crosstabs)
        self._crosstabs(crosstabs, now, trace)

    @event("CrosstabsChosen")
    def _crosstabs(self, crosstabs: list[list[str]], chosen_at: str, trace: dict[str, str]) -> None:
        self.questionnaire = {**self.questionnaire, "crosstabs": [list(p) for p in crosstabs]}
        self.definition_version += 1

    def invite(self, invitation_id: str, name_ja: str, name_en: str | None, now: str, trace: dict[str, str]) -> None:
        """A group based in the city but not registered, before the opening (its link's token is kept outside)."""
        if self.status not in (Status.DRAFT, Status.ANNOUNCED):
            raise Refusal("survey_already_open", state=self.status.value)
        self._invited(invitation_id, name_ja, name_en, now, trace)

    @event("InvitationIssued")
    def _invited(
        self, invitation_id: str, name_ja: str, name_en: str | None, issued_at: str, trace: dict[str, str]
    ) -> None:
        self.invitations[invitation_id] = {"name_ja": name_ja, "name_en": name_en, "issued_at": issued_at}
        self.definition_version += 1

    def reissue(self, invitation_id: str, now: str, trace: dict[str, str]) -> None:
        """A new link for an invitation (the old one stops working), until the close."""
        self._before_close(now)
        if invitation_id not in self.invitations:
            raise Refusal("invitation_not_found")
        self._reissued(invitation_id, now, trace)

    @event("InvitationReissued")
    def _reissued(self, invitation_id: str, reissued_at: str, trace: dict[str, str]) -> None:
        self.invitations[invitation_id]["reissued_at"] = reissued_at
        self.definition_version += 1

    def announce(self, now: str, trace: dict[str, str]) -> None:
        if self.status != Status.DRAFT:
            raise Refusal("survey_not_draft", state=self.status.value)
        if _at(now) >= _at(self.closes_at):
            raise Refusal("survey_window_passed")
        check_questionnaire(self.questionnaire)
        self._announced(dict(self.questionnaire), now, trace)

    @event("Announced")
    def _announced(self, questionnaire: dict[str, Any], announced_at: str, trace: dict[str, str]) -> None:
        self.status, self.announced_at = Status.ANNOUNCED, announced_at
        self.definition_version += 1

    def cancel(self, reason_ja: str, reason_en: str | None, now: str, trace: dict[str, str]) -> None:
        self._before_close(now)
        self._cancelled(reason_ja, reason_en, now, trace)

    @event("Cancelled")
    def _cancelled(self, reason_ja: str, reason_en: str | None, cancelled_at: str, trace: dict[str, str]) -> None:
        self.status = Status.CANCELLED
        self.cancellation = {"reason_ja": reason_ja, "reason_en": reason_en, "at": cancelled_at}
        self.definition_version += 1

    def _before_close(self, now: str) -> None:
        """Before the close: not closed or cancelled, and (once announced) its closing time not passed — between
        the closing time and the close timer the results are due, so nothing changes them or withdraws them."""
        if self.status in (Status.CLOSED, Status.CANCELLED):
            raise Refusal("survey_closed", state=self.status.value)
        if self.status != Status.DRAFT and _at(now) >= _at(self.closes_at):
            raise Refusal("survey_window_passed")

    # --- the timers ---------------------------------------------------------------------------------------

    def open(self, groups: list[str], now: str, trace: dict[str, str]) -> bool:
        """The opening: the target set snapshot (the registered groups matching the filter, then invitations)."""
        if self.status != Status.ANNOUNCED or _at(now) < _at(self.opens_at):
            return False
        targets = sorted(set(groups)) + sorted(self.invitations)
        self._opened(targets, now, trace)
        return True

    @event("Opened")
    def _opened(self, targets: list[str], opened_at: str, trace: dict[str, str]) -> None:
        self.status, self.targets, self.opened_at = Status.OPEN, list(targets), opened_at

    def pending(self) -> list[str]:
        """The targets that have not submitted."""
        return [t for t in self.targets if t not in self.submitted]

    def remind(self, due_at: str, trace: dict[str, str]) -> bool:
        """A reminder: once per due time, only while open."""
        if self.status != Status.OPEN or due_at in self.reminded:
            return False
        self._reminder(due_at, self.closes_at, self.pending(), trace)
        return True

    @event("ReminderDue")
    def _reminder(self, due_at: str, closes_at: str, pending: list[str], trace: dict[str, str]) -> None:
        self.reminded.append(due_at)

    def accepts(self, respondent: str, now: str) -> None:
        """Whether this respondent may save or submit an answer now."""
        if self.status == Status.DRAFT:
            raise Refusal("survey_not_found")  # the center's own: as if there were none
        if respondent not in self.targets and self.status == Status.OPEN:
            raise Refusal("survey_not_a_target")
        if self.status != Status.OPEN or _at(now) >= _at(self.closes_at):
            raise Refusal("survey_not_open", state=self.status.value)

    def record_submission(self, respondent: str, now: str, trace: dict[str, str]) -> None:
        self.accepts(respondent, now)
        self._submitted(respondent, now, trace)

    @event("Submitted")
    def _submitted(self, respondent: str, submitted_at: str, trace: dict[str, str]) -> None:
        self.submitted[respondent] = submitted_at

    def close(self, statistics: dict[str, Any], now: str, trace: dict[str, str]) -> bool:
        """The close: the statistics of the submitted answers, published (the body: the survey's year and the
        statistics, never an answer)."""
        if self.status != Status.OPEN or _at(now) < _at(self.closes_at):
            return False
        self._closed(self.fiscal_year, statistics, now, trace)
        return True

    @event("Closed")
    def _closed(self, fiscal_year: int, statistics: dict[str, Any], closed_at: str, trace: dict[str, str]) -> None:
        self.status, self.statistics, self.closed_at = Status.CLOSED, dict(statistics), closed_at

    # --- what people read ---------------------------------------------------------------------------------

    def public(self) -> dict[str, Any]:
        """The survey as anyone reads it once announced: never a target's or invitation's name, nor answers."""
        q = self.questionnaire
        return {
            "id": str(self.id),
            "version": self.definition_version,
            "status": self.status.value,
            **{k: q[k] for k in ("title_ja", "title_en", "fiscal_year", "sections", "questions", "targets")},
            **{k: q[k] for k in ("crosstabs", "opens_at", "closes_at", "reminder_days")},
            "announced_at": self.announced_at,
            "opened_at": self.opened_at,
            "closed_at": self.closed_at,
            "cancellation": self.cancellation,
            "targets_count": len(self.targets) if self.targets else None,
            # How many answered is a statistic: published with the others at the close, not before.
            "submitted_count": len(self.submitted) if self.status == Status.CLOSED else None,
        }
