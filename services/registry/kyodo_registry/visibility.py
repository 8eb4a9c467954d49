"""What the audit API may show of the registry's events (the kernel applies it)."""

from __future__ import annotations

from kyodo_registry.org.visibility import EVENTS as ORG_EVENTS
from kyodo_shared.audit.visibility import PERSONAL, EventPolicy, VisibilityPolicy

APPLIED = "kyodo_registry.domain:Group.Applied"
PUBLIC_EVENTS = (
    "kyodo_registry.domain:Group.CriterionAssessed",
    "kyodo_registry.domain:Group.Registered",
    "kyodo_registry.domain:Group.Rejected",
)

POLICY = VisibilityPolicy(
    events={
        # The representative's contact data is personal; the salt is kept back with it.
        APPLIED: EventPolicy(fields={"representative": PERSONAL, "salt": PERSONAL}),
        **{topic: EventPolicy() for topic in PUBLIC_EVENTS},
        **ORG_EVENTS,
    }
)
