"""The review of a closed call as use cases: reveal the final proposals to the board, record conflicts and scores,
add a substitute when the quorum fails (the decision is in `decision`, what the board reads in `queries`).

Board members act at the same time on one review, each on their own entries: their commands name no version, and
a race lost on the review's version is simply tried again. Whether a member is recused is recomputed on every
command from the registry view and the review, never taken from the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from kyodo_proposals.app_base import ATTEMPTS, ProposalsBase
from kyodo_proposals.review import Review
from kyodo_proposals.sealing import unseal
from kyodo_shared.audit.receipts import Receipt, ReceiptInvalid, matches, public_keys_from, verify_receipt
from kyodo_shared.domain.actors import Actor
from kyodo_shared.domain.refusals import Refusal


class ReviewCommands(ProposalsBase):
    def _final_versions(self, call_id: UUID, deadline: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Each group's final, not-withdrawn version, checked against its receipt; and those set aside because
        their group was not in good standing at the deadline (lapsed, suspended, dissolved since submitting).
        """
        keys = public_keys_from(self.published_keys())
        entries, ineligible = [], []
        box = self._box(call_id)
        for group in self.view.group_ids():
            proposal_id, proposal = self._proposal(box, call_id, UUID(group))
            if proposal is None or proposal.withdrawn:
                continue
            # Good standing at the deadline, whatever happened to the group since.
            standing = self.view.standing_at(group, deadline)
            if standing != "registered":
                ineligible.append({"proposal_id": str(proposal_id), "group_id": group, "status": standing})
                continue
            payload = unseal(self.sealing_key, call_id, proposal_id, proposal.versions[-1])
            receipt = Receipt.from_json(payload["receipt"])
            try:
                verify_receipt(receipt, keys)
                receipt_ok = matches(receipt, payload["content"], list(receipt.attachments))
            except ReceiptInvalid:
                receipt_ok = False
            if not receipt_ok:
                # What the board would see is not what the group was given a receipt for: never ranked.
                ineligible.append({"proposal_id": str(proposal_id), "group_id": group, "status": "receipt_mismatch"})
                continue
            entries.append(
                {
                    "proposal_id": str(proposal_id),
                    "group_id": group,
                    "version": receipt.proposal_version,
                    "content": payload["content"],
                    "attachments": list(receipt.attachments),
                    "salt": receipt.salt,
                    "receipt": payload["receipt"],
                    "content_hash": receipt.content_hash,
                    "receipt_ok": receipt_ok,
                }
            )
        return entries, ineligible

    def open_review(self, actor: Actor, call_id: UUID) -> Review:
        """After the deadline: the final versions go to the board fixed for the call. The review is created here
        and the call can start its review only once, so no version needs naming."""
        call = self.get_call(call_id)
        trace = actor.trace_dict()
        call.start_review(trace)
        entries, ineligible = self._final_versions(call_id, call.deadline)
        review = Review(
            call_id,
            entries,
            ineligible,
            call.board,
            call.chair_sub,
            call.vice_chair_sub,
            int(call.spec["quorum"]),
            trace,
        )
        self.save(call, review)
        return review

    def _retried(self, call_id: UUID, command: Callable[[Review], object]) -> Review:
        """Load the review, run the command and save; a race lost to another member is tried again."""
        for _ in range(ATTEMPTS):
            review = self.get_review(call_id)
            command(review)
            try:
                self.save(review)
            except IntegrityError:
                continue
            return review
        raise Refusal("busy")

    def declare_conflict(self, actor: Actor, call_id: UUID, proposal_id: str, kind: str, reason: str) -> Review:
        """A member declares their own conflict with a proposal (and may remove it later)."""
        self._reviewing(call_id)
        return self._retried(
            call_id, lambda r: r.declare_conflict(actor.sub, proposal_id, kind, reason, actor.sub, False)
        )

    def pin_conflict(
        self, actor: Actor, call_id: UUID, member_sub: str, proposal_id: str, kind: str, reason: str
    ) -> Review:
        """A coordinator records a member's conflict that the member cannot remove."""
        self._reviewing(call_id)
        return self._retried(
            call_id, lambda r: r.declare_conflict(member_sub, proposal_id, kind, reason, actor.sub, True)
        )

    def remove_conflict(self, actor: Actor, call_id: UUID, proposal_id: str) -> Review:
        """A member removes their own conflict, unless a coordinator pinned it."""
        self._reviewing(call_id)
        return self._retried(call_id, lambda r: r.remove_conflict(actor.sub, proposal_id, actor.sub))

    def score(self, actor: Actor, call_id: UUID, proposal_id: str, points: dict[str, int], comment: str) -> Review:
        """A member's score on every criterion of the call, once (final when sent), unless recused."""
        criteria = list(self._reviewing(call_id).spec["criteria"])

        def score(review: Review) -> None:
            if proposal_id not in review.entries:
                raise Refusal("proposal_not_found")
            interested = self._interested(review, actor.sub, proposal_id)
            review.score(actor.sub, proposal_id, points, comment, criteria, interested, actor.trace_dict())

        return self._retried(call_id, score)

    def add_substitute(self, actor: Actor, call_id: UUID, member_sub: str, reason: str) -> Review:
        call = self._reviewing(call_id)
        if member_sub not in self.view.board(str(call.spec["committee_id"]), self.today()).members:
            raise Refusal("not_a_member")

        def add(review: Review) -> None:
            if not review.blocked:
                # The board is fixed at publication; after the deadline only a quorum failure lets a member join.
                raise Refusal("no_quorum_failure")
            review.add_substitute(member_sub, reason, actor.sub, actor.trace_dict())

        return self._retried(call_id, add)
