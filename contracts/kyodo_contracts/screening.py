"""Contracts published by the screening service (事業の選別): the city's existing projects, the rounds that screen
them for collaboration with civic groups, and the decisions — the register, published at decision and never before.

Self-checks and the team's assessments are not published while a project is being screened; they leave with its
decision, the assessments under shuffled labels (no member is named). People appear only by opaque `sub`, and only
where the registry already publishes them (the team's roster).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from kyodo_contracts.base import Contract, ContractModel


class Outcome(StrEnum):
    SUITABLE = "suitable"  # 協働に適する
    NOT_SUITABLE = "not_suitable"  # 協働に適さない
    NEEDS_STUDY = "needs_study"  # 要検討 (re-screened at a date)


class CollaborationForm(StrEnum):
    """The forms of collaboration (協働の形態) a suitable project may take."""

    COMMISSION = "commission"  # 委託
    SUBSIDY = "subsidy"  # 補助
    CO_HOSTING = "co_hosting"  # 共催
    ENDORSEMENT = "endorsement"  # 後援
    COOPERATION = "cooperation"  # 事業協力
    COMMITTEE = "committee"  # 実行委員会・協議会
    INFORMATION_EXCHANGE = "information_exchange"  # 情報提供・情報交換
    POLICY_PARTICIPATION = "policy_participation"  # 政策立案への参画


class Rating(StrEnum):
    """An answer to one criterion of the checklist, by the department or by a team member."""

    YES = "yes"  # 該当する
    PARTLY = "partly"  # 一部該当する
    NO = "no"  # 該当しない


class ProjectRecord(ContractModel):
    """An existing city project as its department keeps it (事業一覧の一行)."""

    project_id: UUID
    department_id: UUID = Field(description="The department that owns the project (registry department id).")
    fiscal_year: int = Field(description="Fiscal year (April–March, Asia/Tokyo): 2026 is 2026-04-01…2027-03-31.")
    project_number: str = Field(description="事業番号, unique per department and fiscal year.")
    title: str = Field(description="事業名.")
    purpose: str = Field(description="目的.")
    legal_basis: str = Field(description="根拠法令 (empty when none).")
    budget_yen: int = Field(ge=0, description="予算額, whole yen.")
    beneficiaries: str = Field(description="対象者.")
    delivery: str = Field(description="Current way of delivery (実施方法).")
    period: str = Field(description="期間.")
    contact_section: str = Field(description="The section to contact (担当課・係); a section, never a person.")
    group_ids: list[UUID] = Field(description="Civic activity groups named in the project (for recusal).")


class ProjectEntered(Contract):
    event_name: ClassVar[str] = "screening.project.entered"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A department entered an existing project in its inventory (事業一覧への登録)."

    project: ProjectRecord


class ProjectUpdated(Contract):
    event_name: ClassVar[str] = "screening.project.updated"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A project of the inventory changed; the whole record as it is now (事業一覧の更新)."

    project: ProjectRecord
    changed: list[str] = Field(description="The fields that changed.")


class ChecklistItem(ContractModel):
    key: str
    name_ja: str
    name_en: str | None = None


class RoundOpened(Contract):
    event_name: ClassVar[str] = "screening.round.opened"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = (
        "A screening round opened for a fiscal year: its checklist is fixed, the departments in scope and the "
        "self-check deadline are published (選別の開始)."
    )

    round_id: UUID
    fiscal_year: int
    title_ja: str
    title_en: str | None = None
    checklist: list[ChecklistItem]
    department_ids: list[UUID] = Field(description="Departments whose projects of the fiscal year enter the round.")
    self_check_deadline: datetime = Field(description="When the departments' self-checks are due (Asia/Tokyo).")
    opened_on: date = Field(description="The round's date: its team is the registry's team on this day.")
    team_subs: list[str] = Field(description="The cross-department team on the round's date (sorted).")


class SelfCheckClosed(Contract):
    event_name: ClassVar[str] = "screening.round.self_check_closed"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "The self-check deadline passed; decisions no longer wait for self-checks."

    round_id: UUID
    closed_at: datetime


class RoundClosed(Contract):
    event_name: ClassVar[str] = "screening.round.closed"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A screening round closed: it accepts nothing more (選別の終了)."

    round_id: UUID
    closed_at: datetime
    undecided: int = Field(ge=0, description="Projects of the round left without a decision.")


class ChecklistAnswer(ContractModel):
    key: str
    rating: Rating
    reason: str


class LabelledAssessment(ContractModel):
    """One team member's assessment under a label shuffled per decision ("A", "B", …); nobody is named."""

    label: str
    from_owner_department: bool = Field(description="Whether the member comes from the project's department.")
    answers: list[ChecklistAnswer]


class DecisionMade(Contract):
    event_name: ClassVar[str] = "screening.decision.made"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = (
        "A coordinator decided a project of a round, with reasons; the register's entry (選別結果). A correction is "
        "a new decision naming the one it replaces."
    )

    decision_id: UUID
    round_id: UUID
    project: ProjectRecord
    outcome: Outcome
    forms: list[CollaborationForm] = Field(description="Forms of collaboration; at least one when suitable.")
    reasons_ja: str
    reasons_en: str | None = None
    rescreen_on: date | None = Field(default=None, description="For needs_study: the day it is screened again.")
    replaces: UUID | None = Field(default=None, description="The decision this one corrects, which it supersedes.")
    self_check: list[ChecklistAnswer] = Field(description="The department's answers (empty if none by the deadline).")
    assessments: list[LabelledAssessment]
    recusals: int = Field(ge=0, description="Team members recused from this project (declared interests).")
    cycle: int = Field(
        ge=1, description="Which screening of the project in this round: 2 and on after a re-screen brought it back."
    )
    round_fiscal_year: int = Field(
        description="The round's fiscal year; `project.fiscal_year` is the project's own (they differ when a "
        "re-screen carried the project into a later year's round)."
    )
    decided_at: datetime
    carried_from: UUID | None = Field(
        default=None, description="The needs-study decision of an earlier round this screening continues, if any."
    )
    recusal_group_ids: list[UUID] = Field(
        default_factory=list,
        description="The groups named in the project when it entered the round: members interested in them (or in "
        "the department) were recused. `project.group_ids` is the record as it is now.",
    )


class RescreenDue(Contract):
    event_name: ClassVar[str] = "screening.project.rescreen_due"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = (
        "A project decided 'needs study' reached its re-screen date: back into its open round, or waiting for the "
        "next round of its department."
    )

    project_id: UUID
    decision_id: UUID = Field(description="The needs_study decision whose date came.")
    round_id: UUID = Field(description="The round of that decision.")
    reopened_in_round: bool = Field(description="True: pending again in that round; False: awaits the next round.")


PUBLISHED: tuple[type[Contract], ...] = (
    ProjectEntered,
    ProjectUpdated,
    RoundOpened,
    SelfCheckClosed,
    RoundClosed,
    DecisionMade,
    RescreenDue,
)
