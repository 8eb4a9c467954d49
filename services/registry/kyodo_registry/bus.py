"""Registry's outbound mapping: which domain events leave the service, as which contracts.

Explicit, event by event (`OutboundMap`): each Group event is mapped here or declared internal with its reason,
the org part's are in `org/bus.py`, and an undeclared one stops the relay and fails a test. Personal fields
(encrypted contact data, salts, free-text answers and questions) are never mapped: they stay inside the registry.
"""

from __future__ import annotations

from typing import Any

from kyodo_contracts import registry as c
from kyodo_registry.domain import Group
from kyodo_registry.org.bus import ORG_OUTBOUND
from kyodo_shared.bus.mapping import OutboundMap, ToContracts, events_of

# Event classes by attribute (`_group.Registered` is `Group.Registered`), resolved at import: a rename fails here.
_group = events_of(Group)


def _profile(event: Any) -> c.GroupProfile:
    return c.GroupProfile.produce(event.profile)


_GROUP: dict[type[Any], ToContracts] = {
    _group.Applied: lambda e: [
        c.GroupApplied(group_id=e.originator_id, profile=_profile(e), representative_sub=e.representative_sub)
    ],
    _group.CriterionAssessed: lambda e: [
        c.CriterionAssessed(
            group_id=e.originator_id, criterion=e.criterion, met=e.met, reason=e.reason, assessor_sub=e.assessor_sub
        )
    ],
    _group.Registered: lambda e: [
        c.GroupRegistered(
            group_id=e.originator_id,
            profile=_profile(e),
            representative_sub=e.representative_sub,
            renewal_due=e.renewal_due,
        )
    ],
    _group.Rejected: lambda e: [
        c.GroupRejected(group_id=e.originator_id, unmet=[c.UnmetCriterion.produce(u) for u in e.unmet])
    ],
    _group.InformationRequested: lambda e: [
        c.GroupInformationRequested(group_id=e.originator_id, criteria=e.criteria, requested_by_sub=e.coordinator_sub)
    ],
    _group.InformationProvided: lambda e: [c.GroupInformationProvided(group_id=e.originator_id)],
    _group.Reapplied: lambda e: [
        c.GroupReapplied(
            group_id=e.originator_id,
            round=e.round,
            profile=_profile(e),
            representative_sub=e.representative_sub,
        )
    ],
    _group.ProfileUpdated: lambda e: [c.GroupProfileUpdated(group_id=e.originator_id, profile=_profile(e))],
    _group.BylawsChanged: lambda e: [c.GroupBylawsChanged(group_id=e.originator_id, sha256=e.bylaws["sha256"])],
    _group.TieDeclared: lambda e: [
        c.GroupTieDeclared(
            group_id=e.originator_id, tie_id=e.tie["tie_id"], kind=e.tie["kind"], counterpart=e.tie["counterpart"]
        )
    ],
    _group.TieWithdrawn: lambda e: [c.GroupTieWithdrawn(group_id=e.originator_id, tie_id=e.tie_id)],
    _group.RecheckOpened: lambda e: [
        c.GroupRecheckOpened(group_id=e.originator_id, criteria=e.criteria, cause=e.cause)
    ],
    _group.RecheckPassed: lambda e: [c.GroupRecheckPassed(group_id=e.originator_id)],
    _group.Renewed: lambda e: [c.GroupRenewed(group_id=e.originator_id, renewal_due=e.renewal_due)],
    _group.Lapsed: lambda e: [c.GroupLapsed(group_id=e.originator_id, due=e.due)],
    _group.Suspended: lambda e: [c.GroupSuspended(group_id=e.originator_id, reason=e.reason)],
    _group.Reinstated: lambda e: [
        c.GroupReinstated(group_id=e.originator_id, reason=e.reason, renewal_due=e.renewal_due)
    ],
    _group.Dissolved: lambda e: [c.GroupDissolved(group_id=e.originator_id, reason=e.reason)],
    _group.RepresentativeChanged: lambda e: [
        c.GroupRepresentativeChanged(
            group_id=e.originator_id, representative_sub=e.new_sub, previous_sub=e.previous_sub
        )
    ],
    _group.ContactAdded: lambda e: [c.GroupContactAdded(group_id=e.originator_id, contact_sub=e.contact_sub)],
    _group.ContactRemoved: lambda e: [c.GroupContactRemoved(group_id=e.originator_id, contact_sub=e.contact_sub)],
}

OUTBOUND = OutboundMap(
    _GROUP,
    internal={
        # A handover is internal while proposed: it leaves as RepresentativeChanged once confirmed or decided.
        _group.HandoverProposed,
    },
    parts=[ORG_OUTBOUND],
)

# The relay's mapper (and the tests'): the contracts one stored registry event publishes.
to_contracts = OUTBOUND
