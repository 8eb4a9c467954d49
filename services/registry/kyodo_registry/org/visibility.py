"""What the audit API may show of the org aggregates' events.

Rosters, the team and declared interests are public by design (they drive recusal). The only personal field is a
committee member's name, stored encrypted, and its salt is kept back with it.
"""

from __future__ import annotations

from eventsourcing.utils import get_topic

from kyodo_registry.org.domain import Committee, Department, Directory, Interests, Team
from kyodo_shared.audit.visibility import PERSONAL, EventPolicy

PUBLIC_EVENTS: tuple[type, ...] = (
    Department.Created,
    Department.StaffAssigned,
    Department.StaffUnassigned,
    Department.LiaisonAppointed,
    Directory.Opened,
    Directory.Listed,
    Team.Formed,
    Team.MemberJoined,
    Team.MemberLeft,
    Committee.Established,
    Committee.OfficersChanged,
    Committee.MembershipEnded,
    Committee.ActingChairElected,
    Interests.Opened,
    Interests.Declared,
    Interests.Withdrawn,
    Interests.DepartmentDeclared,
    Interests.DepartmentWithdrawn,
)

EVENTS: dict[str, EventPolicy] = {
    get_topic(Committee.MemberAppointed): EventPolicy(fields={"name": PERSONAL, "salt": PERSONAL}),
    **{get_topic(event_type): EventPolicy() for event_type in PUBLIC_EVENTS},
}

# Published type names of the org aggregates' events (`registry.Committee.MemberAppointed`).
AGGREGATES: dict[str, str] = {
    get_topic(aggregate): f"registry.{name}"
    for name, aggregate in (
        ("Department", Department),
        ("Directory", Directory),
        ("Team", Team),
        ("Committee", Committee),
        ("Interests", Interests),
    )
}
