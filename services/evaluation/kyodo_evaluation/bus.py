"""The evaluation service's outbound mapping: which domain events leave the service, as which contracts.

Explicit per event class (`OutboundMap`): mapped here or declared internal with its reason. Drafts and each
partner's confirmation are the partners' negotiation: that a version waits and which partner confirmed it leave
(`drafted`, `confirmed`), the agreement's content only concluded, and nobody's identity. A self-evaluation leaves
as the fact that it was sent (`self_evaluation.sent`), its content only when both are unsealed; a member's scores
and conflicts only inside the published report (labelled).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from kyodo_contracts import Contract
from kyodo_contracts import evaluation as c
from kyodo_evaluation.committee import CommitteeEvaluation
from kyodo_evaluation.domain import Project
from kyodo_shared.bus.mapping import OutboundMap, ToContracts, events_of

_project, _committee = events_of(Project), events_of(CommitteeEvaluation)


def _created(e: Any) -> Sequence[Contract]:
    links = e.links
    return [
        c.ProjectCreated(
            project_id=e.originator_id,
            source=c.Source(e.source),
            group_id=e.group_id,
            department_id=e.department_id,
            title_ja=e.title_ja,
            call_id=links.get("call_id"),
            proposal_id=links.get("proposal_id"),
            screening_decision_id=links.get("screening_decision_id"),
            screening_project_id=links.get("screening_project_id"),
            form=links.get("form"),
            criteria=[c.Criterion.produce(x) for x in e.criteria],
        )
    ]


def _concluded(e: Any) -> Sequence[Contract]:
    return [
        c.AgreementConcluded(
            project_id=e.originator_id,
            agreement_version=e.version,
            agreement_hash=e.agreement_hash,
            agreement=c.Agreement.produce(e.agreement),
            amendment_reason=e.reason,
            concluded_at=e.concluded_at,
        )
    ]


def _filed(e: Any) -> Sequence[Contract]:
    return [
        c.ReportFiled(
            project_id=e.originator_id,
            partner=c.Partner(e.partner),
            report_index=e.index,
            due_on=e.due_on,
            values=[c.IndicatorValue.produce(v) for v in e.values],
            summary_ja=e.summary_ja,
            late=e.late,
            filed_at=e.filed_at,
        )
    ]


def self_evaluation(evaluation: dict[str, Any]) -> c.SelfEvaluation:
    fields = ("partner", "ratings", "achieved", "summary_ja", "content_hash", "submitted_at")
    return c.SelfEvaluation.produce({k: evaluation[k] for k in fields})


def _opened(e: Any) -> Sequence[Contract]:
    return [
        c.CommitteeOpened(
            project_id=e.project_id,
            committee_id=e.committee_id,
            opened_on=e.opened_on,
            member_subs=sorted(e.members),
            chair_sub=e.chair_sub,
            vice_chair_sub=e.vice_chair_sub,
            quorum=e.quorum,
            criteria=[c.Criterion.produce(x) for x in e.criteria],
        )
    ]


def _drafted(e: Any) -> Sequence[Contract]:
    # That a version waits and which: its content stays between the partners until concluded, and so does its hash
    # (a reader could confirm a guess of the content with it).
    return [c.AgreementDrafted(project_id=e.originator_id, agreement_version=e.version, amendment=e.version > 1)]


def _self_evaluated(e: Any) -> Sequence[Contract]:
    # That it is in, and when: its content, receipt and sender stay sealed until `unsealed`.
    return [
        c.SelfEvaluationSent(
            project_id=e.originator_id,
            partner=c.Partner(e.partner),
            sent_at=datetime.fromisoformat(str(e.evaluation["submitted_at"])),
        )
    ]


_MAPPED: dict[type[Any], ToContracts] = {
    _project.Created: _created,
    _project.CriteriaSet: lambda e: [
        c.CriteriaSet(project_id=e.originator_id, criteria=[c.Criterion.produce(x) for x in e.criteria])
    ],
    _project.Drafted: _drafted,
    # Which partner confirmed, not who acted for it, nor the draft's hash: it is always the latest draft.
    _project.Confirmed: lambda e: [c.AgreementConfirmed(project_id=e.originator_id, partner=c.Partner(e.partner))],
    _project.Concluded: _concluded,
    _project.ReminderDue: lambda e: [
        c.ReportReminderDue(
            project_id=e.originator_id, partner=c.Partner(e.partner), report_index=e.index, due_on=e.due_on
        )
    ],
    _project.ReportFiled: _filed,
    _project.Overdue: lambda e: [
        c.ReportOverdue(project_id=e.originator_id, partner=c.Partner(e.partner), report_index=e.index, due_on=e.due_on)
    ],
    _project.Ended: lambda e: [
        c.ProjectEnded(project_id=e.originator_id, ended_on=e.ended_on, self_evaluation_deadline=e.deadline)
    ],
    _project.SelfEvaluationReminderDue: lambda e: [
        c.SelfEvaluationReminderDue(project_id=e.originator_id, partner=c.Partner(e.partner), deadline=e.deadline)
    ],
    _project.SelfEvaluated: _self_evaluated,
    _project.Unsealed: lambda e: [
        c.SelfEvaluationsUnsealed(
            project_id=e.originator_id,
            cause=e.cause,
            self_evaluations=[self_evaluation(x) for x in e.self_evaluations],
        )
    ],
    _committee.Opened: _opened,
    _committee.SubstituteAdded: lambda e: [
        c.CommitteeSubstituteAdded(project_id=e.project_id, member_sub=e.member_sub, reason=e.reason)
    ],
    _committee.ReportPublished: lambda e: [c.ReportPublished.produce(e.report)],
}

OUTBOUND = OutboundMap(
    _MAPPED,
    internal={
        # The recommendation leaves inside the published report (ReportPublished), in the same save.
        _project.Reported,
        # A member's conflicts and scores leave inside the report: recusals counted, points under labels.
        _committee.ConflictDeclared,
        _committee.ConflictRemoved,
        _committee.Scored,
        # Who is behind each label: auditors only (restricted); the report carries the public part.
        _committee.Recommended,
    },
)


to_contracts = OUTBOUND
