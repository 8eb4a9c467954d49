"""The review of a closed call as use cases: reveal the final proposals to the board, record conflicts and scores,
add a substitute when the quorum fails (the decision is in `decision`, what the board reads in `queries`).

Board members act at the same time on one review, each on their own entries: their commands name no version, and
a race lost on the review's version is simply tried again. Whether a member is recused is recomputed on every
command from the registry view and the review, never taken from the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from kyodo_proposals.app_base import ATTEMPTS, ProposalsBase
from kyodo_proposals.domain import Call
from kyodo_proposals.review import Review
from kyodo_proposals.sealed import Proposal
from kyodo_proposals.sealing import derived_id, unseal
from kyodo_shared.audit.receipts import Receipt, ReceiptInvalid, matches, public_keys_from, verify_receipt
from kyodo_shared.domain.actors import Actor
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.store.sealed import sealed_chain


class ReviewCommands(ProposalsBase):
    def _sealed_proposals(self, call: Call) -> list[tuple[UUID, str, Proposal]]:
        """(proposal id, group id, proposal) of every sealed proposal of the call. A call whose close recorded its
        sealed chain: exactly the proposals recorded, once the sealed store is checked to hold that very chain (an
        event removed or altered since the close is refused here, not found by an audit later); otherwise (a call
        from before the sealed store) every group the registry view knows."""
        found: dict[UUID, tuple[UUID, str, Proposal]] = {}
        recorded = call.sealed_chain
        if recorded is not None:
            now = sealed_chain(self.sealed.recorder, recorded["ids"])
            if (now.count, now.head) != (recorded["count"], recorded["head"]):
                raise Refusal("sealed_chain_mismatch", recorded=str(recorded["count"]), now=str(now.count))
            gate_id = str(derived_id(self.sealing_key, "gate:", call.id))
            for pid in (UUID(i) for i in recorded["ids"] if i != gate_id):
                proposal: Proposal = self.sealed.repository.get(pid)
                # Every version names its group; a withdrawal keeps the last version.
                group = str(unseal(self.sealing_key, call.id, pid, proposal.versions[-1])["group_id"])
                found[pid] = (pid, group, proposal)
        homes = self._homes(call.id)
        for box in homes if recorded is None else [h for h in homes if h is not self.sealed]:
            for group in self.view.group_ids():
                pid, maybe = self._proposal(box, call.id, UUID(group))
                if maybe is not None and pid not in found:
                    found[pid] = (pid, group, maybe)
        return list(found.values())

    def _final_versions(self, call: Call) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Each group's final, not-withdrawn version, checked against its receipt; and those set aside because
        their group was not in good standing at the deadline (lapsed, suspended, dissolved since submitting).
        """
        keys = public_keys_from(self.published_keys())
        entries, ineligible = [], []
        for proposal_id, group, proposal in self._sealed_proposals(call):
            if proposal.withdrawn:
                continue
            # Good standing at the deadline, whatever happened to the group since.
            standing = self.view.standing_at(group, call.deadline)
            if standing != "registered":
                ineligible.append({"proposal_id": str(proposal_id), "group_id": group, "status": standing})
                continue
            payload = unseal(self.sealing_key, call.id, proposal_id, proposal.versions[-1])
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
        entries, ineligible = self._final_versions(call)
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
