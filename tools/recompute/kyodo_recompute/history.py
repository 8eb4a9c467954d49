"""A call's story as the auditor reads it from stored events: the rules that applied, who sat on the board,
the conflicts standing when the decision was taken, every score given, and what was decided and published; and the
sealed chain recorded by the event that ended the call's sealed period (its close, or a published call's cancellation).

Reads plain event dicts (type, originator, version, state) so the same code serves a live store, an export, or a
test; it trusts nothing the service derived, only what the events record. Events are matched by their published
type names (the audit interface's, declared in the proposals service's visibility policy), never by Python
topics: a module or class the service renames changes nothing here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

PUBLISHED = "proposals.Call.Published"
AMENDED = "proposals.Call.Amended"
CLOSED = "proposals.Call.Closed"
CANCELLED = "proposals.Call.Cancelled"
OPENED = "proposals.Review.Opened"
CONFLICT_DECLARED = "proposals.Review.ConflictDeclared"
CONFLICT_REMOVED = "proposals.Review.ConflictRemoved"
SCORED = "proposals.Review.Scored"
SUBSTITUTE_ADDED = "proposals.Review.SubstituteAdded"
DECIDED = "proposals.Review.Decided"
RESULTS_PUBLISHED = "proposals.Review.ResultsPublished"
# A call's gate: looked for (by type, never decoded) in the public store, where only calls from before the sealed
# store keep it (sealed.py).
GATE_TYPES = frozenset(f"proposals.Gate.{name}" for name in ("Opened", "Passed", "Shut", "Reopened"))
# The field of the closing event that holds the sealed chain (its documented name in the published body).
SEALED_CHAIN = "sealed_chain"
# Every type the recompute folds; a test holds the service to publishing each of them.
READS = frozenset(
    {
        PUBLISHED,
        AMENDED,
        CLOSED,
        CANCELLED,
        OPENED,
        CONFLICT_DECLARED,
        CONFLICT_REMOVED,
        SCORED,
        SUBSTITUTE_ADDED,
        DECIDED,
        RESULTS_PUBLISHED,
        *GATE_TYPES,
    }
)

Pair = tuple[str, str]  # (member sub, proposal id)


def canonical_call_id(call_id: str) -> str:
    """Lower-case hyphenated form, the one the service's UUIDs print as (so ids compare as text)."""
    return str(UUID(str(call_id)))


def review_id_for(call_id: str) -> str:
    # The same derivation as the service's, restated from its documented form rather than imported.
    return str(uuid5(NAMESPACE_URL, f"kyodo:proposals:review:{canonical_call_id(call_id)}"))


def parse_pair(text: Any) -> Pair | None:
    """ "member|proposal" → (member, proposal); proposal ids are UUIDs, so the last bar separates them."""
    if not isinstance(text, str) or "|" not in text:
        return None
    member, _, proposal = text.rpartition("|")
    return (member, proposal) if member and proposal else None


@dataclass
class History:
    call_id: str
    spec: dict[str, Any] | None = None
    published_board: list[str] = field(default_factory=list)
    seed_commitment: str | None = None
    opened: bool = False
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)  # proposal id → entry, in opened order
    opened_quorum: int | None = None
    # Proposals kept from the board when the review opened (group no longer in good standing, receipt mismatch).
    ineligible: list[dict[str, Any]] = field(default_factory=list)
    substitutes: list[str] = field(default_factory=list)
    # Every sheet each member gave each proposal, in store order; more than one is itself a finding.
    scored: dict[Pair, list[Any]] = field(default_factory=dict)
    conflicts: set[Pair] = field(default_factory=set)
    # The conflicts and board as they stood when the decision was taken (None until then).
    conflicts_at_decision: set[Pair] | None = None
    board_at_decision: list[str] | None = None
    decisions: list[dict[str, Any]] = field(default_factory=list)
    results: dict[str, Any] | None = None
    cancelled: bool = False
    # The event that ended the sealed period: the published call's first Closed or Cancelled (a cancellation after
    # the close ends nothing more; a draft's ends none). None while the call still takes proposals.
    sealed_end: str | None = None
    # Whether that event has a `sealed_chain` field at all (those stored before closes recorded one have none),
    # and its value: {"ids", "count", "head"}, or None for a call whose sealed events are in the public store.
    sealed_chain_field: bool = False
    sealed_chain: Any = None

    @property
    def decision(self) -> dict[str, Any] | None:
        return self.decisions[-1] if self.decisions else None

    @property
    def board(self) -> list[str]:
        return self.board_at_decision if self.board_at_decision is not None else self.published_board + self.substitutes

    @property
    def standing_conflicts(self) -> set[Pair]:
        return self.conflicts_at_decision if self.conflicts_at_decision is not None else set(self.conflicts)


def read_history(call_id: str, events: Iterable[Mapping[str, Any]]) -> History:
    """Fold the call's and its review's events (others are ignored) in store order."""
    call = canonical_call_id(call_id)
    review = review_id_for(call)
    history = History(call_id=call)
    for event in events:
        origin, name = str(event.get("originator_id")), str(event.get("type"))
        state: Mapping[str, Any] = event.get("state") or {}
        if origin == call:
            _call_event(history, name, state)
        elif origin == review:
            _review_event(history, name, state)
    return history


def _call_event(history: History, name: str, state: Mapping[str, Any]) -> None:
    if name == PUBLISHED:
        history.spec = dict(state.get("spec") or {})
        history.published_board = [str(m) for m in state.get("board") or []]
        history.seed_commitment = state.get("seed_commitment")
    elif name == AMENDED:
        # An amendment restates the whole spec, so the latest one is the rule that applied.
        history.spec = dict(state.get("spec") or {})
    elif name in (CLOSED, CANCELLED):
        history.cancelled = history.cancelled or name == CANCELLED
        if history.spec is not None and history.sealed_end is None:
            history.sealed_end = name
            history.sealed_chain_field = SEALED_CHAIN in state
            history.sealed_chain = state.get(SEALED_CHAIN)


def _review_event(history: History, name: str, state: Mapping[str, Any]) -> None:
    if name == OPENED:
        history.opened = True
        history.entries = {str(e.get("proposal_id")): dict(e) for e in state.get("entries") or []}
        history.ineligible = [dict(i) for i in state.get("ineligible") or [] if isinstance(i, Mapping)]
        quorum = state.get("quorum")
        history.opened_quorum = quorum if isinstance(quorum, int) and not isinstance(quorum, bool) else None
    elif name == CONFLICT_DECLARED:
        history.conflicts.add((str(state.get("member_sub")), str(state.get("proposal_id"))))
    elif name == CONFLICT_REMOVED:
        history.conflicts.discard((str(state.get("member_sub")), str(state.get("proposal_id"))))
    elif name == SCORED:
        pair = (str(state.get("member_sub")), str(state.get("proposal_id")))
        history.scored.setdefault(pair, []).append(state.get("points"))
    elif name == SUBSTITUTE_ADDED:
        history.substitutes.append(str(state.get("member_sub")))
    elif name == DECIDED:
        history.decisions.append(dict(state.get("decision") or {}))
        history.conflicts_at_decision = set(history.conflicts)
        history.board_at_decision = history.published_board + history.substitutes
    elif name == RESULTS_PUBLISHED:
        history.results = dict(state.get("results") or {})
