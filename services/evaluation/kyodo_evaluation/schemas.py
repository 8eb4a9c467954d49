"""Request and response bodies of the evaluation service's routes (strict: unknown fields are errors)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, Field

from kyodo_evaluation.vocabulary import HIGHEST, LOWEST, Form, Recommendation, ValueType
from kyodo_shared.web.pagination import Page
from kyodo_shared.web.schemas import Strict

Text = Annotated[str, Field(min_length=1, max_length=4000)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
Key = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")]
Yen = Annotated[int, Field(ge=0, le=10**13, strict=True)]
# Exact numbers travel as text ("12", "37.5"): whether one fits its indicator is the agreement's rule.
Number = Annotated[str, Field(min_length=1, max_length=24)]
Unit = Annotated[str, Field(min_length=1, max_length=20)]


class IndicatorIn(Strict):
    key: Key
    name_ja: ShortText
    name_en: ShortText | None = None
    unit: Unit = Field(description="The unit values are reported in (人, 回, 円, %).")
    value_type: ValueType = Field(description="count / yen (whole numbers ≥ 0), percent (0–100), decimal.")
    baseline: Number
    target: Number
    method_ja: Text = Field(description="How it is measured (測定方法).")


class BudgetIn(Strict):
    total_yen: Yen
    city_yen: Yen = Field(description="The city's share; city_yen + group_yen must equal total_yen.")
    group_yen: Yen


class AgreementIn(Strict):
    """A version of the agreement (協定書)."""

    title_ja: ShortText
    title_en: ShortText | None = None
    role_group_ja: Text = Field(description="The group's role (団体の役割).")
    role_department_ja: Text = Field(description="The department's role (市の役割).")
    budget: BudgetIn
    period_start: date
    period_end: date = Field(description="Last day (Asia/Tokyo, inclusive).")
    deliverables: Annotated[list[ShortText], Field(max_length=50)]
    indicators: Annotated[list[IndicatorIn], Field(min_length=1, max_length=30)]
    report_dates: Annotated[list[date], Field(max_length=24)] = Field(
        description="Interim reports are due by the end of these days, ascending, inside the period."
    )

    def agreement(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class CriterionIn(Strict):
    key: Key
    name_ja: ShortText
    name_en: ShortText | None = None


class CriteriaIn(Strict):
    criteria: Annotated[list[CriterionIn], Field(min_length=1, max_length=12)] = Field(
        description="The evaluation criteria (評価項目) the partners and the committee rate 1–5."
    )

    def dumped(self) -> list[dict[str, Any]]:
        return [c.model_dump(mode="json") for c in self.criteria]


class AgreementDraft(Strict):
    agreement: AgreementIn
    reason: Text | None = Field(default=None, description="For an amendment (after conclusion): why (変更理由).")


class Confirmation(Strict):
    agreement_hash: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] = Field(
        description="The SHA-256 of the version confirmed, as the project's `draft.hash` shows it."
    )


class FromScreening(Strict):
    screening_decision_id: UUID
    group_id: UUID
    form: Form = Field(
        description="co_hosting (共催), endorsement (後援) or information_exchange (情報交換): the forms that need no "
        "call (the others are refused)."
    )


class NamedDepartment(Strict):
    department_id: UUID = Field(description="The partnering department (a department of the registry).")


class ValueIn(Strict):
    key: Key
    value: Number
    unit: Unit


class ReportIn(Strict):
    values: Annotated[list[ValueIn], Field(min_length=1, max_length=30)]
    summary_ja: Text


class RatingIn(Strict):
    key: Key
    rating: Annotated[int, Field(ge=LOWEST, le=HIGHEST, strict=True)]
    comment_ja: Text


class SelfEvaluationIn(Strict):
    ratings: Annotated[list[RatingIn], Field(min_length=1, max_length=20)]
    achieved: Annotated[list[ValueIn], Field(min_length=1, max_length=30)]
    summary_ja: Text


class CommitteeIn(Strict):
    committee_id: UUID = Field(description="An evaluation committee (協働事業評価委員会) of the registry.")
    quorum: Annotated[int, Field(ge=2, le=100, strict=True)] | None = Field(
        default=None, description="Counted evaluations needed (at least 2); by default a majority of the members."
    )


class ConflictIn(Strict):
    kind: Annotated[str, Field(pattern=r"^(member|officer|close_relation|business|other)$")]
    reason: ShortText


class PinnedConflictIn(ConflictIn):
    member_sub: ShortText


class SubstituteIn(Strict):
    member_sub: ShortText = Field(description="A member of the evaluation committee today, not yet on this one.")
    reason: Text = Field(
        description="Published: why, in general terms (回避により定足数に満たないため); never whose recusal or "
        "what interest."
    )


class ScoreIn(Strict):
    points: dict[Key, Annotated[int, Field(ge=LOWEST, le=HIGHEST, strict=True)]]
    comments: dict[Key, Text] = Field(
        default_factory=dict,
        description="Per criterion. Published with the report, unattributed and in text order: write for the public.",
    )


class RecommendationIn(Strict):
    recommendation: Recommendation = Field(
        description="expand (継続・拡充), improve (改善して継続), independent (自主事業化), end (終了)."
    )
    reasons_ja: Text
    reasons_en: Text | None = None


class ProjectView(BaseModel):
    id: UUID
    version: int
    source: str
    status: str
    group_id: UUID
    department_id: UUID
    title_ja: str
    links: dict[str, Any]
    criteria: list[dict[str, Any]]
    agreement: dict[str, Any] | None = Field(description="The agreement in force, with its version and hash.")
    draft: dict[str, Any] | None = Field(description="The version awaiting confirmation, with its hash.")
    confirmed_by: list[str] = Field(description="The partners who confirmed the draft.")
    amendments: int
    ended_on: str | None
    self_evaluation_deadline: str | None
    self_evaluations_in: list[str] = Field(description="Which partners' self-evaluations are in (not their content).")
    unsealed: bool
    overdue: list[str] = Field(description="'<partner>|<report index>' of reports overdue.")
    recommendation: str | None


class ProjectSummary(BaseModel):
    project_id: UUID
    group_id: UUID
    department_id: UUID
    title_ja: str
    source: str
    status: str
    created_at: str
    links: dict[str, Any]
    agreement_version: int | None
    period_end: str | None
    recommendation: str | None


class ProjectPage(Page[ProjectSummary]):
    pass


class SubmittedSelfEvaluation(BaseModel):
    project_version: int
    receipt: dict[str, Any] = Field(description="Signed receipt (Ed25519 over RFC 8785 JSON), as for proposals.")
