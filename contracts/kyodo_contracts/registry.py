"""Contracts published by the registry service (civic activity groups and their registration)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from kyodo_contracts.base import Contract, ContractModel


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
    founded: date | None = Field(default=None, description="Date the group was founded (設立年月日).")
    members_count: int | None = Field(default=None, ge=0, description="Number of members (会員数).")
    website: str | None = Field(default=None, description="Public website of the group.")


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
    renewal_due: date | None = Field(default=None, description="Last day to renew (更新期限, Asia/Tokyo).")


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


class GroupInformationRequested(Contract):
    """A coordinator asked the group for more information; the application waits for the answer."""

    event_name: ClassVar[str] = "registry.group.information_requested"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "More information was requested from an applicant group (追加資料の依頼)."

    group_id: UUID
    criteria: list[Criterion] = Field(description="The criteria the question is about.")
    requested_by_sub: str


class GroupInformationProvided(Contract):
    """The group answered a request for information; the application is under review again."""

    event_name: ClassVar[str] = "registry.group.information_provided"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "An applicant group answered a request for information (追加資料の提出)."

    group_id: UUID


class GroupReapplied(Contract):
    """A rejected group applied again: a new round of assessment of all six criteria starts."""

    event_name: ClassVar[str] = "registry.group.reapplied"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A rejected group applied again (再申請)."

    group_id: UUID
    round: int = Field(ge=2, description="Assessment round, 1 being the first application.")
    profile: GroupProfile
    representative_sub: str


class GroupProfileUpdated(Contract):
    """The group's public profile changed."""

    event_name: ClassVar[str] = "registry.group.profile_updated"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A group's public profile was updated (団体情報の変更)."

    group_id: UUID
    profile: GroupProfile


class GroupBylawsChanged(Contract):
    """New bylaws (会則) were filed; the document itself stays in the registry, identified by its hash."""

    event_name: ClassVar[str] = "registry.group.bylaws_changed"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A group filed changed bylaws (会則の変更)."

    group_id: UUID
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the bylaws document.")


class TieKind(StrEnum):
    """Kinds of ties a group declares in the register backing criterion 6 (自己統治)."""

    POLITICAL = "political"
    RELIGIOUS = "religious"
    COMMERCIAL = "commercial"
    OTHER = "other"


class GroupTieDeclared(Contract):
    """The group declared a tie to an organization (the register of declared ties)."""

    event_name: ClassVar[str] = "registry.group.tie_declared"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A group declared a tie to another organization (関係団体の届出)."

    group_id: UUID
    tie_id: UUID
    kind: TieKind
    counterpart: str = Field(description="The organization the group is tied to.")


class GroupTieWithdrawn(Contract):
    """A declared tie ended."""

    event_name: ClassVar[str] = "registry.group.tie_withdrawn"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A declared tie ended (関係の解消)."

    group_id: UUID
    tie_id: UUID


class GroupRecheckOpened(Contract):
    """Changed bylaws or a new tie re-opened criteria 5 and 6; a registered group stays registered meanwhile."""

    event_name: ClassVar[str] = "registry.group.recheck_opened"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "Criteria were re-opened for assessment (基準の再確認)."

    group_id: UUID
    criteria: list[Criterion]
    cause: str = Field(
        description="bylaws_changed, tie_declared, or interest_declared (an assessor declared an interest in the "
        "group)."
    )


class GroupRecheckPassed(Contract):
    """Every re-opened criterion was met again."""

    event_name: ClassVar[str] = "registry.group.recheck_passed"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "Re-opened criteria were met again (再確認の完了)."

    group_id: UUID


class GroupRenewed(Contract):
    """The group renewed its registration (annual renewal)."""

    event_name: ClassVar[str] = "registry.group.renewed"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A group renewed its registration (登録更新)."

    group_id: UUID
    renewal_due: date = Field(description="Next last day to renew (Asia/Tokyo).")


class GroupLapsed(Contract):
    """The renewal was not made by its due date: the registration lapsed until the group renews."""

    event_name: ClassVar[str] = "registry.group.lapsed"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A registration lapsed for want of renewal (登録の失効)."

    group_id: UUID
    due: date


class GroupSuspended(Contract):
    """A coordinator suspended the registration (or a re-check failed), with the reason."""

    event_name: ClassVar[str] = "registry.group.suspended"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A registration was suspended (登録の停止)."

    group_id: UUID
    reason: str


class GroupReinstated(Contract):
    """A suspended registration was reinstated, with the reason."""

    event_name: ClassVar[str] = "registry.group.reinstated"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A suspended registration was reinstated (登録停止の解除)."

    group_id: UUID
    reason: str
    renewal_due: date


class GroupDissolved(Contract):
    """The group dissolved (解散); it leaves the directory."""

    event_name: ClassVar[str] = "registry.group.dissolved"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A group dissolved (解散)."

    group_id: UUID
    reason: str


class GroupRepresentativeChanged(Contract):
    """Who represents the group changed. Other services authorize by comparing `sub` with the caller's token."""

    event_name: ClassVar[str] = "registry.group.representative_changed"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A group's representative changed (代表者の交代)."

    group_id: UUID
    representative_sub: str
    previous_sub: str


class GroupContactAdded(Contract):
    """A person may now act for the group (delegated contact, 連絡担当者)."""

    event_name: ClassVar[str] = "registry.group.contact_added"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A delegated contact was added to a group (連絡担当者の追加)."

    group_id: UUID
    contact_sub: str


class GroupContactRemoved(Contract):
    """A person no longer acts for the group."""

    event_name: ClassVar[str] = "registry.group.contact_removed"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A delegated contact was removed from a group (連絡担当者の削除)."

    group_id: UUID
    contact_sub: str


PUBLISHED: tuple[type[Contract], ...] = (
    GroupApplied,
    CriterionAssessed,
    GroupRegistered,
    GroupRejected,
    GroupInformationRequested,
    GroupInformationProvided,
    GroupReapplied,
    GroupProfileUpdated,
    GroupBylawsChanged,
    GroupTieDeclared,
    GroupTieWithdrawn,
    GroupRecheckOpened,
    GroupRecheckPassed,
    GroupRenewed,
    GroupLapsed,
    GroupSuspended,
    GroupReinstated,
    GroupDissolved,
    GroupRepresentativeChanged,
    GroupContactAdded,
    GroupContactRemoved,
)
