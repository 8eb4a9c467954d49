"""The registry's vocabulary: the six criteria, a group's statuses, and the typed parts of a group's state.

Part of the domain (`domain` re-exports it), kept apart so the `Group` aggregate's module stays readable; the
aggregate and its events stay in `domain`, where their stored topics name them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Criterion(StrEnum):
    """The six registration criteria (団体登録の6基準), in their published order.

    The domain's own vocabulary: the wire contract (`kyodo_contracts.registry.Criterion`) has the same
    values and the bus module maps between them. Stored events keep the plain strings.
    """

    PUBLIC_INTEREST = "public_interest"  # 公益性
    NON_PROFIT_DISTRIBUTING = "non_profit_distributing"  # 非営利
    PRIVATE = "private"  # 民間
    VOLUNTARY = "voluntary"  # 自発的
    FORMALLY_ORGANIZED = "formally_organized"  # 組織性
    SELF_GOVERNING = "self_governing"  # 自己統治


class GroupStatus(StrEnum):
    UNDER_REVIEW = "under_review"
    INFORMATION_REQUESTED = "information_requested"
    REGISTERED = "registered"
    REJECTED = "rejected"
    LAPSED = "lapsed"
    SUSPENDED = "suspended"
    DISSOLVED = "dissolved"


@dataclass(frozen=True)
class Assessment:
    """One criterion's assessment in the current round (state only: the event keeps its plain fields)."""

    met: bool
    reason: str
    assessor_sub: str
    round: int


@dataclass(frozen=True)
class Handover:
    """A proposed change of representative, waiting for the new one to confirm (or a coordinator to decide)."""

    new_sub: str
    proposed_by: str


CRITERIA: tuple[Criterion, ...] = tuple(Criterion)
# Criteria 5 and 6: changed bylaws or a newly declared tie re-open them.
RECHECKED: tuple[Criterion, ...] = (Criterion.FORMALLY_ORGANIZED, Criterion.SELF_GOVERNING)

UNDER_REVIEW = GroupStatus.UNDER_REVIEW
INFORMATION_REQUESTED = GroupStatus.INFORMATION_REQUESTED
REGISTERED = GroupStatus.REGISTERED
REJECTED = GroupStatus.REJECTED
LAPSED = GroupStatus.LAPSED
SUSPENDED = GroupStatus.SUSPENDED
DISSOLVED = GroupStatus.DISSOLVED
# Every state a group can still change in (rejected groups only re-apply; dissolved ones are closed).
LIVE = (UNDER_REVIEW, INFORMATION_REQUESTED, REGISTERED, LAPSED, SUSPENDED)
