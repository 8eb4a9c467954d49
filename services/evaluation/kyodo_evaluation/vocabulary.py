"""The evaluation service's vocabulary: partners, sources, indicator value types, recommendations, the project's
life, the default evaluation criteria, and exact numbers. Stored as their strings; the contracts read the same.
"""

from __future__ import annotations

import re
from enum import StrEnum
from fractions import Fraction

from kyodo_shared.domain.refusals import Refusal


class Partner(StrEnum):
    GROUP = "group"  # 市民活動団体
    DEPARTMENT = "department"  # 市の担当部署


class Source(StrEnum):
    ADOPTION = "adoption"  # 提案の採択
    SCREENING = "screening"  # 事業の選別 (共催・後援・情報交換: no call needed)


class ValueType(StrEnum):
    COUNT = "count"  # 件数・人数 (integer ≥ 0)
    YEN = "yen"  # 金額 (integer yen ≥ 0)
    PERCENT = "percent"  # 割合 (decimal 0–100)
    DECIMAL = "decimal"  # その他の数値


class Form(StrEnum):
    """The forms of collaboration (協働の形態), as screening decides them."""

    COMMISSION = "commission"  # 委託
    SUBSIDY = "subsidy"  # 補助
    CO_HOSTING = "co_hosting"  # 共催
    ENDORSEMENT = "endorsement"  # 後援
    COOPERATION = "cooperation"  # 事業協力
    COMMITTEE = "committee"  # 実行委員会・協議会
    INFORMATION_EXCHANGE = "information_exchange"  # 情報提供・情報交換
    POLICY_PARTICIPATION = "policy_participation"  # 政策立案への参画


class Recommendation(StrEnum):
    EXPAND = "expand"  # 継続・拡充
    IMPROVE = "improve"  # 改善して継続
    INDEPENDENT = "independent"  # 自主事業化
    END = "end"  # 終了


class Status(StrEnum):
    DRAFTING = "drafting"  # 協定の協議中
    ACTIVE = "active"  # 実施中 (the agreement is in force)
    ENDED = "ended"  # 終了: self-evaluations due
    EVALUATING = "evaluating"  # 自己評価の公開後: the committee's turn
    REPORTED = "reported"  # 評価結果の公表済み


class ConfirmedBy(StrEnum):
    CHAIR = "chair"
    VICE_CHAIR = "vice_chair"
    ACTING_CHAIR = "acting_chair"


# The forms of collaboration a suitable screening decision may lead to without a call (共催・後援・情報交換).
NO_CALL_FORMS = ("co_hosting", "endorsement", "information_exchange")

# The published evaluation criteria (評価項目): both partners' self-evaluations and the committee use them.
DEFAULT_CRITERIA: tuple[dict[str, str], ...] = (
    {"key": "achievement", "name_ja": "目標の達成度", "name_en": "Achievement of the goals"},
    {
        "key": "collaboration",
        "name_ja": "協働の効果（情報共有・役割分担・信頼関係）",
        "name_en": "Effect of collaboration (information sharing, division of roles, trust)",
    },
    {"key": "citizen_benefit", "name_ja": "市民にとっての成果", "name_en": "Outcomes for citizens"},
    {"key": "cost_effectiveness", "name_ja": "費用対効果", "name_en": "Cost-effectiveness"},
    {"key": "future_direction", "name_ja": "今後の方向性", "name_en": "Future direction"},
)

# Ratings and committee points per criterion.
LOWEST, HIGHEST = 1, 5

_INTEGER = re.compile(r"^(0|[1-9][0-9]{0,14})$")
_DECIMAL = re.compile(r"^-?(0|[1-9][0-9]{0,14})(\.[0-9]{1,6})?$")


def exact(value_type: str, text: str, field: str) -> Fraction:
    """An indicator value as an exact number, refused (naming the field) when it is not of the indicator's type:
    counts and yen are whole non-negative numbers, a percentage is a decimal from 0 to 100."""
    kind = ValueType(value_type)
    if kind in (ValueType.COUNT, ValueType.YEN):
        if not _INTEGER.fullmatch(text):
            raise Refusal("value_not_whole", field=field, rule="value_not_whole", value_type=kind.value)
        return Fraction(int(text))
    if not _DECIMAL.fullmatch(text):
        raise Refusal("value_not_decimal", field=field, rule="value_not_decimal", value_type=kind.value)
    number = Fraction(text)
    if kind is ValueType.PERCENT and not (0 <= number <= 100):
        raise Refusal("percent_out_of_range", field=field, rule="percent_out_of_range")
    return number


def fraction_text(value: Fraction) -> str:
    """'n/d' in lowest terms (the published exact form; '3/1' for a whole number)."""
    return f"{value.numerator}/{value.denominator}"
