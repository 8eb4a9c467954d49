"""Request and response models of the survey (bad input: 422 naming the field, nothing stored)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from kyodo_info_hub.survey_stats import Statistics
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.web.pagination import Page

KEY = r"^[a-z][a-z0-9_]{0,63}$"


class KindIn(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    NUMBER = "number"
    DATE = "date"
    TEXT = "text"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SectionIn(_In):
    key: str = Field(pattern=KEY)
    title_ja: str = Field(min_length=1, max_length=200)
    title_en: str | None = Field(default=None, min_length=1, max_length=200)


class OptionIn(_In):
    key: str = Field(pattern=KEY)
    label_ja: str = Field(min_length=1, max_length=200)
    label_en: str | None = Field(default=None, min_length=1, max_length=200)


class QuestionIn(_In):
    key: str = Field(pattern=KEY, description="Stable across years: the same key is the same question (経年比較).")
    section: str = Field(pattern=KEY)
    kind: KindIn
    required: bool = False
    text_ja: str = Field(min_length=1, max_length=1000)
    text_en: str | None = Field(default=None, min_length=1, max_length=1000)
    options: list[OptionIn] = Field(default_factory=list, max_length=50)
    unit_ja: str | None = Field(default=None, min_length=1, max_length=20)
    unit_en: str | None = Field(default=None, min_length=1, max_length=20)
    min: Decimal | None = Field(default=None, allow_inf_nan=False)
    max: Decimal | None = Field(default=None, allow_inf_nan=False)
    bands: list[Decimal] = Field(default_factory=list, max_length=20, description="A number's bands' lower edges.")


class TargetsIn(_In):
    """Both empty: every registered group; otherwise registered groups with one of the fields and in one of the
    areas (each filter applied when given)."""

    fields: list[str] = Field(default_factory=list, max_length=50)
    areas: list[str] = Field(default_factory=list, max_length=50)


class QuestionnaireIn(_In):
    title_ja: str = Field(min_length=1, max_length=200)
    title_en: str | None = Field(default=None, min_length=1, max_length=200)
    fiscal_year: int = Field(ge=2000, le=2100, description="The survey's fiscal year (年度, April–March).")
    sections: list[SectionIn] = Field(min_length=1, max_length=30)
    questions: list[QuestionIn] = Field(min_length=1, max_length=200)
    targets: TargetsIn = Field(default_factory=TargetsIn)
    crosstabs: list[list[str]] = Field(default_factory=list, max_length=20)
    opens_at: AwareDatetime
    closes_at: AwareDatetime
    reminder_days: list[Annotated[int, Field(ge=1, le=365)]] = Field(
        default_factory=list, max_length=5, description="Days before the close (each inside the answer window)."
    )

    def events_form(self) -> dict[str, Any]:
        """As events keep it: decimals as strings, times as ISO 8601 in Asia/Tokyo."""
        body = self.model_dump(mode="json")
        for q in body["questions"]:
            for k in ("min", "max"):
                q[k] = str(q[k]) if q[k] is not None else None
            q["bands"] = [str(b) for b in q["bands"]]
        for k in ("opens_at", "closes_at"):
            body[k] = getattr(self, k).astimezone(TOKYO).isoformat()
        return body


class CrosstabsIn(_In):
    crosstabs: list[list[str]] = Field(max_length=20, description="Pairs of question keys [row, column].")


class CancellationIn(_In):
    reason_ja: str = Field(min_length=1, max_length=2000)
    reason_en: str | None = Field(default=None, min_length=1, max_length=2000)


class InvitationIn(_In):
    name_ja: str = Field(min_length=1, max_length=200, description="The invited group's name (restricted).")
    name_en: str | None = Field(default=None, min_length=1, max_length=200)


class AnswerIn(_In):
    values: dict[str, Any] = Field(description="Question key → answer (option key, list of keys, number, date, text).")
    submit: bool = Field(default=False, description="Submit (every required question answered) or save a draft.")


class SurveyView(BaseModel):
    id: UUID
    version: int = Field(description="The definition's version (the ETag): submissions do not change it.")
    status: str
    title_ja: str
    title_en: str | None
    fiscal_year: int
    sections: list[dict[str, Any]]
    questions: list[dict[str, Any]]
    targets: dict[str, Any]
    crosstabs: list[list[str]]
    opens_at: datetime
    closes_at: datetime
    reminder_days: list[int]
    announced_at: datetime | None
    opened_at: datetime | None
    closed_at: datetime | None
    cancellation: dict[str, Any] | None
    targets_count: int | None = Field(description="Groups the survey was sent to (from the opening).")
    submitted_count: int | None = Field(description="Groups that submitted: published at the close.")


class SurveyPage(Page[SurveyView]):
    pass


class InvitationView(BaseModel):
    invitation_id: str
    survey_id: UUID
    link: str | None = Field(default=None, description="The one-time link (its token): shown this once only.")
    token: str | None = Field(default=None, description="The link's secret, sent as X-Survey-Token.")


class InvitedGroup(BaseModel):
    invitation_id: str
    name_ja: str
    name_en: str | None
    issued_at: datetime
    reissued_at: datetime | None = None
    submitted_at: datetime | None = None


class InvitationPage(Page[InvitedGroup]):
    pass


class AnswerView(BaseModel):
    survey_id: UUID
    respondent: str = Field(description="A registered group's id, or an invitation's id.")
    status: str = Field(description="draft | submitted | revising (a draft saved after submitting)")
    values: dict[str, Any]
    submitted_values: dict[str, Any] | None
    saved_at: datetime
    submitted_at: datetime | None
    submissions: int


class AnswerRow(BaseModel):
    respondent: str
    invited: bool
    status: str = Field(description="none | draft | submitted | revising")
    counted: bool = Field(description="Submitted: counted at the close.")
    values: dict[str, Any] | None = None
    submitted_values: dict[str, Any] | None = None
    saved_at: datetime | None = None
    submitted_at: datetime | None = None


class AnswerPage(Page[AnswerRow]):
    pass


class StatisticsView(BaseModel):
    survey_id: UUID
    fiscal_year: int
    closed_at: datetime
    statistics: Statistics


class HistoryEntry(BaseModel):
    survey_id: UUID
    fiscal_year: int
    title_ja: str
    title_en: str | None
    closed_at: datetime
    question: dict[str, Any] = Field(description="The question's texts and options in that year.")
    statistics: dict[str, Any] | None = Field(description="Its published statistics in that year.")
    response_rate_percent: str | None


class HistoryPage(Page[HistoryEntry]):
    """One per closed survey that asked the question, oldest year first."""


class QuestionHistory(HistoryPage):
    key: str = Field(description="The question's stable key.")
