"""The parts that the evaluation service's contracts (`kyodo_contracts.evaluation`) are made of: the partners, a
project's source, indicators and their values, the agreement (協定書), criteria and ratings, a self-evaluation and
the published report's labelled evaluations. Not messages themselves; `evaluation` re-exports each, so readers name
them there (`evaluation.Agreement`).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import Field

from kyodo_contracts.base import ContractModel


class Partner(StrEnum):
    GROUP = "group"  # 市民活動団体
    DEPARTMENT = "department"  # 市の担当部署


class Source(StrEnum):
    ADOPTION = "adoption"  # 提案の採択 (proposals.proposal.adopted)
    SCREENING = "screening"  # 事業の選別で協働に適するとされた事業 (共催・後援・情報交換)


class ValueType(StrEnum):
    """What an indicator's values are: whole counts, whole yen, a percentage, or a decimal number."""

    COUNT = "count"  # 件数・人数 (integer ≥ 0)
    YEN = "yen"  # 金額 (integer yen ≥ 0)
    PERCENT = "percent"  # 割合 (decimal 0–100)
    DECIMAL = "decimal"  # その他の数値 (decimal)


class Recommendation(StrEnum):
    EXPAND = "expand"  # 継続・拡充
    IMPROVE = "improve"  # 改善して継続
    INDEPENDENT = "independent"  # 自主事業化
    END = "end"  # 終了


class Criterion(ContractModel):
    key: str
    name_ja: str
    name_en: str | None = None


class Indicator(ContractModel):
    key: str = Field(description="Stable key, unique in the agreement.")
    name_ja: str
    name_en: str | None = None
    unit: str = Field(description="The unit values are reported in (e.g. 人, 回, 円, %).")
    value_type: ValueType
    baseline: str = Field(description="Exact decimal (or integer) as text.")
    target: str = Field(description="Exact decimal (or integer) as text.")
    method_ja: str = Field(description="How it is measured (測定方法).")


class Budget(ContractModel):
    total_yen: int = Field(ge=0)
    city_yen: int = Field(ge=0, description="The city's share; city_yen + group_yen = total_yen.")
    group_yen: int = Field(ge=0, description="The group's share.")


class Agreement(ContractModel):
    """One version of a collaboration agreement (協定書), as both partners confirmed it."""

    title_ja: str
    title_en: str | None = None
    role_group_ja: str = Field(description="The group's role (団体の役割).")
    role_department_ja: str = Field(description="The department's role (市の役割).")
    budget: Budget
    period_start: date
    period_end: date = Field(description="Last day of the project (Asia/Tokyo, inclusive).")
    deliverables: list[str]
    indicators: list[Indicator]
    report_dates: list[date] = Field(description="Interim reports are due by the end of these days (Asia/Tokyo).")


class IndicatorValue(ContractModel):
    key: str
    value: str = Field(description="Exact decimal (or integer) as text.")
    unit: str


class CriterionRating(ContractModel):
    key: str
    rating: int = Field(ge=1, le=5, description="1 (low) to 5 (high).")
    comment_ja: str


class SelfEvaluation(ContractModel):
    partner: Partner
    ratings: list[CriterionRating]
    achieved: list[IndicatorValue] = Field(description="The partner's account of each indicator at the end.")
    summary_ja: str
    content_hash: str = Field(description="The hash the partner's receipt names.")
    submitted_at: datetime


class LabelledEvaluation(ContractModel):
    label: str = Field(description="A member label, shuffled for this project (not linkable to a member).")
    points: dict[str, int] = Field(description="1–5 per criterion key.")


class IndicatorResult(ContractModel):
    indicator: Indicator = Field(description="As the agreement in force defines it.")
    first_target: str | None = Field(
        default=None, description="The target the first agreement set (an amendment may have changed it)."
    )
    achieved_group: str | None
    achieved_department: str | None
