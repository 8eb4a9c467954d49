"""Request and response bodies of the screening service's routes (strict: unknown fields are errors)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field, field_validator

from kyodo_screening.vocabulary import DEFAULT_CHECKLIST, FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR, Form, Outcome, Rating
from kyodo_shared.web.pagination import Page
from kyodo_shared.web.problems import rule_error
from kyodo_shared.web.schemas import Strict

Text = Annotated[str, Field(min_length=1, max_length=4000)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
Key = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")]
FiscalYear = Annotated[int, Field(ge=FIRST_FISCAL_YEAR, le=LAST_FISCAL_YEAR, description="April–March (Asia/Tokyo).")]
ProjectNumber = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z][0-9A-Za-z._/-]{0,39}$")]


class ProjectRecordIn(Strict):
    """A project as its department keeps it; the same columns as the CSV import."""

    project_number: ProjectNumber = Field(description="事業番号, unique per department and fiscal year.")
    title: ShortText = Field(description="事業名")
    purpose: Annotated[str, Field(min_length=1, max_length=2000)] = Field(description="目的")
    legal_basis: Annotated[str, Field(max_length=500)] = Field(default="", description="根拠法令")
    budget_yen: Annotated[int, Field(ge=0, le=10**13)] = Field(description="予算額 (whole yen)")
    beneficiaries: Annotated[str, Field(max_length=500)] = Field(default="", description="対象者")
    delivery: Annotated[str, Field(max_length=500)] = Field(default="", description="実施方法")
    period: Annotated[str, Field(max_length=200)] = Field(default="", description="期間")
    contact: Annotated[str, Field(max_length=200)] = Field(default="", description="担当 (a section)")
    group_ids: Annotated[list[UUID], Field(max_length=20)] = Field(
        default_factory=list, description="Civic groups named in the project (members interested in them recuse)."
    )

    def record(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class ProjectEntry(ProjectRecordIn):
    department_id: UUID
    fiscal_year: FiscalYear


class ProjectView(BaseModel):
    id: UUID
    version: int
    department_id: UUID
    fiscal_year: int
    record: dict[str, Any]
    awaiting_round: bool


class EvaluationNote(BaseModel):
    """The evaluation committee's latest published recommendation for the project, or for the same department's
    project of the same number in an earlier fiscal year (評価結果の提言)."""

    evaluation_project_id: UUID = Field(description="The collaboration project evaluated (evaluation service).")
    screening_project_id: UUID = Field(description="The screened project it came from.")
    fiscal_year: int | None = Field(description="That project's fiscal year.")
    recommendation: str = Field(
        description="expand (継続・拡充), improve (改善して継続), independent (自主事業化) or end (終了)."
    )
    reasons_ja: str
    reasons_en: str | None
    published_at: str = Field(description="Asia/Tokyo.")
    from_earlier_year: bool = Field(description="Whether it is an earlier fiscal year's project's recommendation.")


class ProjectSummary(BaseModel):
    id: UUID
    department_id: UUID
    fiscal_year: int
    project_number: str
    title: str
    budget_yen: int
    awaiting_round: bool
    status: str | None = Field(default=None, description="In a round: pending, suitable, not_suitable, needs_study.")
    assessments: int | None = None
    self_checked: bool | None = None
    evaluation: EvaluationNote | None = Field(default=None, description="The latest evaluation recommendation.")


ProjectPage = Page[ProjectSummary]


class ImportResultView(BaseModel):
    entered: list[str]
    updated: list[str]
    unchanged: list[str]


class ChecklistItemIn(Strict):
    key: Key
    name_ja: ShortText
    name_en: ShortText | None = None


class RoundDraft(Strict):
    fiscal_year: FiscalYear
    title_ja: ShortText
    title_en: ShortText | None = None
    checklist: Annotated[list[ChecklistItemIn], Field(min_length=1, max_length=20)] = Field(
        default_factory=lambda: [ChecklistItemIn(**item) for item in DEFAULT_CHECKLIST],
        description="The criteria the city screens by; the default is the city's five.",
    )
    department_ids: Annotated[list[UUID], Field(min_length=1, max_length=200)]
    self_check_deadline: AwareDatetime = Field(description="Within the fiscal year; shown in Asia/Tokyo.")

    @field_validator("checklist")
    @classmethod
    def _distinct_keys(cls, items: list[ChecklistItemIn]) -> list[ChecklistItemIn]:
        keys = [item.key for item in items]
        if len(set(keys)) != len(keys):
            raise rule_error("checklist_key_repeated", "チェックリストの項目キーが重複しています", "A key is repeated")
        return items

    @field_validator("department_ids")
    @classmethod
    def _distinct_departments(cls, ids: list[UUID]) -> list[UUID]:
        if len(set(ids)) != len(ids):
            raise rule_error("department_repeated", "部署が重複しています", "A department is repeated")
        return ids

    def spec(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class RoundView(BaseModel):
    id: UUID
    version: int
    status: str
    fiscal_year: int
    title_ja: str
    title_en: str | None
    checklist: list[dict[str, Any]]
    department_ids: list[UUID]
    self_check_deadline: datetime
    self_check_open: bool
    opened_on: date | None
    team_subs: list[str]
    closed_at: datetime | None


class RoundSummary(BaseModel):
    id: UUID
    fiscal_year: int
    title_ja: str
    status: str


RoundPage = Page[RoundSummary]


class Answer(Strict):
    key: Key
    rating: Rating
    reason: Annotated[str, Field(min_length=1, max_length=2000)] = Field(description="Why (理由): required.")


class Answers(Strict):
    answers: Annotated[list[Answer], Field(min_length=1, max_length=20)]

    def dumped(self) -> list[dict[str, Any]]:
        return [a.model_dump(mode="json") for a in self.answers]


class DecisionIn(Strict):
    outcome: Outcome
    forms: Annotated[list[Form], Field(max_length=8)] = Field(default_factory=list)
    reasons_ja: Text = Field(description="理由 (required, Japanese).")
    reasons_en: Text | None = None
    rescreen_on: date | None = Field(default=None, description="needs_study: the day it is screened again.")
    replaces: UUID | None = Field(default=None, description="A correction names the decision it replaces.")

    def body(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class ScreeningView(BaseModel):
    round_id: UUID
    project_id: UUID
    department_id: UUID
    fiscal_year: int
    project: dict[str, Any]
    status: str
    cycle: int
    version: int | None
    self_checked: bool
    assessment_count: int
    self_check: list[dict[str, Any]] | None = Field(description="Coordinators, auditors and the liaison only.")
    decisions: list[dict[str, Any]] = Field(description="Every decision, corrections included, as published.")
    checklist: list[dict[str, Any]]
    evaluation: EvaluationNote | None = Field(
        description="The evaluation committee's latest recommendation for this project, or for its department's "
        "project of the same number in an earlier fiscal year (評価結果の提言)."
    )
