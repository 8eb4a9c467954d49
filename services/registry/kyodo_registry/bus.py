"""Registry's outbound mapping: which domain events leave the service, as which contracts.

Explicit, event by event: anything not listed here (and every personal field: encrypted contact data, salts,
free-text answers and questions) stays inside the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from kyodo_registry.org.bus import to_org_contracts
from kyodo_shared.contracts import Contract
from kyodo_shared.contracts import registry as c


def _profile(event: Any) -> c.GroupProfile:
    return c.GroupProfile.model_validate(event.profile)


_GROUP: dict[str, Callable[[Any], Sequence[Contract]]] = {
    "Applied": lambda e: [
        c.GroupApplied(group_id=e.originator_id, profile=_profile(e), representative_sub=e.representative_sub)
    ],
    "CriterionAssessed": lambda e: [
        c.CriterionAssessed(
            group_id=e.originator_id, criterion=e.criterion, met=e.met, reason=e.reason, assessor_sub=e.assessor_sub
        )
    ],
    "Registered": lambda e: [
        c.GroupRegistered(
            group_id=e.originator_id,
            profile=_profile(e),
            representative_sub=e.representative_sub,
            renewal_due=e.renewal_due,
        )
    ],
    "Rejected": lambda e: [
        c.GroupRejected(group_id=e.originator_id, unmet=[c.UnmetCriterion.model_validate(u) for u in e.unmet])
    ],
    "InformationRequested": lambda e: [
        c.GroupInformationRequested(group_id=e.originator_id, criteria=e.criteria, requested_by_sub=e.coordinator_sub)
    ],
    "InformationProvided": lambda e: [c.GroupInformationProvided(group_id=e.originator_id)],
    "Reapplied": lambda e: [
        c.GroupReapplied(
            group_id=e.originator_id,
            round=e.round,
            profile=_profile(e),
            representative_sub=e.representative_sub,
        )
    ],
    "ProfileUpdated": lambda e: [c.GroupProfileUpdated(group_id=e.originator_id, profile=_profile(e))],
    "BylawsChanged": lambda e: [c.GroupBylawsChanged(group_id=e.originator_id, sha256=e.bylaws["sha256"])],
    "TieDeclared": lambda e: [
        c.GroupTieDeclared(
            group_id=e.originator_id, tie_id=e.tie["tie_id"], kind=e.tie["kind"], counterpart=e.tie["counterpart"]
        )
    ],
    "TieWithdrawn": lambda e: [c.GroupTieWithdrawn(group_id=e.originator_id, tie_id=e.tie_id)],
    "RecheckOpened": lambda e: [c.GroupRecheckOpened(group_id=e.originator_id, criteria=e.criteria, cause=e.cause)],
    "RecheckPassed": lambda e: [c.GroupRecheckPassed(group_id=e.originator_id)],
    "Renewed": lambda e: [c.GroupRenewed(group_id=e.originator_id, renewal_due=e.renewal_due)],
    "Lapsed": lambda e: [c.GroupLapsed(group_id=e.originator_id, due=e.due)],
    "Suspended": lambda e: [c.GroupSuspended(group_id=e.originator_id, reason=e.reason)],
    "Reinstated": lambda e: [c.GroupReinstated(group_id=e.originator_id, reason=e.reason, renewal_due=e.renewal_due)],
    "Dissolved": lambda e: [c.GroupDissolved(group_id=e.originator_id, reason=e.reason)],
    "RepresentativeChanged": lambda e: [
        c.GroupRepresentativeChanged(
            group_id=e.originator_id, representative_sub=e.new_sub, previous_sub=e.previous_sub
        )
    ],
    "ContactAdded": lambda e: [c.GroupContactAdded(group_id=e.originator_id, contact_sub=e.contact_sub)],
    "ContactRemoved": lambda e: [c.GroupContactRemoved(group_id=e.originator_id, contact_sub=e.contact_sub)],
    # The proposal of a handover is internal until it is confirmed or decided.
    "HandoverProposed": lambda e: [],
}


def to_contracts(event: Any) -> Sequence[Contract]:
    owner, _, name = type(event).__qualname__.partition(".")
    if owner != "Group":
        return to_org_contracts(event)
    mapping = _GROUP.get(name)
    if mapping is None:
        raise LookupError(f"no contract mapping declared for Group.{name}")
    return mapping(event)
