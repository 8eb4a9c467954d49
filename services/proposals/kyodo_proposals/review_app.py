"""Reviewing a closed call (a mixin of the Application): reveal the final proposals to the board, record
conflicts and scores, decide by the published rule and publish the results at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from datetime import datetime
from fractions import Fraction
from typing import TYPE_CHECKING, Any
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError

from kyodo_proposals.domain import IN_REVIEW, Call
from kyodo_proposals.ranking import CallRule, CriterionRule, Entry, rank
from kyodo_proposals.registry_view import RegistryView
from kyodo_proposals.review import Review, review_id
from kyodo_proposals.sealed import Proposal
from kyodo_proposals.sealing import derived_id, unseal
from kyodo_shared.audit.receipts import Receipt, ReceiptInvalid, matches, public_keys_from, verify_receipt
from kyodo_shared.domain.refusals import Refusal

if TYPE_CHECKING:
    _Base = Application[UUID]
else:
    _Base = object

LABELS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Board members act at the same time; a lost race on the review is tried again this many times.
ATTEMPTS = 8
TOKYO = ZoneInfo("Asia/Tokyo")


class ReviewCommands(_Base):
    sealing_key: bytes
    published_keys: Callable[[], dict[str, str]]
    clock: Callable[[], datetime]

    def get_call(self, call_id: UUID) -> Call:
        raise NotImplementedError  # the Application's

    def _view(self) -> RegistryView:
        raise NotImplementedError  # the Application's

    def seed(self, call_id: UUID) -> bytes:
        raise NotImplementedError  # the Application's

    def _reviewing(self, call_id: UUID) -> Call:
        """Review work happens only while the call is in review (a cancelled call's review stops)."""
        call = self.get_call(call_id)
        if call.status != IN_REVIEW:
            raise Refusal("invalid_state", state=call.status)
        return call

    def get_review(self, call_id: UUID) -> Review:
        try:
            review: Review = self.repository.get(review_id(call_id))
        except AggregateNotFoundError:
            raise Refusal("invalid_state", state="closed") from None
        return review

    def _final_versions(self, call_id: UUID, deadline: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Each group's final, not-withdrawn version, checked against its receipt; and those set aside because
        their group was not in good standing at the deadline (lapsed, suspended, dissolved since submitting).
        """
        keys = public_keys_from(self.published_keys())
        entries, ineligible = [], []
        for group in self._view().group_ids():
            proposal_id = derived_id(self.sealing_key, "proposal:", call_id, UUID(group))
            try:
                proposal: Proposal = self.repository.get(proposal_id)
            except AggregateNotFoundError:
                continue
            if proposal.withdrawn:
                continue
            # Good standing at the deadline, whatever happened to the group since.
            standing = self._view().standing_at(group, deadline)
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

    def open_review(self, call_id: UUID, trace: dict[str, str]) -> Review:
        call = self.get_call(call_id)
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

    def attachment(self, call_id: UUID, proposal_id: str, sha256: str, member_sub: str) -> tuple[bytes, str, str]:
        """An attachment of a revealed proposal, for a board member not recused from it: (bytes, type, name)."""
        review = self.get_review(call_id)
        if proposal_id not in review.entries or member_sub not in review.board:
            raise Refusal("proposal_not_found")
        if self.recused(review, member_sub, proposal_id):
            raise Refusal("recused")
        proposal: Proposal = self.repository.get(UUID(proposal_id))
        payload = unseal(self.sealing_key, call_id, proposal.id, proposal.versions[-1])
        for item in payload["attachments"]:
            content = base64.b64decode(item["content"])
            if hashlib.sha256(content).hexdigest() == sha256:
                return content, str(item["media_type"]), str(item["filename"])
        raise Refusal("proposal_not_found")

    def _interested(self, review: Review, member_sub: str, proposal_id: str) -> bool:
        return self._view().interested(member_sub, str(review.entries[proposal_id]["group_id"]))

    def recused(self, review: Review, member_sub: str, proposal_id: str) -> bool:
        return review.recused(member_sub, proposal_id, self._interested(review, member_sub, proposal_id))

    def score(
        self,
        call_id: UUID,
        member_sub: str,
        proposal_id: str,
        points: dict[str, int],
        comment: str,
        trace: dict[str, str],
    ) -> Review:
        criteria = list(self._reviewing(call_id).spec["criteria"])
        # Members score at the same time: a lost race on the review's version is simply tried again.
        for _ in range(ATTEMPTS):
            review = self.get_review(call_id)
            if proposal_id not in review.entries:
                raise Refusal("proposal_not_found")
            interested = self._interested(review, member_sub, proposal_id)
            review.score(member_sub, proposal_id, points, comment, criteria, interested, trace)
            try:
                self.save(review)
            except IntegrityError:
                continue
            return review
        raise Refusal("busy")

    def change_review(self, call_id: UUID, command: Callable[[Review], object]) -> Review:
        self._reviewing(call_id)
        for _ in range(ATTEMPTS):
            review = self.get_review(call_id)
            command(review)
            try:
                self.save(review)
            except IntegrityError:
                continue
            return review
        raise Refusal("busy")

    def add_substitute(self, call_id: UUID, member_sub: str, reason: str, by_sub: str, trace: dict[str, str]) -> Review:
        call = self._reviewing(call_id)
        today = self.clock().astimezone(TOKYO).date()
        if member_sub not in self._view().board(str(call.spec["committee_id"]), today).members:
            raise Refusal("not_a_member")
        if not self.get_review(call_id).blocked:
            # The board is fixed at publication; after the deadline only a quorum failure lets a member join.
            raise Refusal("no_quorum_failure")
        return self.change_review(call_id, lambda r: r.add_substitute(member_sub, reason, by_sub, trace))

    def confirmer(self, review: Review) -> str | None:
        """The chair confirms; if the chair is recused on any proposal, the vice-chair does."""
        chair = review.chair_sub
        if chair is not None and not any(self.recused(review, chair, p) for p in review.entries):
            return chair
        return review.vice_chair_sub

    def decide(self, call_id: UUID, by_sub: str, reasons: str, trace: dict[str, str]) -> Call:
        call, review = self._reviewing(call_id), self.get_review(call_id)
        confirmer = self.confirmer(review)
        if confirmer is None:
            raise Refusal("no_confirmer")
        if by_sub != confirmer:
            raise Refusal("not_the_confirmer")
        counted, voided = [], []
        for key in sorted(review.scores):
            member, proposal = key.split("|", 1)
            if self._interested(review, member, proposal):
                voided.append({"member_sub": member, "proposal_id": proposal, "reason": "interest"})
            elif key in review.conflicts:
                voided.append({"member_sub": member, "proposal_id": proposal, "reason": "conflict"})
            else:
                counted.append(key)
        scorers = {p: [k.split("|", 1)[0] for k in counted if k.endswith(f"|{p}")] for p in review.entries}
        short = [p for p, members in scorers.items() if len(members) < review.quorum]
        if short:
            review.block([f"quorum:{p}:{len(scorers[p])}/{review.quorum}" for p in sorted(short)], trace)
            self.save(review)
            raise Refusal("quorum_not_met")
        ranking = rank(self._rule(call), self._entries(review, counted), self.seed(call_id)) if review.entries else None
        decision = {
            "ranking": ranking.to_dict() if ranking else {"entries": []},
            "counted": counted,
            "voided": voided,
            "recusals": {p: self._recusal_count(review, p) for p in sorted(review.entries)},
        }
        review.decide(decision, by_sub, reasons, trace)
        results = self._public_results(call, review, decision, reasons)
        review.publish_results(results, by_sub, trace)
        call.conclude(results, by_sub, trace)
        self.save(call, review)
        return call

    def _rule(self, call: Call) -> CallRule:
        return self.rule_of(call.spec)

    @staticmethod
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

    def _entries(self, review: Review, counted: list[str]) -> list[Entry]:
        entries = []
        for proposal_id, entry in sorted(review.entries.items()):
            scores = {
                key.split("|", 1)[0]: dict(review.scores[key]["points"])
                for key in counted
                if key.endswith(f"|{proposal_id}")
            }
            entries.append(Entry(proposal_id, str(entry["content_hash"]), scores))
        return entries

    def _recusal_count(self, review: Review, proposal_id: str) -> int:
        return sum(1 for member in review.board if self.recused(review, member, proposal_id))

    def _label_order(self, proposal_id: str, members: list[str]) -> list[str]:
        # A secret shuffle per proposal: the published labels cannot be linked to members, even with the seed.
        def key(member: str) -> bytes:
            return hmac.new(self.sealing_key, f"label:{proposal_id}:{member}".encode(), hashlib.sha256).digest()

        return sorted(members, key=key)

    def _public_results(self, call: Call, review: Review, decision: dict[str, Any], reasons: str) -> dict[str, Any]:
        counted = set(decision["counted"])
        proposals = []
        for ranked in decision["ranking"]["entries"]:
            proposal_id = ranked["proposal_id"]
            members = [k.split("|", 1)[0] for k in sorted(counted) if k.endswith(f"|{proposal_id}")]
            # Points under labels; comments go to the proposing group only.
            labelled = [
                {"label": label(i), "points": review.scores[f"{m}|{proposal_id}"]["points"]}
                for i, m in enumerate(self._label_order(proposal_id, members))
            ]
            entry = review.entries[proposal_id]
            proposals.append(
                {
                    **ranked,
                    "group_id": entry["group_id"],
                    "scores": labelled,
                    "recusals": decision["recusals"][proposal_id],
                }
            )
        return {
            "call_id": str(call.id),
            # The ranking as decided, so an auditor compares the published copy too.
            "ranking": decision["ranking"],
            "seed": self.seed(call.id).hex(),
            "proposals": proposals,
            "selected": [p["proposal_id"] for p in proposals if p["selected"]],
            "reasons": reasons,
        }


def label(index: int) -> str:
    """A, B, … Z, AA, AB, … — one distinct label per scorer."""
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, len(LABELS))
        text = LABELS[rest] + text
    return text


__all__ = ["ReviewCommands", "label"]
