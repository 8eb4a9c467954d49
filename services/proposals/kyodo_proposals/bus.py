"""The proposals service's outbound mapping: which domain events leave the service, as which contracts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from kyodo_shared.contracts import Contract
from kyodo_shared.contracts import proposals as c


def rules_of(spec: dict[str, Any]) -> c.CallRules:
    return c.CallRules.model_validate(spec)


_CALL: dict[str, Callable[[Any], Sequence[Contract]]] = {
    # Drafts are the coordinator's work in progress: nothing leaves until publication.
    "Drafted": lambda e: [],
    "DraftRevised": lambda e: [],
    "Published": lambda e: [
        c.CallPublished(
            call_id=e.originator_id,
            rules=rules_of(e.spec),
            board_subs=e.board,
            chair_sub=e.chair_sub,
            vice_chair_sub=e.vice_chair_sub,
            seed_commitment=e.seed_commitment,
            published_at=e.published_at,
        )
    ],
    "Amended": lambda e: [
        c.CallAmended(
            call_id=e.originator_id,
            rules=rules_of(e.spec),
            changed=e.changed,
            reason=e.reason,
            board_subs=e.board,
            chair_sub=e.chair_sub,
            vice_chair_sub=e.vice_chair_sub,
        )
    ],
    "Closed": lambda e: [c.CallClosed(call_id=e.originator_id, closed_at=e.closed_at)],
    "Cancelled": lambda e: [c.CallCancelled(call_id=e.originator_id, reason=e.reason)],
    # The review happens inside; what it decided leaves with the results.
    "ReviewStarted": lambda e: [],
    "ResultsPublished": lambda e: _results(e.originator_id, e.results),
}


def _results(call_id: Any, results: dict[str, Any]) -> Sequence[Contract]:
    published: list[Contract] = [
        c.CallResultsPublished(
            call_id=call_id,
            proposals=[c.ProposalResult.model_validate(p) for p in results["proposals"]],
            selected=results["selected"],
            reasons=results["reasons"],
            seed=results["seed"],
        )
    ]
    published += [
        c.ProposalAdopted(
            call_id=call_id, proposal_id=p["proposal_id"], group_id=p["group_id"], rank=p["rank"], score=p["score"]
        )
        for p in results["proposals"]
        if p["selected"]
    ]
    return published


def to_contracts(event: Any) -> Sequence[Contract]:
    owner, _, name = type(event).__qualname__.partition(".")
    # Two steps of the review are public as they happen: a substitute joining the board, a blocked decision.
    if owner == "Review" and name == "SubstituteAdded":
        return [c.BoardSubstituteAdded(call_id=event.call_id, member_sub=event.member_sub, reason=event.reason)]
    if owner == "Review" and name == "DecisionBlocked":
        return [c.DecisionBlocked(call_id=event.call_id, reasons=event.reasons)]
    if owner != "Call":
        # Sealed proposals and their gate never leave the service; the kernel's own events are the kernel's.
        return []
    mapping = _CALL.get(name)
    if mapping is None:
        raise LookupError(f"no contract mapping declared for Call.{name}")
    return mapping(event)
