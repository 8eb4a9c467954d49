"""Registry's outbound mapping: which domain events leave the service, as which contracts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kyodo_registry.domain import Group
from kyodo_registry.org.bus import to_org_contracts
from kyodo_shared.contracts import Contract
from kyodo_shared.contracts.registry import (
    CriterionAssessed,
    GroupApplied,
    GroupProfile,
    GroupRegistered,
    GroupRejected,
    UnmetCriterion,
)


def to_contracts(event: Any) -> Sequence[Contract]:
    """Explicit mapping; anything not listed here (and every personal field) stays inside the registry."""
    if isinstance(event, Group.Applied):
        return [
            GroupApplied(
                group_id=event.originator_id,
                profile=GroupProfile.model_validate(event.profile),
                representative_sub=event.representative_sub,
            )
        ]
    if isinstance(event, Group.CriterionAssessed):
        return [
            CriterionAssessed(
                group_id=event.originator_id,
                criterion=event.criterion,
                met=event.met,
                reason=event.reason,
                assessor_sub=event.assessor_sub,
            )
        ]
    if isinstance(event, Group.Registered):
        return [
            GroupRegistered(
                group_id=event.originator_id,
                profile=GroupProfile.model_validate(event.profile),
                representative_sub=event.representative_sub,
            )
        ]
    if isinstance(event, Group.Rejected):
        return [
            GroupRejected(
                group_id=event.originator_id,
                unmet=[UnmetCriterion.model_validate(u) for u in event.unmet],
            )
        ]
    return to_org_contracts(event)
