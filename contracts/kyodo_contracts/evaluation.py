"""Contracts published by the evaluation service (評価制度): collaboration projects, their agreements (協定),
progress reports, the partners' self-evaluations once unsealed, the evaluation committee (協働事業評価委員会) and
the published evaluation report with its recommendation.

Partners appear as `group` (the civic activity group) and `department` (the city department); people only by the
identity provider's opaque `sub` (committee members, as in the registry's rosters). The negotiation of an agreement
stays between the partners: `evaluation.agreement.drafted` and `…confirmed` say that a version waits and which
partner confirmed it, never its content nor who acted — not even its hash: a draft under negotiation differs from
the concluded agreement in a few guessable fields (an amount, a date), and a hash would let any reader of the bus
confirm a guess. A confirmation is always of the project's latest draft (the service refuses any other), so it needs
no reference to it: a reader takes the last `drafted` before it. What was agreed leaves with
`evaluation.agreement.concluded`, with its hash.
Self-evaluations are sealed from the other partner until both are in or the deadline passes:
`evaluation.self_evaluation.sent` says only that a partner's is in, and when; nothing of their content (nor the
receipt, nor who sent it) is published before `evaluation.self_evaluations.unsealed`.

The three step contracts came later than the others: a service's relay publishes the events stored after the
upgrade that brought them (its position is past the older ones), so a draft, a confirmation or a self-evaluation
stored before that upgrade never has a message of them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from kyodo_contracts import evaluation_parts as _parts
from kyodo_contracts.base import Contract

# Every part is named here too (`evaluation.Partner`), as before the parts had a module of their own.
Agreement = _parts.Agreement
Budget = _parts.Budget
Criterion = _parts.Criterion
CriterionRating = _parts.CriterionRating
Indicator = _parts.Indicator
IndicatorResult = _parts.IndicatorResult
IndicatorValue = _parts.IndicatorValue
LabelledEvaluation = _parts.LabelledEvaluation
Partner = _parts.Partner
Recommendation = _parts.Recommendation
SelfEvaluation = _parts.SelfEvaluation
Source = _parts.Source
ValueType = _parts.ValueType


class ProjectCreated(Contract):
    event_name: ClassVar[str] = "evaluation.project.created"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A collaboration project was created from an adoption or a screening decision (協働事業)."

    project_id: UUID
    source: Source
    group_id: UUID
    department_id: UUID
    title_ja: str
    call_id: UUID | None = Field(default=None, description="The call whose adoption created it.")
    proposal_id: UUID | None = Field(default=None, description="The adopted proposal.")
    screening_decision_id: UUID | None = Field(default=None, description="The screening decision it follows.")
    screening_project_id: UUID | None = Field(default=None, description="The screened project it came from.")
    form: str | None = Field(default=None, description="For a screening source: the form (co_hosting, …).")
    criteria: list[Criterion] = Field(description="The published evaluation criteria (評価項目).")


class CriteriaSet(Contract):
    event_name: ClassVar[str] = "evaluation.project.criteria_set"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = (
        "The center set the project's evaluation criteria before its agreement was concluded (評価項目の設定); they "
        "replace those published with the project."
    )

    project_id: UUID
    criteria: list[Criterion]


class AgreementDrafted(Contract):
    event_name: ClassVar[str] = "evaluation.agreement.drafted"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = (
        "A version of the agreement, or of an amendment, waits for both partners' confirmation (協定案の作成); a new "
        "draft replaces one not concluded, and each partner must confirm it again."
    )

    project_id: UUID
    agreement_version: int = Field(ge=1, description="The version it would become when concluded.")
    amendment: bool = Field(description="An amendment of the agreement in force (協定の変更案), not the first.")


class AgreementConfirmed(Contract):
    event_name: ClassVar[str] = "evaluation.agreement.confirmed"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = (
        "One partner confirmed the draft of the project's latest `drafted` message (協定案の確認); the other "
        "partner's confirmation concludes it."
    )

    project_id: UUID
    partner: Partner = Field(description="The partner that confirmed (who acted for it is not published).")


class AgreementConcluded(Contract):
    event_name: ClassVar[str] = "evaluation.agreement.concluded"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = (
        "Both partners confirmed the same version of the agreement (協定の締結), or of an amendment (協定の変更)."
    )

    project_id: UUID
    agreement_version: int = Field(
        ge=1, description="The agreement's version (1 = the first agreement; higher = amendments)."
    )
    agreement_hash: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the version's canonical JSON.")
    agreement: Agreement
    amendment_reason: str | None = Field(default=None, description="For an amendment: why (変更理由).")
    concluded_at: datetime


class ReportReminderDue(Contract):
    event_name: ClassVar[str] = "evaluation.report.reminder_due"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "An interim report is due soon and not yet filed: remind the partner (報告期限の通知)."

    project_id: UUID
    partner: Partner
    report_index: int = Field(ge=1)
    due_on: date


class ReportFiled(Contract):
    event_name: ClassVar[str] = "evaluation.report.filed"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A partner filed an interim report with indicator values (中間報告)."

    project_id: UUID
    partner: Partner
    report_index: int = Field(ge=1)
    due_on: date
    values: list[IndicatorValue]
    summary_ja: str
    late: bool = Field(description="Filed after the due date.")
    filed_at: datetime


class ReportOverdue(Contract):
    event_name: ClassVar[str] = "evaluation.report.overdue"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A partner did not file an interim report by its date (報告の遅延)."

    project_id: UUID
    partner: Partner
    report_index: int = Field(ge=1)
    due_on: date


class ProjectEnded(Contract):
    event_name: ClassVar[str] = "evaluation.project.ended"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "The project's period ended; the partners' self-evaluations are due (事業の終了)."

    project_id: UUID
    ended_on: date
    self_evaluation_deadline: datetime


class SelfEvaluationReminderDue(Contract):
    event_name: ClassVar[str] = "evaluation.self_evaluation.reminder_due"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A partner's self-evaluation is due soon and not yet in (自己評価の期限の通知)."

    project_id: UUID
    partner: Partner
    deadline: datetime


class SelfEvaluationSent(Contract):
    event_name: ClassVar[str] = "evaluation.self_evaluation.sent"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = (
        "A partner sent its self-evaluation (自己評価の提出); what it says stays sealed until unsealed."
    )

    project_id: UUID
    partner: Partner
    sent_at: datetime


class SelfEvaluationsUnsealed(Contract):
    event_name: ClassVar[str] = "evaluation.self_evaluations.unsealed"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = (
        "Both self-evaluations are in, or the deadline passed: they are published (自己評価の公開)."
    )

    project_id: UUID
    cause: str = Field(description="both_in | deadline")
    self_evaluations: list[SelfEvaluation] = Field(description="Those submitted (one per partner at most).")


class CommitteeOpened(Contract):
    event_name: ClassVar[str] = "evaluation.committee.opened"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "The evaluation committee took up the project; its members are fixed (評価委員会)."

    project_id: UUID
    committee_id: UUID
    opened_on: date = Field(description="The committee is the registry's on this day (Asia/Tokyo).")
    member_subs: list[str]
    chair_sub: str | None
    vice_chair_sub: str | None
    quorum: int = Field(ge=1, description="Counted (not recused) evaluations the recommendation needs.")
    criteria: list[Criterion]


class CommitteeSubstituteAdded(Contract):
    event_name: ClassVar[str] = "evaluation.committee.substitute_added"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = (
        "A committee member joined the project's evaluation because recusals left fewer members than the quorum "
        "(委員の補充)."
    )

    project_id: UUID
    member_sub: str
    reason: str = Field(
        description="Why, in general terms (e.g. 回避により定足数に満たないため); never whose recusal or what interest."
    )


class ReportPublished(Contract):
    event_name: ClassVar[str] = "evaluation.report.published"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = (
        "The evaluation report: agreement, indicators, self-evaluations, the committee's evaluation and its "
        "recommendation (評価結果の公表)."
    )

    project_id: UUID
    group_id: UUID
    department_id: UUID
    call_id: UUID | None = None
    proposal_id: UUID | None = None
    screening_decision_id: UUID | None = None
    screening_project_id: UUID | None = None
    agreement_version: int
    agreement_hash: str
    agreement: Agreement
    indicators: list[IndicatorResult]
    self_evaluations: list[SelfEvaluation]
    criteria: list[Criterion]
    evaluations: list[LabelledEvaluation]
    criterion_means: dict[str, str] = Field(description="Exact fraction 'n/d' per criterion over counted members.")
    comments: dict[str, list[str]] = Field(
        default_factory=dict,
        description="The counted members' comments per criterion, in text order and unattributed (no label).",
    )
    overall_mean: str = Field(description="Exact fraction 'n/d': the mean of the criterion means.")
    recusals: int = Field(ge=0, description="Committee members recused from this project.")
    recommendation: Recommendation
    reasons_ja: str
    reasons_en: str | None = None
    confirmed_by: str = Field(description="chair | vice_chair | acting_chair")
    published_at: datetime


PUBLISHED: tuple[type[Contract], ...] = (
    ProjectCreated,
    CriteriaSet,
    AgreementDrafted,
    AgreementConfirmed,
    AgreementConcluded,
    ReportReminderDue,
    ReportFiled,
    ReportOverdue,
    ProjectEnded,
    SelfEvaluationReminderDue,
    SelfEvaluationSent,
    SelfEvaluationsUnsealed,
    CommitteeOpened,
    CommitteeSubstituteAdded,
    ReportPublished,
)
