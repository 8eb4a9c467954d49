"""The screening service's vocabulary: outcomes, forms of collaboration, ratings, the default checklist, and the
city's fiscal year (April–March, Asia/Tokyo). Stored as their strings; the wire contracts read the same strings.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum


class Outcome(StrEnum):
    SUITABLE = "suitable"  # 協働に適する
    NOT_SUITABLE = "not_suitable"  # 協働に適さない
    NEEDS_STUDY = "needs_study"  # 要検討


class Form(StrEnum):
    """Forms of collaboration (協働の形態)."""

    COMMISSION = "commission"  # 委託
    SUBSIDY = "subsidy"  # 補助
    CO_HOSTING = "co_hosting"  # 共催
    ENDORSEMENT = "endorsement"  # 後援
    COOPERATION = "cooperation"  # 事業協力
    COMMITTEE = "committee"  # 実行委員会・協議会
    INFORMATION_EXCHANGE = "information_exchange"  # 情報提供・情報交換
    POLICY_PARTICIPATION = "policy_participation"  # 政策立案への参画


class Rating(StrEnum):
    YES = "yes"  # 該当する
    PARTLY = "partly"  # 一部該当する
    NO = "no"  # 該当しない


class RoundStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    # Accepts nothing more; closed for good once work already under way has finished (a short grace period).
    CLOSING = "closing"
    CLOSED = "closed"


# The criteria the city screens by unless a round's checklist says otherwise (editable until the round opens).
DEFAULT_CHECKLIST: tuple[dict[str, str], ...] = (
    {"key": "citizen_view", "name_ja": "市民の視点が活かせるか", "name_en": "Can citizens' viewpoint be used?"},
    {
        "key": "expertise",
        "name_ja": "団体の専門性・先駆性が活かせるか",
        "name_en": "Can groups' expertise and pioneering work be used?",
    },
    {
        "key": "flexibility",
        "name_ja": "きめ細やかで柔軟な対応が必要か",
        "name_en": "Does it need attentive, flexible service?",
    },
    {"key": "community", "name_ja": "地域に根ざした活動が有効か", "name_en": "Is community-rooted activity effective?"},
    {"key": "cost_effectiveness", "name_ja": "費用対効果", "name_en": "Cost-effectiveness"},
)

# The inventory's fields, in the order a form and the CSV show them.
RECORD_FIELDS = (
    "project_number",
    "title",
    "purpose",
    "legal_basis",
    "budget_yen",
    "beneficiaries",
    "delivery",
    "period",
    "contact",
    "group_ids",
)

# Fiscal years a city would screen: real ones, not typos.
FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR = 2000, 2100


def fiscal_year_of(day: date) -> int:
    """The fiscal year a Tokyo calendar day belongs to: FY2026 runs 2026-04-01…2027-03-31."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_span(fiscal_year: int) -> tuple[date, date]:
    """First and last day of a fiscal year."""
    return date(fiscal_year, 4, 1), date(fiscal_year + 1, 3, 31)
