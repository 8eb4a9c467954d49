"""Groups answer a survey (回答): a registered group's representative or contacts with their login, or an invited
group with its link's token; drafts saved and revisable, submitted and resubmitted until the close. A submission is
saved with the Survey's record of it in one transaction. Coordinators and auditors read every answer; nobody else.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from kyodo_info_hub.app_base import InfoHubBase
from kyodo_info_hub.survey_answers import Answer, answer_id
from kyodo_info_hub.survey_questionnaire import check_answer
from kyodo_info_hub.survey_tokens import InvitationTokens
from kyodo_info_hub.surveys import Status, Survey
from kyodo_shared.domain.actors import Actor, Role
from kyodo_shared.domain.refusals import Expected, Refusal, check_version

# A command lost to a concurrent change (a submission, the close) is tried again this many times.
ATTEMPTS = 10


def restricted_reader(actor: Actor | None) -> bool:
    """Coordinators and auditors: who reads answers, invitations and drafts."""
    return actor is not None and (actor.has(Role.COORDINATOR) or actor.has(Role.AUDITOR))


def require_restricted_reader(actor: Actor | None) -> None:
    """Coordinators and auditors; nobody logged in: 401, as everywhere else; anyone else: 403."""
    if actor is None:
        raise Refusal("authentication_required")
    if not restricted_reader(actor):
        raise Refusal("survey_restricted")


class SurveyAnswering(InfoHubBase):
    @cached_property
    def invitation_tokens(self) -> InvitationTokens:
        return InvitationTokens(self.db)

    def _respondent(self, actor: Actor | None, token: str | None, survey_id: UUID, respondent: str) -> None:
        """Whether the caller answers for this respondent: the invitation's current token, or the group's person
        (neither a login nor a token: 401, as everywhere else)."""
        if token is None and actor is None:
            raise Refusal("authentication_required")
        if token is not None:
            if self.invitation_tokens.invitation_of(str(survey_id), token) != respondent:
                raise Refusal("survey_token_invalid")
            return
        if actor is None or not (actor.has(Role.GROUP) and self.people.acts_for(actor.sub, respondent)):
            raise Refusal("survey_not_for_group")

    def save_answer(
        self,
        actor: Actor | None,
        token: str | None,
        survey_id: UUID,
        respondent: str,
        values: dict[str, Any],
        submit: bool,
        trace: dict[str, str],
        expected: Expected,
    ) -> Answer:
        """A draft (checked loosely: required questions may wait) or a submission (complete), while open.

        If-Match (`expected`) against the answer's version: the first save needs none, a later one the version the
        caller saw (a group's people, or its link, editing at once never overwrite each other's work). A save lost
        to a concurrent change is tried again: to the Survey's (a submission elsewhere, the close), it applies on the
        new state; to this answer's, the version check refuses it (412, or 428 when none was named)."""
        self._respondent(actor, token, survey_id, respondent)
        for _ in range(ATTEMPTS):
            survey = self._get(survey_id, Survey, "survey_not_found")
            now = self.now().isoformat()
            survey.accepts(respondent, now)
            normalized = check_answer(survey.questionnaire, values, complete=submit)
            answer = self._find(answer_id(survey_id, respondent), Answer)
            check_version(answer.version if answer is not None else 0, expected)
            if answer is None:
                answer = Answer(str(survey_id), respondent, {} if submit else normalized, now, trace)
                if submit:
                    answer.submit(normalized, now, trace)
            elif submit:
                answer.submit(normalized, now, trace)
            else:
                answer.save_draft(normalized, now, trace)
            try:
                if submit:
                    survey.record_submission(respondent, now, trace)
                    self.save(survey, answer)  # one transaction: the answer and the Survey's record of it
                else:
                    self.save(answer)
            except IntegrityError:
                continue
            return answer
        raise Refusal("survey_busy")

    def read_answer(self, actor: Actor | None, token: str | None, survey_id: UUID, respondent: str) -> Answer:
        """The group's own answer (its people or its token), or any answer for coordinators and auditors."""
        if not (token is None and restricted_reader(actor)):
            self._respondent(actor, token, survey_id, respondent)
        survey = self._get(survey_id, Survey, "survey_not_found")
        if survey.status == Status.DRAFT:
            raise Refusal("survey_not_found")
        answer = self._find(answer_id(survey_id, respondent), Answer)
        if answer is None:
            raise Refusal("answer_not_found")
        return answer

    def answers(self, actor: Actor | None, survey_id: UUID, offset: int, limit: int) -> tuple[list[Any], int]:
        """Every target's answer (or none yet), in the target set's order: coordinators and auditors only."""
        require_restricted_reader(actor)
        survey = self._get(survey_id, Survey, "survey_not_found")
        page = survey.targets[offset : offset + limit]
        items = []
        for respondent in page:
            answer = self._find(answer_id(survey_id, respondent), Answer)
            invited = survey.invitations.get(respondent)
            base = {"respondent": respondent, "invited": invited is not None, "status": "none"}
            items.append({**base, **(answer.view() if answer else {}), "counted": respondent in survey.submitted})
        return items, len(survey.targets)
