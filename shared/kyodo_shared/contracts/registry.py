"""Contracts published by the registry service (civic activity groups and their registration)."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from kyodo_shared.contracts.base import Contract, ContractModel


class Criterion(StrEnum):
    """The six criteria a civic activity group (市民活動団体) must meet to be registered."""

    PUBLIC_INTEREST = "public_interest"  # 公益性
    NON_PROFIT_DISTRIBUTING = "non_profit_distributing"  # 非営利
    PRIVATE = "private"  # 民間
    VOLUNTARY = "voluntary"  # 自発的
    FORMALLY_ORGANIZED = "formally_organized"  # 組織性
    SELF_GOVERNING = "self_governing"  # 自己統治


CRITERIA_ORDER: tuple[str, ...] = tuple(c.value for c in Criterion)


class GroupProfile(ContractModel):
    """Public profile fields shared by several registry contracts."""

    name: str = Field(description="Group name as registered (団体名).")
    purpose: str = Field(description="Purpose of the group (活動目的).")
    fields_of_activity: list[str] = Field(description="Fields of activity (活動分野).")
    area: str = Field(description="Main area of activity within the city (活動地域).")


class GroupApplied(Contract):
    """A group applied for registration. Carries no personal data of its representative, only the opaque `sub`."""

    event_name: ClassVar[str] = "registry.group.applied"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A civic activity group applied for registration (登録申請)."

    group_id: UUID
    profile: GroupProfile
    representative_sub: str = Field(description="Identity provider's opaque subject id of the representative.")


class CriterionAssessed(Contract):
    """A coordinator assessed one of the six criteria, with a reason."""

    event_name: ClassVar[str] = "registry.group.criterion_assessed"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "One registration criterion was assessed (基準の審査)."

    group_id: UUID
    criterion: Criterion
    met: bool
    reason: str
    assessor_sub: str


class GroupRegistered(Contract):
    """All six criteria were met: the group is registered and appears in the public directory."""

    event_name: ClassVar[str] = "registry.group.registered"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A civic activity group was registered (登録)."

    group_id: UUID
    profile: GroupProfile
    representative_sub: str


class UnmetCriterion(ContractModel):
    """A criterion that was not met, with the assessor's reason."""

    criterion: Criterion
    reason: str


class GroupRejected(Contract):
    """At least one criterion was not met: the application is rejected with every unmet criterion and reason."""

    event_name: ClassVar[str] = "registry.group.rejected"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A registration application was rejected, with reasons (登録不可)."

    group_id: UUID
    unmet: list[UnmetCriterion] = Field(min_length=1)


PUBLISHED: tuple[type[Contract], ...] = (GroupApplied, CriterionAssessed, GroupRegistered, GroupRejected)
