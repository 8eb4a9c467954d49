"""The decision as a use case: the chair confirms — when the chair is recused (or absent), the vice-chair; when both
are, the acting chair (委員長代理) that the members not recused elected for this call, as recorded in the registry.
Scores of recused members are voided, the quorum is checked per proposal, the ranking follows the published rule,
and the results are published at once, with the scores under labels nobody can link to members.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from kyodo_proposals.app_base import ProposalsBase, rule_of
from kyodo_proposals.domain import Call
from kyodo_proposals.ranking import Entry, rank
from kyodo_proposals.registry_view import ActingChair, call_matter
from kyodo_proposals.review import Review
from kyodo_shared.domain.actors import Actor, Principal
from kyodo_shared.domain.refusals import Refusal

LABELS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class Tally:
    """The scores as the decision counts them: "member|proposal" keys counted, those voided with the reason, the
    proposals short of the quorum (id → scorers counted), and the ranking's JSON form (None while any is short)."""

    counted: list[str]
    voided: list[dict[str, str]]
    short: dict[str, int]
    ranking: dict[str, Any] | None

    def digest(self) -> str:
        """SHA-256 of what confirming would decide now (the ranking, the scores counted and voided, the proposals
        short of the quorum), in canonical JSON: the preview carries it, the confirmation names it back, and a
        tally changed in between is refused (`ranking_changed`) rather than published unseen."""
        body = {"counted": self.counted, "voided": self.voided, "short": self.short, "ranking": self.ranking}
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


def label(index: int) -> str:
    """A, B, … Z, AA, AB, … — one distinct label per scorer."""
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, len(LABELS))
        text = LABELS[rest] + text
    return text


def label_index(text: str) -> int:
    """The index `label` gave `text` (-1 for ""): labels sort by it — "B" before "AA", which a string sort inverts."""
    index = 0
    for letter in text:
        index = index * len(LABELS) + LABELS.index(letter) + 1
    return index - 1


