"""The survey (実態調査) on the bus: the outbound map of its events, what the audit API shows of each, and the
aggregates' published type names (merged in `bus_center.py`).

Answers never leave info-hub (internal events, restricted to coordinators and auditors in the audit API), nor do the
invited groups' names; a draft is the center's until announced. Public: the announced questionnaire, the window's
milestones (targets by id only; a reminder names nobody), and the statistics published at the close. Who has or
has not submitted (Submitted, ReminderDue's pending targets) is restricted to coordinators and auditors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kyodo_contracts import Contract
from kyodo_contracts import info_hub_surveys as c
from kyodo_info_hub.survey_answers import Answer
from kyodo_info_hub.surveys import Survey
from kyodo_shared.audit.visibility import EventPolicy, restricted
from kyodo_shared.bus.mapping import OutboundMap, events_of
from kyodo_shared.domain.actors import Role

_s = events_of(Survey)
_a = events_of(Answer)


def _announced(e: Any) -> Sequence[Contract]:
    q = e.questionnaire
    return [
        c.SurveyAnnounced.produce(
            {
                "survey_id": e.originator_id,
                **{k: q[k] for k in ("fiscal_year", "title_ja", "title_en", "sections", "questions")},
                "opens_at": q["opens_at"],
                "closes_at": q["closes_at"],
                "announced_at": e.announced_at,
            }
        )
    ]


def _cancelled(e: Any) -> Sequence[Contract]:
    return [
        c.SurveyCancelled(
            survey_id=e.originator_id, reason_ja=e.reason_ja, reason_en=e.reason_en, cancelled_at=e.cancelled_at
        )
    ]


def _opened(e: Any) -> Sequence[Contract]:
    return [c.SurveyOpened(survey_id=e.originator_id, targets=len(e.targets), opened_at=e.opened_at)]


def _reminder(e: Any) -> Sequence[Contract]:
    # Neither the pending targets nor their count: who has answered is restricted until the close.
    return [c.SurveyReminderDue(survey_id=e.originator_id, due_at=e.due_at, closes_at=e.closes_at)]


def _closed(e: Any) -> Sequence[Contract]:
    return [
        c.SurveyResultsPublished(
            survey_id=e.originator_id,
            fiscal_year=e.fiscal_year,
            statistics=c.PublishedStatistics.produce(e.statistics),
            closed_at=e.closed_at,
        )
    ]


OUTBOUND = OutboundMap(
    {
        _s.Announced: _announced,
        _s.Cancelled: _cancelled,
        _s.Opened: _opened,
        _s.ReminderDue: _reminder,
        _s.Closed: _closed,
    },
    internal=[
        _s.Drafted,  # a draft is the center's own until it is announced
        _s.Revised,
        _s.CrosstabsChosen,  # published with the statistics at the close
        _s.InvitationIssued,  # invited groups' names are restricted
        _s.InvitationReissued,
        _s.Submitted,  # who submitted: counted in the statistics' response rate
        _a.Started,  # answers never leave info-hub
        _a.DraftSaved,
        _a.Submitted,
    ],
)

_SURVEY = "kyodo_info_hub.surveys:Survey"
_ANSWER = "kyodo_info_hub.survey_answers:Answer"
CENTER = EventPolicy(event=restricted(Role.COORDINATOR, Role.AUDITOR))

VISIBILITY: dict[str, EventPolicy] = {
    **{f"{_SURVEY}.{n}": EventPolicy() for n in ("Announced", "Cancelled", "Opened", "Closed")},
    **{
        f"{_SURVEY}.{n}": CENTER
        for n in (
            "Drafted",
            "Revised",
            "CrosstabsChosen",
            "InvitationIssued",
            "InvitationReissued",
            "Submitted",
            "ReminderDue",  # names the targets that have not submitted: who answered is restricted until the close
        )
    },
    **{f"{_ANSWER}.{n}": CENTER for n in ("Started", "DraftSaved", "Submitted")},
}
AGGREGATES: dict[str, str] = {_SURVEY: "info-hub.Survey", _ANSWER: "info-hub.SurveyAnswer"}
