"""Outbound mapping of the org aggregates' events to contracts.

Explicit per event class (`OutboundMap`, merged into the registry's in `bus.py`): a committee member's encrypted
name and its salt never leave the registry, and the directories (indexes kept beside the aggregates) publish nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from kyodo_contracts import Contract
from kyodo_contracts.registry_org import (
    CommitteeActingChairElected,
    CommitteeEstablished,
    CommitteeKind,
    CommitteeMemberAppointed,
    CommitteeMembershipEnded,
    CommitteeOfficersChanged,
    DepartmentCreated,
    DepartmentInterestDeclared,
    DepartmentInterestWithdrawn,
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
from kyodo_registry.org.domain import Committee, Department, Directory, Interests, Team
from kyodo_shared.bus.mapping import OutboundMap


def _department_created(event: Any) -> Sequence[Contract]:
    return [
        DepartmentCreated(
            department_id=event.originator_id, code=event.code, name_ja=event.name_ja, name_en=event.name_en
        )
    ]


def _staff_assigned(event: Any) -> Sequence[Contract]:
    return [
        StaffAssigned(
            department_id=event.originator_id,
            staff_sub=event.staff_sub,
            job_title=event.job_title,
            since=date.fromisoformat(event.since),
        )
    ]


def _staff_unassigned(event: Any) -> Sequence[Contract]:
    return [
        StaffUnassigned(
            department_id=event.originator_id, staff_sub=event.staff_sub, until=date.fromisoformat(event.until)
        )
    ]


def _liaison_appointed(event: Any) -> Sequence[Contract]:
    return [
        LiaisonAppointed(
            department_id=event.originator_id,
            liaison_sub=event.liaison_sub,
            previous_liaison_sub=event.previous_sub,
            since=date.fromisoformat(event.since),
        )
    ]


def _member_joined(event: Any) -> Sequence[Contract]:
    return [
        TeamMemberJoined(
            staff_sub=event.staff_sub, department_id=event.department_id, joined_on=date.fromisoformat(event.joined_on)
        )
    ]


def _member_left(event: Any) -> Sequence[Contract]:
    return [
        TeamMemberLeft(
            staff_sub=event.staff_sub, department_id=event.department_id, left_on=date.fromisoformat(event.left_on)
        )
    ]


def _committee_established(event: Any) -> Sequence[Contract]:
    return [
        CommitteeEstablished(
            committee_id=event.originator_id,
            kind=CommitteeKind(event.kind),
            name_ja=event.name_ja,
            name_en=event.name_en,
        )
    ]


def _member_appointed(event: Any) -> Sequence[Contract]:
    # The name (encrypted) and the salt stay here: the roster travels by `sub` only.
    return [
        CommitteeMemberAppointed(
            committee_id=event.originator_id,
            committee_kind=CommitteeKind(event.kind),
            member_sub=event.member_sub,
            term_start=date.fromisoformat(event.term_start),
            term_end=date.fromisoformat(event.term_end),
            reappointment=event.reappointment,
        )
    ]


def _officers_changed(event: Any) -> Sequence[Contract]:
    return [
        CommitteeOfficersChanged(
            committee_id=event.originator_id,
            committee_kind=CommitteeKind(event.kind),
            chair_sub=event.chair_sub,
            vice_chair_sub=event.vice_chair_sub,
            effective_on=date.fromisoformat(event.effective_on),
        )
    ]


def _membership_ended(event: Any) -> Sequence[Contract]:
    return [
        CommitteeMembershipEnded(
            committee_id=event.originator_id,
            committee_kind=CommitteeKind(event.kind),
            member_sub=event.member_sub,
            ended_on=date.fromisoformat(event.ended_on),
            reason=MembershipEndReason(event.reason),
        )
    ]


def _acting_chair_elected(event: Any) -> Sequence[Contract]:
    return [
        CommitteeActingChairElected(
            committee_id=event.originator_id,
            committee_kind=CommitteeKind(event.kind),
            matter=event.matter,
            acting_chair_sub=event.acting_chair_sub,
            elector_subs=list(event.elector_subs),
            elected_on=date.fromisoformat(event.elected_on),
        )
    ]


def _interest_declared(event: Any) -> Sequence[Contract]:
    return [
        InterestDeclared(
            declaration_id=event.declaration_id,
            person_sub=event.person_sub,
            group_id=event.group_id,
            kind=InterestKind(event.kind),
            note=event.note,
            declared_at=datetime.fromisoformat(event.declared_at),
            recorded_by=event.recorded_by,
        )
    ]


def _interest_withdrawn(event: Any) -> Sequence[Contract]:
    return [
        InterestWithdrawn(
            declaration_id=event.declaration_id,
            person_sub=event.person_sub,
            group_id=event.group_id,
            kind=InterestKind(event.kind),
            reason=event.reason,
            withdrawn_at=datetime.fromisoformat(event.withdrawn_at),
            recorded_by=event.recorded_by,
        )
    ]


def _department_interest_declared(event: Any) -> Sequence[Contract]:
    return [
        DepartmentInterestDeclared(
            declaration_id=event.declaration_id,
            person_sub=event.person_sub,
            department_id=event.department_id,
            kind=InterestKind(event.kind),
            note=event.note,
            declared_at=datetime.fromisoformat(event.declared_at),
            recorded_by=event.recorded_by,
        )
    ]


def _department_interest_withdrawn(event: Any) -> Sequence[Contract]:
    return [
        DepartmentInterestWithdrawn(
            declaration_id=event.declaration_id,
            person_sub=event.person_sub,
            department_id=event.department_id,
            kind=InterestKind(event.kind),
            reason=event.reason,
            withdrawn_at=datetime.fromisoformat(event.withdrawn_at),
            recorded_by=event.recorded_by,
        )
    ]


ORG_OUTBOUND = OutboundMap(
    {
        Department.Created: _department_created,
        Department.StaffAssigned: _staff_assigned,
        Department.StaffUnassigned: _staff_unassigned,
        Department.LiaisonAppointed: _liaison_appointed,
        Team.MemberJoined: _member_joined,
        Team.MemberLeft: _member_left,
        Committee.Established: _committee_established,
        Committee.MemberAppointed: _member_appointed,
        Committee.OfficersChanged: _officers_changed,
        Committee.MembershipEnded: _membership_ended,
        Committee.ActingChairElected: _acting_chair_elected,
        Interests.Declared: _interest_declared,
        Interests.Withdrawn: _interest_withdrawn,
        Interests.DepartmentDeclared: _department_interest_declared,
        Interests.DepartmentWithdrawn: _department_interest_withdrawn,
    },
    internal={
        # The one team exists from its first member on; it has nothing to say until someone joins.
        Team.Formed,
        # A person's declaration log is opened for their first declaration, which is published (Declared).
        Interests.Opened,
        # Directories are the registry's own indexes (codes, ids, who is interested in a group), kept in the
        # same save as what they list so a key is taken once: bookkeeping, not facts about the organisation.
        Directory.Opened,
        Directory.Listed,
    },
)
