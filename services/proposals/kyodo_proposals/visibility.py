"""What the audit API may show of the proposals service's events (the kernel applies it)."""

from __future__ import annotations

from kyodo_shared.audit.visibility import EventPolicy, VisibilityPolicy, restricted
from kyodo_shared.auth import Role


def _topic(name: str) -> str:
    return f"kyodo_proposals.domain:Call.{name}"


# Drafts are not public until published; everything from publication on is.
DRAFTS = EventPolicy(event=restricted(Role.COORDINATOR))

POLICY = VisibilityPolicy(
    events={
        _topic("Drafted"): DRAFTS,
        _topic("DraftRevised"): DRAFTS,
        **{_topic(name): EventPolicy() for name in ("Published", "Amended", "Closed", "Cancelled")},
    }
)
