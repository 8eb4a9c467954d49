"""Outbound mapping of the org aggregates' events to contracts.

Explicit per event: a committee member's encrypted name and its salt never leave the registry, and the
directories (indexes kept beside the aggregates) publish nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from kyodo_registry.org.domain import Committee, Department, Interests, Team
from kyodo_shared.contracts import Contract
from kyodo_shared.contracts.registry_org import (
    CommitteeEstablished,
    CommitteeKind,
    CommitteeMemberAppointed,
    CommitteeMembershipEnded,
    CommitteeOfficersChanged,
    DepartmentCreated,
    InterestDeclared,
    InterestKind,
    InterestWithdrawn,
    LiaisonAppointed,
    MembershipEndReason,
    StaffAssigned,
    StaffUnassigned,
    TeamMemberJoined,
    TeamMemberLeft,
)


def to_org_contracts(event: Any) -> Sequence[Contract]:
    contract = _department(event) or _team(event) or _committee(event) or _interest(event)
    return [contract] if contract is not None else []


def _department(event: Any) -> Contract | None:
    if isinstance(event, Department.Created):
        return DepartmentCreated(
            department_id=event.originator_id, code=event.code, name_ja=event.name_ja, name_en=event.name_en
        )
    if isinstance(event, Department.StaffAssigned):
        return StaffAssigned(
            department_id=event.originator_id,
            staff_sub=event.staff_sub,
            job_title=event.job_title,
            since=date.fromisoformat(event.since),
        )
    if isinstance(event, Department.StaffUnassigned):
        return StaffUnassigned(
            department_id=event.originator_id, staff_sub=event.staff_sub, until=date.fromisoformat(event.until)
        )
    if isinstance(event, Department.LiaisonAppointed):
        return LiaisonAppointed(
            department_id=event.originator_id,
            liaison_sub=event.liaison_sub,
            previous_liaison_sub=event.previous_sub,
            since=date.fromisoformat(event.since),
        )
    return None


def _team(event: Any) -> Contract | None:
    if isinstance(event, Team.MemberJoined):
        return TeamMemberJoined(
            staff_sub=event.staff_sub, department_id=event.department_id, joined_on=date.fromisoformat(event.joined_on)
        )
    if isinstance(event, Team.MemberLeft):
        return TeamMemberLeft(
            staff_sub=event.staff_sub, department_id=event.department_id, left_on=date.fromisoformat(event.left_on)
        )
    return None


def _committee(event: Any) -> Contract | None:
    if isinstance(event, Committee.Established):
        return CommitteeEstablished(
            committee_id=event.originator_id,
            kind=CommitteeKind(event.kind),
            name_ja=event.name_ja,
            name_en=event.name_en,
        )
    if isinstance(event, Committee.MemberAppointed):
        # The name (encrypted) and the salt stay here: the roster travels by `sub` only.
        return CommitteeMemberAppointed(
            committee_id=event.originator_id,
            committee_kind=CommitteeKind(event.kind),
            member_sub=event.member_sub,
            term_start=date.fromisoformat(event.term_start),
            term_end=date.fromisoformat(event.term_end),
            reappointment=event.reappointment,
        )
    if isinstance(event, Committee.OfficersChanged):
        return CommitteeOfficersChanged(
            committee_id=event.originator_id,
            committee_kind=CommitteeKind(event.kind),
            chair_sub=event.chair_sub,
            vice_chair_sub=event.vice_chair_sub,
            effective_on=date.fromisoformat(event.effective_on),
        )
    if isinstance(event, Committee.MembershipEnded):
        return CommitteeMembershipEnded(
            committee_id=event.originator_id,
            committee_kind=CommitteeKind(event.kind),
            member_sub=event.member_sub,
            ended_on=date.fromisoformat(event.ended_on),
            reason=MembershipEndReason(event.reason),
        )
    return None


def _interest(event: Any) -> Contract | None:
    if isinstance(event, Interests.Declared):
        return InterestDeclared(
            declaration_id=event.declaration_id,
            person_sub=event.person_sub,
            group_id=event.group_id,
            kind=InterestKind(event.kind),
            note=event.note,
            declared_at=datetime.fromisoformat(event.declared_at),
            recorded_by=event.recorded_by,
        )
    if isinstance(event, Interests.Withdrawn):
        return InterestWithdrawn(
            declaration_id=event.declaration_id,
            person_sub=event.person_sub,
            group_id=event.group_id,
            kind=InterestKind(event.kind),
            reason=event.reason,
            withdrawn_at=datetime.fromisoformat(event.withdrawn_at),
            recorded_by=event.recorded_by,
        )
    return None
