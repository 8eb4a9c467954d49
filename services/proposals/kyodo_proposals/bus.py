"""The proposals service's outbound mapping: which domain events leave the service, as which contracts.

Explicit per event class (`OutboundMap`): mapped here or declared internal with its reason; an undeclared one
stops the relay and fails a test. Sealed proposals, their gate and the board's working steps never leave.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kyodo_contracts import Contract
from kyodo_contracts import proposals as c
from kyodo_proposals.domain import Call
from kyodo_proposals.review import Review
from kyodo_proposals.sealed import Gate, Proposal
from kyodo_shared.bus.mapping import OutboundMap, ToContracts, events_of

# Event classes by attribute (`_call.Published` is `Call.Published`), resolved at import: a rename fails here.
_call, _review, _proposal, _gate = events_of(Call), events_of(Review), events_of(Proposal), events_of(Gate)


def rules_of(spec: dict[str, Any]) -> c.CallRules:
    return c.CallRules.produce(spec)


_MAPPED: dict[type[Any], ToContracts] = {
    _call.Published: lambda e: [
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
    _call.Amended: lambda e: [
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
    _call.Closed: lambda e: [c.CallClosed(call_id=e.originator_id, closed_at=e.closed_at)],
    _call.Cancelled: lambda e: [c.CallCancelled(call_id=e.originator_id, reason=e.reason)],
    # That the review began, and when (the event's own time): never what it holds, not even how many proposals.
    _call.ReviewStarted: lambda e: [c.ReviewStarted(call_id=e.originator_id, started_at=e.timestamp)],
    # Events stored before `adoption` was recorded lack the attribute (eventsourcing keeps no default on events).
    _call.ResultsPublished: lambda e: _results(e.originator_id, e.results, getattr(e, "adoption", None)),
    # Two steps of the review are public as they happen: a substitute joining the board, a blocked decision.
    _review.SubstituteAdded: lambda e: [
        c.BoardSubstituteAdded(call_id=e.call_id, member_sub=e.member_sub, reason=e.reason)
    ],
    _review.DecisionBlocked: lambda e: [c.DecisionBlocked(call_id=e.call_id, reasons=e.reasons)],
}


def _results(call_id: Any, results: dict[str, Any], adoption: dict[str, Any] | None) -> Sequence[Contract]:
    published: list[Contract] = [
        c.CallResultsPublished(
            call_id=call_id,
            proposals=[c.ProposalResult.produce(p) for p in results["proposals"]],
            selected=results["selected"],
            reasons=results["reasons"],
            seed=results["seed"],
            set_aside=[c.SetAsideProposal.produce(s) for s in results.get("set_aside", [])],
        )
    ]
    # Results published before the call recorded what its adoptions create a project with carry none of it.
    about = adoption or {}
    published += [
        c.ProposalAdopted(
            call_id=call_id,
            proposal_id=p["proposal_id"],
            group_id=p["group_id"],
            rank=p["rank"],
            score=p["score"],
            department_id=about.get("department_id"),
            title_ja=about.get("title_ja"),
            screening_decision_id=about.get("screening_decision_id"),
        )
        for p in results["proposals"]
        if p["selected"]
    ]
    return published


OUTBOUND = OutboundMap(
    _MAPPED,
    internal={
        # Drafts are the coordinator's work in progress: nothing leaves until publication.
        _call.Drafted,
        _call.DraftRevised,
        # The review happens inside (that it started leaves as Call.ReviewStarted); what it decided leaves with the
        # results (Call.ResultsPublished).
        _review.Opened,
        # Conflicts, recusals and individual scores are the board's, until the results publish what counted.
        _review.ConflictDeclared,
        _review.ConflictRemoved,
        _review.Scored,
        # Saved with Call.ResultsPublished, which publishes the decision and its results.
        _review.Decided,
        _review.ResultsPublished,
        # Sealed proposals never leave the service: ciphertext only, and even their number is sealed.
        _proposal.Submitted,
        _proposal.Revised,
        _proposal.Withdrawn,
        # The gate only orders sealed changes against the close; the close leaves as Call.Closed.
        _gate.Opened,
        _gate.Passed,
        _gate.Shut,
        _gate.Reopened,
    },
)

# The relay's mapper (and the tests'): the contracts one stored proposals event publishes.
to_contracts = OUTBOUND
