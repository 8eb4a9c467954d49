"""One group's answer to a survey (回答): one per survey and respondent (its id derives from both), saved as drafts
and submitted, revisable and resubmitted until the close. Restricted: the group, coordinators and auditors.

The respondent is a registered group's id, or an invitation's id (a group invited with a one-time link). Values are
checked against the questionnaire by the application (`survey_questionnaire.check_answer`) before they get here.
"""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

_ANSWERS = uuid.UUID("6f1f4f0e-9a53-4d0c-9d1e-5b3a0c7e2a41")


def answer_id(survey_id: UUID | str, respondent: str) -> UUID:
    """The one answer of a respondent to a survey."""
    return uuid.uuid5(_ANSWERS, f"kyodo:info-hub:survey:{survey_id}:answer:{respondent}")


class Answer(Aggregate):
    """A respondent's draft (what they saved last) and submission (what counts at the close)."""

    class Started(Aggregate.Created):
        survey_id: str
        respondent: str
        values: dict[str, Any]
        saved_at: str
        trace: dict[str, str]

    @event(Started)
    def __init__(
        self, survey_id: str, respondent: str, values: dict[str, Any], saved_at: str, trace: dict[str, str]
    ) -> None:
        self.survey_id, self.respondent = survey_id, respondent
        self.draft: dict[str, Any] = dict(values)
        self.saved_at = saved_at
        self.submitted: dict[str, Any] | None = None
        self.submitted_at: str | None = None
        self.submissions = 0

    @staticmethod
    def create_id(survey_id: str, respondent: str, *args: Any, **kwargs: Any) -> UUID:
        return answer_id(survey_id, respondent)

    @property
    def status(self) -> str:
        """draft: never submitted; submitted: the draft is what was submitted; revising: a draft saved since."""
        if self.submitted is None:
            return "draft"
        return "submitted" if self.draft == self.submitted else "revising"

    def save_draft(self, values: dict[str, Any], now: str, trace: dict[str, str]) -> None:
        self._saved(values, now, trace)

    @event("DraftSaved")
    def _saved(self, values: dict[str, Any], saved_at: str, trace: dict[str, str]) -> None:
        self.draft, self.saved_at = dict(values), saved_at

    def submit(self, values: dict[str, Any], now: str, trace: dict[str, str]) -> None:
        self._submitted(values, self.submissions + 1, now, trace)

    @event("Submitted")
    def _submitted(self, values: dict[str, Any], submission: int, submitted_at: str, trace: dict[str, str]) -> None:
        self.draft, self.submitted = dict(values), dict(values)
        self.saved_at = self.submitted_at = submitted_at
        self.submissions = submission

    def view(self) -> dict[str, Any]:
        return {
            "survey_id": self.survey_id,
            "respondent": self.respondent,
            "status": self.status,
            "values": self.draft,
            "submitted_values": self.submitted,
            "saved_at": self.saved_at,
            "submitted_at": self.submitted_at,
            "submissions": self.submissions,
        }
