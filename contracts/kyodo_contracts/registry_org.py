"""Contracts published by the registry about the city's side: departments, the team, committees, interests.

Rosters and declared interests are public: other services use these events to recuse people automatically.
No contract here carries a name: people appear only by the identity provider's opaque `sub`.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from kyodo_contracts.base import Contract


class CommitteeKind(StrEnum):
    REVIEW_BOARD = "review_board"  # 協働事業審査会
    EVALUATION_COMMITTEE = "evaluation_committee"  # 協働事業評価委員会


class InterestKind(StrEnum):
    MEMBER = "member"  # 会員
    OFFICER = "officer"  # 役員
    CLOSE_RELATION = "close_relation"  # 親族・近しい関係
    BUSINESS = "business"  # 取引関係
    OTHER = "other"  # その他


class MembershipEndReason(StrEnum):
    """Why a term ended early; a code, never free text, so nothing personal is published."""

    RESIGNED = "resigned"  # 辞任
    DISMISSED = "dismissed"  # 解嘱
    OTHER = "other"  # その他


_DEPARTMENT = "The department's id."
_STAFF = "Identity provider's opaque subject id of the staff member (no name or email is ever published)."
_MEMBER = "Identity provider's opaque subject id of the committee member (the name stays inside the registry)."
_COMMITTEE = "The committee's id."
_KIND = "Which committee: review_board (協働事業審査会) or evaluation_committee (協働事業評価委員会)."


class DepartmentCreated(Contract):
    event_name: ClassVar[str] = "registry.department.created"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A city department was registered (部署の登録)."

    department_id: UUID = Field(description=_DEPARTMENT)
    code: str = Field(description="The city's own code for the department, unique.")
    name_ja: str = Field(description="Department name in Japanese (部署名).")
    name_en: str | None = Field(default=None, description="Department name in English, if given.")


class StaffAssigned(Contract):
    event_name: ClassVar[str] = "registry.department.staff_assigned"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A staff member was assigned to a department (職員の配属)."

    department_id: UUID = Field(description=_DEPARTMENT)
    staff_sub: str = Field(description=_STAFF)
    job_title: str = Field(description="Job title in the department (職名).")
    since: date = Field(description="First day in the department (Asia/Tokyo calendar date).")


class StaffUnassigned(Contract):
    event_name: ClassVar[str] = "registry.department.staff_unassigned"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A staff member left a department (職員の配属解除)."

    department_id: UUID = Field(description=_DEPARTMENT)
    staff_sub: str = Field(description=_STAFF)
    until: date = Field(description="Last day in the department (Asia/Tokyo calendar date).")


class LiaisonAppointed(Contract):
    event_name: ClassVar[str] = "registry.department.liaison_appointed"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A department's liaison was appointed, replacing any previous one (連絡担当の指名)."

    department_id: UUID = Field(description=_DEPARTMENT)
    liaison_sub: str = Field(description="The new liaison (連絡担当), a staff member of the department.")
    previous_liaison_sub: str | None = Field(default=None, description="The liaison replaced, if any.")
    since: date = Field(description="First day as liaison (Asia/Tokyo calendar date).")


class TeamMemberJoined(Contract):
    event_name: ClassVar[str] = "registry.team.member_joined"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A staff member joined the cross-department team (庁内横断的チームへの参加)."

    staff_sub: str = Field(description=_STAFF)
    department_id: UUID = Field(description="The department the member comes from.")
    joined_on: date = Field(description="First day on the team (Asia/Tokyo calendar date).")


class TeamMemberLeft(Contract):
    event_name: ClassVar[str] = "registry.team.member_left"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A staff member left the cross-department team (庁内横断的チームからの離脱)."

    staff_sub: str = Field(description=_STAFF)
    department_id: UUID = Field(description="The department the member came from.")
    left_on: date = Field(description="Last day on the team (Asia/Tokyo calendar date, inclusive).")


class CommitteeEstablished(Contract):
    event_name: ClassVar[str] = "registry.committee.established"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A review board or evaluation committee was established (委員会の設置)."

    committee_id: UUID = Field(description=_COMMITTEE)
    kind: CommitteeKind = Field(description=_KIND)
    name_ja: str = Field(description="Committee name in Japanese.")
    name_en: str | None = Field(default=None, description="Committee name in English, if given.")


class CommitteeMemberAppointed(Contract):
    event_name: ClassVar[str] = "registry.committee.member_appointed"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A committee member was appointed for a term (委員の委嘱)."

    committee_id: UUID = Field(description=_COMMITTEE)
    committee_kind: CommitteeKind = Field(description=_KIND)
    member_sub: str = Field(description=_MEMBER)
    term_start: date = Field(description="First day of the term (Asia/Tokyo calendar date).")
    term_end: date = Field(description="Last day of the term (Asia/Tokyo calendar date, inclusive).")
    reappointment: bool = Field(description="Whether the member served an earlier term on this committee (再任).")


class CommitteeOfficersChanged(Contract):
    event_name: ClassVar[str] = "registry.committee.officers_changed"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A committee's chair and vice-chair were set (委員長・副委員長の選任)."

    committee_id: UUID = Field(description=_COMMITTEE)
    committee_kind: CommitteeKind = Field(description=_KIND)
    chair_sub: str = Field(description="The chair (委員長), a current member.")
    vice_chair_sub: str | None = Field(default=None, description="The vice-chair (副委員長), if any.")
    effective_on: date = Field(description="First day in office (Asia/Tokyo); an office lapses with its term.")


class CommitteeMembershipEnded(Contract):
    event_name: ClassVar[str] = "registry.committee.membership_ended"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A committee member's term ended early (委員の退任); any office lapses with it."

    committee_id: UUID = Field(description=_COMMITTEE)
    committee_kind: CommitteeKind = Field(description=_KIND)
    member_sub: str = Field(description=_MEMBER)
    ended_on: date = Field(description="Last day as a member (Asia/Tokyo calendar date, inclusive).")
    reason: MembershipEndReason = Field(description="Why the term ended early.")


class CommitteeActingChairElected(Contract):
    event_name: ClassVar[str] = "registry.committee.acting_chair_elected"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = (
        "The members not recused in a matter elected an acting chair for it (委員長代理の互選), because the chair and "
        "the vice-chair are both recused; a later election for the same matter replaces it."
    )

    committee_id: UUID = Field(description=_COMMITTEE)
    committee_kind: CommitteeKind = Field(description=_KIND)
    matter: str = Field(
        description="What the acting chair presides over, named by the service concerned: "
        "`proposals:call:<call_id>` for a call's review (evaluation names its own)."
    )
    acting_chair_sub: str = Field(description="The acting chair (委員長代理), a current member.")
    elector_subs: list[str] = Field(description="The members who elected (sorted, distinct), each a current member.")
    elected_on: date = Field(description="The day of the election (Asia/Tokyo calendar date).")


class InterestDeclared(Contract):
    event_name: ClassVar[str] = "registry.interest.declared"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A person declared an interest in a civic activity group (利害関係の申告)."

    declaration_id: UUID = Field(description="The declaration's id, named again when it is withdrawn.")
    person_sub: str = Field(description="The person with the interest (committee member or coordinator).")
    group_id: UUID = Field(description="The civic activity group concerned.")
    kind: InterestKind = Field(description="The nature of the interest.")
    note: str | None = Field(default=None, description="A short note (at most 200 characters).")
    declared_at: datetime = Field(description="When the declaration was recorded.")
    recorded_by: str = Field(description="Who recorded it: the person, or a coordinator on their behalf.")


class InterestWithdrawn(Contract):
    event_name: ClassVar[str] = "registry.interest.withdrawn"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A declared interest was withdrawn, with a reason (利害関係の申告の取下げ)."

    declaration_id: UUID = Field(description="The declaration withdrawn.")
    person_sub: str = Field(description="The person who had declared the interest.")
    group_id: UUID = Field(description="The civic activity group concerned.")
    kind: InterestKind = Field(description="The nature of the interest withdrawn.")
    reason: str = Field(description="Why it was withdrawn (at most 200 characters).")
    withdrawn_at: datetime = Field(description="When the withdrawal was recorded.")
    recorded_by: str = Field(description="Who recorded it: the person, or a coordinator on their behalf.")


class DepartmentInterestDeclared(Contract):
    event_name: ClassVar[str] = "registry.interest.department_declared"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = (
        "A person declared an interest in a city department (部署との利害関係の申告), e.g. a former post there."
    )

    declaration_id: UUID = Field(description="The declaration's id, named again when it is withdrawn.")
    person_sub: str = Field(
        description="The person with the interest (a team member, committee member or coordinator)."
    )
    department_id: UUID = Field(description="The city department concerned.")
    kind: InterestKind = Field(description="The nature of the interest.")
    note: str | None = Field(default=None, description="A short note (at most 200 characters).")
    declared_at: datetime = Field(description="When the declaration was recorded.")
    recorded_by: str = Field(description="Who recorded it: the person, or a coordinator on their behalf.")


class DepartmentInterestWithdrawn(Contract):
    event_name: ClassVar[str] = "registry.interest.department_withdrawn"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = (
        "A declared interest in a city department was withdrawn, with a reason (部署との利害関係の申告の取下げ)."
    )

    declaration_id: UUID = Field(description="The declaration withdrawn.")
    person_sub: str = Field(description="The person who had declared the interest.")
    department_id: UUID = Field(description="The city department concerned.")
    kind: InterestKind = Field(description="The nature of the interest withdrawn.")
    reason: str = Field(description="Why it was withdrawn (at most 200 characters).")
    withdrawn_at: datetime = Field(description="When the withdrawal was recorded.")
    recorded_by: str = Field(description="Who recorded it: the person, or a coordinator on their behalf.")


PUBLISHED: tuple[type[Contract], ...] = (
    DepartmentCreated,
    StaffAssigned,
    StaffUnassigned,
    LiaisonAppointed,
    TeamMemberJoined,
    TeamMemberLeft,
    CommitteeEstablished,
    CommitteeMemberAppointed,
    CommitteeOfficersChanged,
    CommitteeMembershipEnded,
    CommitteeActingChairElected,
    InterestDeclared,
    InterestWithdrawn,
    DepartmentInterestDeclared,
    DepartmentInterestWithdrawn,
)