class DecisionCommands(ProposalsBase):
    def _recused_on_call(self, review: Review, member_sub: str) -> bool:
        """Recused on any proposal of the call: such a member presides over none of its decision."""
        return any(self.recused(review, member_sub, p) for p in review.entries)

    def _acting_chair(self, call: Call, review: Review) -> ActingChair | None:
        return self.view.acting_chair(str(call.spec["committee_id"]), call_matter(str(call.id)))

    def confirmer(self, call: Call, review: Review) -> str | None:
        """The chair; if recused on any proposal (or absent), the vice-chair; if both are, the acting chair.

        An election counts only if the acting chair and every elector sit on this call's board and none is recused
        on the call (the members present who are not recused elect); recusal is judged here, at confirmation,
        because an interest may be declared after the election."""
        for officer in (review.chair_sub, review.vice_chair_sub):
            if officer is not None and not self._recused_on_call(review, officer):
                return officer
        acting = self._acting_chair(call, review)
        if acting is None:
            return None
        people = (acting.acting_chair_sub, *acting.elector_subs)
        if not all(sub in review.board and not self._recused_on_call(review, sub) for sub in people):
            return None
        # Elected by the members present who are not recused: a majority of them, so neither one member alone nor
        # whoever records the election picks the confirmer.
        eligible = [m for m in review.board if not self._recused_on_call(review, m)]
        if 2 * len(set(acting.elector_subs)) <= len(eligible):
            return None
        return acting.acting_chair_sub

    def _confirming(self, sub: str, call: Call, review: Review) -> None:
        """Refuses anyone but the one who confirms this call's decision (the chair, vice-chair or acting chair)."""
        confirmer = self.confirmer(call, review)
        if confirmer is None:
            acting = self._acting_chair(call, review)
            if acting is not None and acting.acting_chair_sub == sub and self._recused_on_call(review, sub):
                # Elected, but recused on this call: the members must elect someone who is not.
                raise Refusal("recused")
            raise Refusal("no_confirmer")
        if sub != confirmer:
            raise Refusal("not_the_confirmer")

    def _tally(self, call: Call, review: Review) -> Tally:
        """The scores counted and those voided (a recused member's), the proposals short of the quorum, and — when
        none is — the ranking by the published rule."""
        counted, voided = [], []
        for key in sorted(review.scores):
            member, proposal = key.rsplit("|", 1)
            if self._interested(review, member, proposal):
                voided.append({"member_sub": member, "proposal_id": proposal, "reason": "interest"})
            elif key in review.conflicts:
                voided.append({"member_sub": member, "proposal_id": proposal, "reason": "conflict"})
            else:
                counted.append(key)
        scorers = {p: sum(1 for k in counted if k.endswith(f"|{p}")) for p in review.entries}
        short = {p: n for p, n in sorted(scorers.items()) if n < review.quorum}
        ranking: dict[str, Any] | None = None
        if not short:
            entries = self._entries(review, counted)
            ranking = rank(rule_of(call.spec), entries, self.seed(call.id)).to_dict() if entries else {"entries": []}
        return Tally(counted, voided, short, ranking)

    def decision_preview(self, principal: Principal, call_id: UUID) -> Tally:
        """What the one who confirms reads before confirming: the tally as the decision would make it now. Only for
        them, and only once they have scored every proposal, so the means never sway a score of their own."""
        call, review = self._reviewing(call_id), self.get_review(call_id)
        self._confirming(principal.sub, call, review)
        if any(f"{principal.sub}|{p}" not in review.scores for p in review.entries):
            raise Refusal("score_first")
        return self._tally(call, review)

    def decide(self, actor: Actor, call_id: UUID, reasons: str, previewed: str | None = None) -> Call:
        """previewed: the digest of the tally the confirmer read (`Tally.digest`); when it is no longer the tally
        now — a score or a recusal came in between — nothing is decided (`ranking_changed`)."""
        call, review = self._reviewing(call_id), self.get_review(call_id)
        self._confirming(actor.sub, call, review)
        trace = actor.trace_dict()
        tally = self._tally(call, review)
        if previewed is not None and previewed != tally.digest():
            raise Refusal("ranking_changed")
        if tally.short:
            # Names the substitute rule's count: how many review-board members may still join. Read before the save,
            # so the refusal needs nothing from the store after the commit (a store lost then would answer 503 for a
            # block that was recorded).
            eligible = self.eligible_substitutes(call, review)
            # Recorded (and published) before refusing: the coordinator adds a substitute in answer to it.
            review.block([f"quorum:{p}:{n}/{review.quorum}" for p, n in tally.short.items()], trace)
            self.save(review)
            raise Refusal("quorum_not_met", quorum=str(review.quorum), eligible=str(eligible))
        decision = {
            "ranking": tally.ranking,
            "counted": tally.counted,
            "voided": tally.voided,
            "recusals": {p: self._recusal_count(review, p) for p in sorted(review.entries)},
        }
        review.decide(decision, actor.sub, reasons, trace)
        results = self._public_results(call, review, decision, reasons)
        review.publish_results(results, actor.sub, trace)
        call.conclude(results, actor.sub, trace, self._partnering(call))
        self.save(call, review)
        return call

    def _partnering(self, call: Call) -> str | None:
        """The department the adopted groups partner: the call's; for a call drafted before calls named one, the
        project's department of the screening decision it follows (None when it follows none)."""
        named = call.spec.get("department_id")
        if named is not None:
            return str(named)
        decision_id = call.spec.get("screening_decision_id")
        decision = self.screening.decision(str(decision_id)) if decision_id is not None else None
        return decision.department_id if decision is not None else None

    @staticmethod
    def _entries(review: Review, counted: list[str]) -> list[Entry]:
        entries = []
        for proposal_id, entry in sorted(review.entries.items()):
            scores = {
                key.rsplit("|", 1)[0]: dict(review.scores[key]["points"])
                for key in counted
                if key.endswith(f"|{proposal_id}")
            }
            entries.append(Entry(proposal_id, str(entry["content_hash"]), scores))
        return entries

    def _recusal_count(self, review: Review, proposal_id: str) -> int:
        return sum(1 for member in review.board if self.recused(review, member, proposal_id))

    def _label_order(self, proposal_id: str, members: list[str]) -> list[str]:
        # A secret shuffle per proposal: the public cannot link the published labels to members, even with the seed.
        # The board's members can, for a proposal they scored: they read the others' points by office or letter
        # during the review, and equal points match them to the published table's labels.
        def key(member: str) -> bytes:
            return hmac.new(self.sealing_key, f"label:{proposal_id}:{member}".encode(), hashlib.sha256).digest()

        return sorted(members, key=key)

    def labelled_comments(self, call_id: UUID, proposal_id: str) -> list[tuple[str, str]]:
        """A decided proposal's counted comments, each under the label its scores are published with (A, B, …), so
        the proposing group reads which scores a comment goes with. For the group's own results page only: the
        caller has read them through `own_results`, which answers the group's people alone."""
        review = self.get_review(call_id)
        counted = set((review.decision or {}).get("counted", []))
        members = [k.rsplit("|", 1)[0] for k in sorted(counted) if k.endswith(f"|{proposal_id}")]
        return [
            (label(i), str(review.scores[f"{m}|{proposal_id}"]["comment"]))
            for i, m in enumerate(self._label_order(proposal_id, members))
        ]

    def _public_results(self, call: Call, review: Review, decision: dict[str, Any], reasons: str) -> dict[str, Any]:
        counted = set(decision["counted"])
        proposals = []
        for ranked in decision["ranking"]["entries"]:
            proposal_id = ranked["proposal_id"]
            members = [k.rsplit("|", 1)[0] for k in sorted(counted) if k.endswith(f"|{proposal_id}")]
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
            # Proposals kept from the board at the deadline (the group no longer in good standing, or a receipt
            # that did not match): published with the reason, never with their content, so every outcome shows.
            "set_aside": [
                {"proposal_id": i["proposal_id"], "group_id": i["group_id"], "reason": i["status"]}
                for i in review.ineligible
            ],
            "reasons": reasons,
        }

    def eligible_substitutes(self, call: Call, review: Review) -> int:
        """How many may still join as a substitute: current review-board members not yet on the call's board."""
        committee = str(call.spec["committee_id"])
        return sum(1 for member in self.view.board(committee, self.today()).members if member not in review.board)
