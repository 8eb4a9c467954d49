"""What the audit API may show of the registry's events (the kernel applies it)."""

from __future__ import annotations

from kyodo_registry.org.visibility import AGGREGATES as ORG_AGGREGATES
from kyodo_registry.org.visibility import EVENTS as ORG_EVENTS
from kyodo_shared.audit.visibility import PERSONAL, EventPolicy, VisibilityPolicy, restricted
from kyodo_shared.web.auth import Role


def _topic(name: str) -> str:
    return f"kyodo_registry.domain:Group.{name}"


PUBLIC_EVENTS = (
    "CriterionAssessed",
    "Registered",
    "Rejected",
    "ProfileUpdated",
    "BylawsChanged",
    "TieDeclared",
    "TieWithdrawn",
    "RecheckOpened",
    "RecheckPassed",
    "Lapsed",
    "Suspended",
    "Reinstated",
    "Dissolved",
    "ContactRemoved",
    "HandoverProposed",
)
# Free text written between a coordinator and a group may mention people: coordinators only.
COORDINATORS = restricted(Role.COORDINATOR)

POLICY = VisibilityPolicy(
    events={
        # Contact data of representatives and contacts is personal; the salt is kept back with it.
        # Evidence is free text the group wrote for the coordinators: it may name people.
        _topic("Applied"): EventPolicy(
            fields={"representative": PERSONAL, "salt": PERSONAL, "declarations": COORDINATORS}
        ),
        _topic("ContactAdded"): EventPolicy(fields={"contact": PERSONAL, "salt": PERSONAL}),
        _topic("RepresentativeChanged"): EventPolicy(fields={"representative": PERSONAL, "salt": PERSONAL}),
        _topic("InformationRequested"): EventPolicy(fields={"question": COORDINATORS}),
        _topic("InformationProvided"): EventPolicy(fields={"answer": COORDINATORS, "evidence": COORDINATORS}),
        _topic("Renewed"): EventPolicy(fields={"confirmation": COORDINATORS}),
        _topic("Reapplied"): EventPolicy(fields={"declarations": COORDINATORS}),
        **{_topic(name): EventPolicy() for name in PUBLIC_EVENTS},
        **ORG_EVENTS,
    },
    # Published type names (`registry.Group.Registered`), which auditors' tools read instead of Python topics: a moved
    # module or renamed class changes the key here, never the name.
    aggregates={"kyodo_registry.domain:Group": "registry.Group", **ORG_AGGREGATES},
)
