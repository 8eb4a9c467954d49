"""What every proposals use case shares: the constructor's dependencies, loading a call once at the version the
caller saw, the aggregates kept under the sealing key (a call's gate, a group's sealed proposal), the review, and
deciding from the service's own data (the call, the review, its view of the registry) who may act.

Dependencies come in through the constructor (the composition root, `main`, builds them): the service's clock,
its durable timers, the registry and screening views and the database they and the call index live in, the sealing
key and the audit keys that sign receipts.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import date, datetime
from fractions import Fraction
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.application import AggregateNotFoundError, Application

from kyodo_proposals.domain import DRAFT, IN_REVIEW, PUBLISHED, Call
from kyodo_proposals.ranking import CallRule, CriterionRule
from kyodo_proposals.registry_view import RegistryView
from kyodo_proposals.review import Review, review_id
from kyodo_proposals.screening_view import ScreeningView
from kyodo_proposals.sealed import Gate, Proposal
from kyodo_proposals.sealing import derived_id
from kyodo_shared.audit.keys import AuditKeys
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.domain.refusals import Expected, Refusal, check_version
from kyodo_shared.store.aggregates import get
from kyodo_shared.store.db import Database
from kyodo_shared.tasks.timers import Timers

CLOSE_TIMER = "proposals.call.close"
# Submissions to one call meet at its gate, board members at its review: a lost race is simply tried again.
ATTEMPTS = 8


def rule_of(spec: dict[str, Any]) -> CallRule:
    """The published rules as the ranking applies them; ValueError if they are not decidable."""
    criteria = tuple(CriterionRule(c["key"], int(c["weight"]), int(c["max_points"])) for c in spec["criteria"])
    return CallRule(
        criteria,
        spec["formula"],
        Fraction(spec["passing_score"]),
        int(spec["select"]),
        spec["tie_rule"],
        tuple(spec["priority"]),
    )


class SealedProposals(Application[UUID]):
    """The sealed store's application (kyodo_shared/store/sealed.py): the calls' gates and sealed proposals, in
    tables of their own (`proposals_sealed_events`; a file of its own on SQLite) that nothing public reads."""

    name = "proposals_sealed"


class ProposalsBase(Application[UUID]):
    """The eventsourcing Application of the proposals service, with its dependencies and shared helpers."""

    name = "proposals"

    def __init__(
        self,
        *,
        env: dict[str, str],
        clock: Callable[[], datetime],
        timers: Timers,
        view: RegistryView,
        screening: ScreeningView,
        db: Database,
        sealing_key: bytes,
        keys: AuditKeys,
        minimum_extension_days: int,
        sealed: SealedProposals,
    ) -> None:
        super().__init__(env=env)
        # Receipt and publication times come from the clock here, never from inside an event.
        self.clock, self.timers, self.view, self.db = clock, timers, view, db
        # The screening decisions a partner selection follows (選別結果), as they reached this service.
        self.screening = screening
        # Kept outside the store (beside the audit keys): seeds and sealed ids derive from it, so nobody reading
        # the database can learn a lottery seed before the results or link a sealed record to a group.
        self.sealing_key = sealing_key
        # Gates and sealed proposals: a store apart, so the public history does not count them (`_sealed_gate`).
        self.sealed = sealed
        # Receipts are signed with the service's audit keys (published like the checkpoints' keys).
        self.keys = keys
        # An amendment must move the deadline by at least this many days (published with the call).
        self.minimum_extension_days = minimum_extension_days

    def today(self) -> date:
        return self.clock().astimezone(TOKYO).date()

    def seed(self, call_id: UUID) -> bytes:
        """The call's lottery seed: secret until the results, committed to by its SHA-256 at publication."""
        return hmac.new(self.sealing_key, b"seed:" + call_id.bytes, hashlib.sha256).digest()

    def receipt_key(self) -> tuple[Ed25519PrivateKey, str]:
        """The service's current receipt signing key and its id."""
        ring = self.keys.ring()
        return ring.private(ring.active), ring.active

    def published_keys(self) -> dict[str, str]:
        """The service's published receipt/checkpoint keys (kid → public key), to check receipts at the close."""
        return self.keys.published()

    # --- calls ----------------------------------------------------------------------------------------------

    def get_call(self, call_id: UUID) -> Call:
        return get(self.repository, call_id, Call, "call_not_found")

    def _load_call(self, call_id: UUID, expected: Expected) -> Call:
        """The call at the version the caller saw (If-Match): 404 first, then 428 or 412."""
        call = self.get_call(call_id)
        check_version(call.version, expected)
        return call

    @staticmethod
    def _timed_deadline(call: Call) -> str | None:
        """The deadline a close timer is already set for: none until the call is published."""
        return None if call.status == DRAFT else str(call.spec["deadline"])

    def _save_call(self, call: Call, timed_before: str | None) -> Call:
        if call.status == PUBLISHED and call.spec["deadline"] != timed_before:
            # Before the save: a failed save leaves a timer that finds nothing to do; the reverse would leave a call
            # that never closes.
            self.timers.schedule(CLOSE_TIMER, str(call.id), call.deadline, {"deadline": call.spec["deadline"]})
        # A concurrent writer makes this save fail with IntegrityError: the API answers 409.
        self.save(call)
        return call

    # --- what the sealing key keeps apart -------------------------------------------------------------------

    def _sealed_gate(self, call_id: UUID) -> tuple[Application[UUID], Gate]:
        """The call's gate and the store its sealed aggregates are in: the sealed store — except for a call whose
        gate was opened in the service's own store, before the sealed store existed, which keeps its sealed history
        there to the end (its close records no sealed chain: those events are in the public chain already).
        The sealed store is asked first, so a call a newer replica opened there stays there (see `_homes`)."""
        gate_id = derived_id(self.sealing_key, "gate:", call_id)
        for box in (self.sealed, self):
            try:
                gate: Gate = box.repository.get(gate_id)
            except AggregateNotFoundError:
                continue
            return box, gate
        return self.sealed, Gate(gate_id)

    def _homes(self, call_id: UUID) -> list[Application[UUID]]:
        """Every store holding a gate of the call, sealed store first. Two only after an upgrade rolled out with
        replicas of the release before still taking proposals beside newer ones (README: upgrade with Recreate);
        the review then reads both, so no receipted proposal is lost."""
        gate_id = derived_id(self.sealing_key, "gate:", call_id)
        homes: list[Application[UUID]] = []
        for box in (self.sealed, self):
            try:
                box.repository.get(gate_id)
            except AggregateNotFoundError:
                continue
            homes.append(box)
        return homes or [self.sealed]

    def _stored_proposal(self, call_id: UUID, proposal_id: UUID) -> Proposal:
        for box in self._homes(call_id):
            try:
                proposal: Proposal = box.repository.get(proposal_id)
            except AggregateNotFoundError:
                continue
            return proposal
        raise Refusal("proposal_not_found")

    def _proposal(self, box: Application[UUID], call_id: UUID, group_id: UUID) -> tuple[UUID, Proposal | None]:
        proposal_id = derived_id(self.sealing_key, "proposal:", call_id, group_id)
        try:
            proposal: Proposal = box.repository.get(proposal_id)
        except AggregateNotFoundError:
            return proposal_id, None
        return proposal_id, proposal

    # --- the review and who sits on it ----------------------------------------------------------------------

    def get_review(self, call_id: UUID) -> Review:
        try:
            review: Review = self.repository.get(review_id(call_id))
        except AggregateNotFoundError:
            raise Refusal("invalid_state", state="closed") from None
        return review

    def _reviewing(self, call_id: UUID) -> Call:
        """Review work happens only while the call is in review (a cancelled call's review stops)."""
        call = self.get_call(call_id)
        if call.status != IN_REVIEW:
            raise Refusal("invalid_state", state=call.status)
        return call

    @staticmethod
    def _on_board(review: Review, member_sub: str) -> None:
        if member_sub not in review.board:
            raise Refusal("not_on_board")

    def _interested(self, review: Review, member_sub: str, proposal_id: str) -> bool:
        # Declared interests only. Acting for the group is not read here: a representative adds contacts without
        # their consent, so "acts for it now" would let a group recuse any board member (and void their scores).
        return self.view.interested(member_sub, str(review.entries[proposal_id]["group_id"]))

    def recused(self, review: Review, member_sub: str, proposal_id: str) -> bool:
        """Recomputed on every use from the registry's declared interests and the conflicts recorded in the
        review, so an interest declared late still recuses (and voids the scores already given)."""
        return review.recused(member_sub, proposal_id, self._interested(review, member_sub, proposal_id))
