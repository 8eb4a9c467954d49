"""Sealed proposals (提案書) and the gate that serializes submissions with a call's close.

A proposal's events carry only ciphertext (AES-256-GCM under a per-call key derived from the sealing key, which
lives outside the store) and its version: not the call, not the group, not the receipt time. Its id is derived
with HMAC from (call, group), so one group keeps one proposal per call and nobody without the key can link it.
The encryption and the id derivation are in `sealing` (the domain holds no keys and imports no cipher).
Every submission, revision and withdrawal also passes the call's gate in the same atomic save, and the close
shuts the gate before it closes the call: optimistic concurrency on the gate orders them, so nothing is accepted
after the close. Both aggregates live in the service's sealed store (kyodo_shared/store/sealed.py), which nothing
public reads: not even the number of their events shows before the deadline.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event


class Gate(Aggregate):
    """One per call (id derived with HMAC): every sealed change passes it; the close shuts it."""

    class Opened(Aggregate.Created):
        gate_id: UUID

    @event(Opened)
    def __init__(self, gate_id: UUID) -> None:
        self.shut = False
        # The proposals that passed, in order, so the close knows exactly which sealed aggregates are the call's (a
        # dict: each replay of a call of n proposals stays linear; a list's `not in` made it quadratic, bench/soak).
        self.passed: dict[str, None] = {}

    @staticmethod
    def create_id(gate_id: UUID) -> UUID:
        return gate_id

    @event("Passed")
    def pass_through(self, proposal_id: str | None = None) -> None:
        """The version a concurrent close must not skip, naming the proposal that passed (events stored in the
        service's own store, before the sealed store, name none)."""
        if proposal_id is not None:
            self.passed.setdefault(proposal_id)

    @event("Shut")
    def close(self) -> None:
        self.shut = True

    @event("Reopened")
    def reopen(self) -> None:
        """The close that shut it did not happen after all (the call was amended or changed concurrently)."""
        self.shut = False


class Proposal(Aggregate):
    """A group's proposal to one call, every version sealed."""

    class Submitted(Aggregate.Created):
        proposal_id: UUID
        sealed: dict[str, str]

    @event(Submitted)
    def __init__(self, proposal_id: UUID, sealed: dict[str, str]) -> None:
        self.versions: list[dict[str, str]] = [sealed]
        self.withdrawn = False

    @staticmethod
    def create_id(proposal_id: UUID) -> UUID:
        return proposal_id

    @event("Revised")
    def revise(self, sealed: dict[str, str]) -> None:
        # Also a resubmission after a withdrawal: a new version, a new receipt.
        self.versions.append(sealed)
        self.withdrawn = False

    @event("Withdrawn")
    def withdraw(self, sealed: dict[str, str]) -> None:
        self.withdrawn = True
