"""The org aggregates, in one place for importers: departments, the team, committees, declared interests."""

from __future__ import annotations

from kyodo_registry.org.committees import (
    CHAIR,
    MEMBER,
    VICE_CHAIR,
    ActingChair,
    Committee,
    CommitteeKind,
    MembershipEndReason,
    Officers,
    Term,
)
from kyodo_registry.org.common import ORG_NAMESPACE
from kyodo_registry.org.departments import (
    COMMITTEES,
    DEPARTMENTS,
    Department,
    Directory,
    department_interests,
    group_interests,
)
from kyodo_registry.org.interests import Declaration, DepartmentDeclaration, InterestKind, Interests, interests_id
from kyodo_registry.org.team import TEAM_ID, Stint, Team

AGGREGATES = (Department, Directory, Team, Committee, Interests)

__all__ = [
    "AGGREGATES",
    "CHAIR",
    "COMMITTEES",
    "DEPARTMENTS",
    "MEMBER",
    "ORG_NAMESPACE",
    "TEAM_ID",
    "VICE_CHAIR",
    "ActingChair",
    "Committee",
    "CommitteeKind",
    "Declaration",
    "Department",
    "DepartmentDeclaration",
    "Directory",
    "InterestKind",
    "Interests",
    "MembershipEndReason",
    "Officers",
    "Stint",
    "Team",
    "Term",
    "department_interests",
    "group_interests",
    "interests_id",
]
