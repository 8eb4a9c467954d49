"""Contracts published by info-hub for the survey of groups (実態調査).

Answers never leave info-hub: the contracts carry the survey's definition once announced, the window's milestones,
and the statistics published at the close, after disclosure control (秘匿処理). Respondents appear only as ids (a
registered group's id, or an invitation's id — never an invited group's name).
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from kyodo_contracts.base import Contract, ContractModel

QuestionKind = Literal["single", "multiple", "number", "date", "text"]


class SurveyOption(ContractModel):
    key: str
    label_ja: str
    label_en: str | None = None


class SurveyQuestion(ContractModel):
    key: str = Field(description="Stable across survey years: the same key is the same question (経年比較).")
    section: str
    kind: QuestionKind
    required: bool
    text_ja: str
    text_en: str | None = None
    options: list[SurveyOption] = Field(default_factory=list)
    unit_ja: str | None = None
    unit_en: str | None = None
    min: str | None = Field(default=None, description="A number question's least value (decimal).")
    max: str | None = Field(default=None, description="A number question's greatest value (decimal).")
    bands: list[str] = Field(default_factory=list, description="A number question's bands' lower edges (decimal).")


class SurveySection(ContractModel):
    key: str
    title_ja: str
    title_en: str | None = None


class SurveyAnnounced(Contract):
    event_name: ClassVar[str] = "info_hub.survey.announced"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "The center announced a survey of groups (実態調査の告知): its questionnaire and window."

    survey_id: UUID
    fiscal_year: int = Field(description="The survey's fiscal year (年度, April–March).")
    title_ja: str
    title_en: str | None = None
    sections: list[SurveySection]
    questions: list[SurveyQuestion]
    opens_at: datetime
    closes_at: datetime
    announced_at: datetime


class SurveyCancelled(Contract):
    event_name: ClassVar[str] = "info_hub.survey.cancelled"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "The center cancelled a survey (実態調査の中止), with its reason; nothing is published."

    survey_id: UUID
    reason_ja: str
    reason_en: str | None = None
    cancelled_at: datetime


class SurveyOpened(Contract):
    event_name: ClassVar[str] = "info_hub.survey.opened"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A survey opened for answers (回答受付開始): how many groups it was sent to."

    survey_id: UUID
    targets: int = Field(ge=0, description="Registered groups matching the target set, and invited groups.")
    opened_at: datetime


class SurveyReminderDue(Contract):
    event_name: ClassVar[str] = "info_hub.survey.reminder_due"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = (
        "A survey closes soon (回答の督促): time to remind the targets that have not submitted. It names no target "
        "and counts none (who has answered, and how many, are published only with the statistics at the close): a "
        "notifier reads whom to remind from info-hub's restricted answers list (GET /surveys/{id}/answers, "
        "coordinators and auditors; a row with status none, draft or revising has not counted yet)."
    )

    survey_id: UUID
    due_at: datetime = Field(description="When the reminder was due (closes_at minus the reminder's days).")
    closes_at: datetime = Field(description="When the survey closes.")


class PublishedCell(ContractModel):
    category: str = Field(description="An option key, a band label or a band of years.")
    count: int | None = Field(description="Null when suppressed (秘匿).")
    percent: str | None = None
    suppressed: bool = Field(
        default=False,
        description="True when the count is suppressed (秘匿): too few groups, or hidden to protect another count; "
        "which of the two is never published.",
    )


class PublishedSummary(ContractModel):
    mean: str = Field(description="Mean of the answers, to two decimal places (from 3 answers).")
    median: str | None = Field(
        default=None,
        description="Median of the answers; null below 5 answers (with 3 it is one group's own value; with 4, "
        "4 × mean − 2 × median gives the sum of the smallest and largest answers).",
    )


class PublishedQuestion(ContractModel):
    key: str
    kind: QuestionKind
    answers: int
    published: bool
    distribution: list[PublishedCell] = Field(default_factory=list)
    summary: PublishedSummary | None = None


class PublishedCrosstab(ContractModel):
    row: str
    column: str
    published: bool
    rows: list[str] = Field(default_factory=list)
    columns: list[str] = Field(default_factory=list)
    cells: list[list[PublishedCell]] = Field(default_factory=list)
    row_totals: list[PublishedCell] = Field(default_factory=list)
    column_totals: list[PublishedCell] = Field(default_factory=list)
    total: int
    row_means: list[str | None] | None = None


class PublishedStatistics(ContractModel):
    targets: int
    answered: int
    response_rate_percent: str
    questions: list[PublishedQuestion]
    crosstabs: list[PublishedCrosstab]


class SurveyResultsPublished(Contract):
    event_name: ClassVar[str] = "info_hub.survey.results_published"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = (
        "A survey closed and its statistics were published (集計結果の公表), after disclosure control: cells of "
        "fewer than 3 groups and their complements suppressed, free text never published."
    )

    survey_id: UUID
    fiscal_year: int
    statistics: PublishedStatistics
    closed_at: datetime


PUBLISHED: list[type[Contract]] = [
    SurveyAnnounced,
    SurveyCancelled,
    SurveyOpened,
    SurveyReminderDue,
    SurveyResultsPublished,
]
