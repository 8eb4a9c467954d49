"""The coordination window on the bus: the outbound map of its events, what the audit API shows of each, and the
aggregates' published type names (merged in `bus_center.py`).

Only the routing, an overdue acknowledgement, the outcome and the month's figures leave info-hub; none carries the
problem, who raised it or a citizen's contact. The rest is the case's own history: in the audit API for the center
and auditors only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from kyodo_contracts import Contract
from kyodo_contracts import info_hub_cases as c
from kyodo_info_hub.cases import Case, MonthlyFigures
from kyodo_shared.audit.visibility import EventPolicy, restricted
from kyodo_shared.bus.mapping import OutboundMap, ToContracts
from kyodo_shared.web.auth import Role


def _routed(e: Any) -> Sequence[Contract]:
    return [
        c.CaseRouted(
            case_id=e.originator_id,
            department_ids=[UUID(d) for d in e.department_ids],
            acknowledge_by=e.acknowledge_by,
            routed_at=e.routed_at,
        )
    ]


def _figures(e: Any) -> Sequence[Contract]:
    return [c.MonthlyFigures.produce({**e.figures, "published_at": e.published_at})]


_MAPPED: dict[type[Any], ToContracts] = {
    Case.Routed: _routed,
    Case.AcknowledgementOverdue: lambda e: [
        c.CaseAcknowledgementOverdue(
            case_id=e.originator_id,
            department_id=UUID(e.department_id),
            acknowledge_by=e.acknowledge_by,
            recorded_at=e.recorded_at,
        )
    ],
    Case.Closed: lambda e: [c.CaseClosed(case_id=e.originator_id, outcome=c.Outcome(e.outcome), closed_at=e.closed_at)],
    MonthlyFigures.Published: _figures,
}

OUTBOUND = OutboundMap(
    _MAPPED,
    internal={
        # The problem, who raised it and a citizen's sealed contact: the case's parties, the center and auditors.
        Case.Raised,
        # Which department took the case up is the case's history; the month's figures count it.
        Case.Acknowledged,
        # Matching and invitations name groups for the center's work; the invited groups learn it from the center.
        Case.GroupsSuggested,
        Case.GroupsInvited,
        # Where a case led (a call, a proposal) is the case's history; the call and proposal are public elsewhere.
        Case.Linked,
    },
)

# The case's history: the center and auditors (its parties read it through the API).
CASE_HISTORY = EventPolicy(event=restricted(Role.COORDINATOR, Role.AUDITOR))
_CENTER = restricted(Role.COORDINATOR, Role.AUDITOR)
_CASE = "kyodo_info_hub.cases:Case"
_FIGURES = "kyodo_info_hub.cases:MonthlyFigures"

VISIBILITY: dict[str, EventPolicy] = {
    f"{_CASE}.Raised": CASE_HISTORY,
    f"{_CASE}.Routed": EventPolicy(fields={"routed_by": _CENTER, "trace": _CENTER}),
    f"{_CASE}.Acknowledged": CASE_HISTORY,
    f"{_CASE}.AcknowledgementOverdue": EventPolicy(),
    f"{_CASE}.GroupsSuggested": CASE_HISTORY,
    f"{_CASE}.GroupsInvited": CASE_HISTORY,
    f"{_CASE}.Linked": CASE_HISTORY,
    # The outcome is published; the reason may tell of the problem.
    f"{_CASE}.Closed": EventPolicy(
        fields={"reason_ja": _CENTER, "reason_en": _CENTER, "closed_by": _CENTER, "trace": _CENTER}
    ),
    f"{_FIGURES}.Published": EventPolicy(),
}
AGGREGATES: dict[str, str] = {_CASE: "info-hub.Case", _FIGURES: "info-hub.CaseMonthlyFigures"}
