"""The proposals service's queries: who may read what, decided here from the service's own data.

Calls: published ones (and every later state) for anyone, drafts for coordinators only — to anyone else a draft
is answered as absent. The review: board members read the proposals they are not recused from, and see others'
scores on a proposal only after giving their own, never when recused. Results: public once published; a group's
own scores with the comments for its people only. A group's sealed proposal is read in `submissions`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from uuid import UUID

from kyodo_proposals.app_base import ProposalsBase
from kyodo_proposals.decision import label
from kyodo_proposals.domain import CANCELLED, DRAFT, RESULTS_PUBLISHED, Call, CallStatus
from kyodo_proposals.index import IndexedCall, list_calls
from kyodo_proposals.review import Review
from kyodo_proposals.screening_view import Decision
from kyodo_proposals.sealed import Proposal
from kyodo_proposals.sealing import unseal
from kyodo_proposals.submissions import Attachment
from kyodo_shared.domain.actors import Principal, Role
from kyodo_shared.domain.refusals import Refusal

# What anyone may read and list: every call from its publication on.
PUBLIC_STATUSES: tuple[CallStatus, ...] = tuple(s for s in CallStatus if s != DRAFT)
ALL_STATUSES: tuple[CallStatus, ...] = tuple(CallStatus)


def is_coordinator(principal: Principal | None) -> bool:
    return principal is not None and principal.has(Role.COORDINATOR)


class CallQueries(ProposalsBase):
    # --- calls ----------------------------------------------------------------------------------------------

    def read_call(self, principal: Principal | None, call_id: UUID) -> Call:
        call = self.get_call(call_id)
        if call.status == DRAFT and not is_coordinator(principal):
            raise Refusal("call_not_found")
        return call

    def followed_decision(self, call: Call) -> Decision | None:
        """The screening decision a partner selection follows, as it reached this service (None: follows none, or
        not here yet)."""
        decision_id = call.spec.get("screening_decision_id")
        return self.screening.decision(str(decision_id)) if decision_id else None

    def find_calls(self, principal: Principal | None, offset: int, limit: int) -> tuple[list[IndexedCall], int]:
        statuses = ALL_STATUSES if is_coordinator(principal) else PUBLIC_STATUSES
        return list_calls(self.db, statuses, offset, limit)

    # --- the board's reading --------------------------------------------------------------------------------

    def _not_cancelled(self, call_id: UUID) -> None:
        if self.get_call(call_id).status == CANCELLED:
            # A cancelled call's review stops: nothing of it is read any more, its proposals stay sealed.
            raise Refusal("invalid_state", state=CANCELLED)

    def board_proposals(self, principal: Principal, call_id: UUID) -> list[dict[str, Any]]:
        """The revealed proposals a board member may read, and those they are recused from by a conflict they
        declared themselves (having read it, they know which it is; they may remove it): for these, only the id.
        A proposal a member is recused from otherwise (a coordinator's pinned conflict, an interest declared in the
        registry) is not listed at all, only counted (`recused_unlisted`): neither its id nor its place among the
        others may tell a recused member whose it is. In the order of their ids, which say nothing of the group."""
        self._not_cancelled(call_id)
        review = self.get_review(call_id)
        self._on_board(review, principal.sub)
        return [
            shown
            for shown in (self._shown(review, principal.sub, p) for p in sorted(review.entries))
            if shown is not None
        ]

    def recused_unlisted(self, principal: Principal, call_id: UUID) -> int:
        """How many proposals the member is recused from that `board_proposals` does not list."""
        self._not_cancelled(call_id)
        review = self.get_review(call_id)
        self._on_board(review, principal.sub)
        return sum(1 for p in review.entries if self._shown(review, principal.sub, p) is None)

    def board_proposal(self, principal: Principal, call_id: UUID, proposal_id: str) -> dict[str, Any]:
        """One proposal as `board_proposals` shows it; one the member is recused from and not listed answers only
        that (they hold its id already: nothing more is told)."""
        self._not_cancelled(call_id)
        review = self.get_review(call_id)
        self._on_board(review, principal.sub)
        if proposal_id not in review.entries:
            raise Refusal("proposal_not_found")
        shown = self._shown(review, principal.sub, proposal_id)
        return shown if shown is not None else {"proposal_id": proposal_id, "recused": True, "listed": False}

    def _shown(self, review: Review, member_sub: str, proposal_id: str) -> dict[str, Any] | None:
        entry = review.entries[proposal_id]
        if not self.recused(review, member_sub, proposal_id):
            return {
                "proposal_id": proposal_id,
                "recused": False,
                "receipt_ok": entry["receipt_ok"],
                "group_id": entry["group_id"],
                "content": entry["content"],
                "version": entry["version"],
            }
        if review.conflicts.get(f"{member_sub}|{proposal_id}", {}).get("own"):
            return {"proposal_id": proposal_id, "recused": True}
        return None

    def board_offices(self, principal: Principal, call_id: UUID) -> dict[str, str]:
        """How the board's members are shown to one another (never by their registry sub): "chair", "vice_chair",
        or "member:<letter>" — one letter per other member, stable for the call: the board fixed at publication in a
        secret order (nobody outside the board can link a letter to a sub), then the substitutes as they joined.
        Not the published results' labels (secret per proposal, `DecisionCommands._label_order`): another key, so
        the letters' order says nothing of the labels' order, and the public, who never sees the letters, cannot link
        the two. A member who reads the others' points by letter can still match them, by equal points, to the
        published table's labels: the letters keep the subs off the pages, not the scores from the board.
        For the board's members only."""
        review = self.get_review(call_id)
        self._on_board(review, principal.sub)
        officers = {review.chair_sub: "chair", review.vice_chair_sub: "vice_chair"}
        others = [m for m in review.board if m not in officers]

        def secret(member: str) -> bytes:
            return hmac.new(self.sealing_key, f"board-label:{call_id}:{member}".encode(), hashlib.sha256).digest()

        ordered = sorted((m for m in others if m not in review.substitutes), key=secret)
        ordered += [m for m in others if m in review.substitutes]
        return {
            **{m: f"member:{label(i)}" for i, m in enumerate(ordered)},
            **{str(sub): office for sub, office in officers.items() if sub is not None and sub in review.board},
        }

    def attachment(self, principal: Principal, call_id: UUID, proposal_id: str, sha256: str) -> Attachment:
        """An attachment of a revealed proposal, by its hash, for a board member not recused from it."""
        self._not_cancelled(call_id)
        review = self.get_review(call_id)
        if proposal_id not in review.entries or principal.sub not in review.board:
            raise Refusal("proposal_not_found")
        if self.recused(review, principal.sub, proposal_id):
            raise Refusal("recused")
        proposal: Proposal = self._stored_proposal(call_id, UUID(proposal_id))
        payload = unseal(self.sealing_key, call_id, proposal.id, proposal.versions[-1])
        for item in payload["attachments"]:
            content = base64.b64decode(item["content"])
            if hashlib.sha256(content).hexdigest() == sha256:
                return Attachment(str(item["filename"]), str(item["media_type"]), content)
        raise Refusal("proposal_not_found")

    def scores_seen(self, principal: Principal, call_id: UUID, proposal_id: str) -> list[dict[str, Any]]:
        """Others' scores on a proposal, for a member who has scored it: each member judges independently."""
        self._not_cancelled(call_id)
        review = self.get_review(call_id)
        if proposal_id not in review.entries:
            raise Refusal("proposal_not_found")
        own = f"{principal.sub}|{proposal_id}"
        if (
            principal.sub not in review.board
            or self.recused(review, principal.sub, proposal_id)
            or own not in review.scores
        ):
            # Recused members never see them; the others only once their own score is in.
            raise Refusal("score_first")
        return [
            {"member_sub": k.rsplit("|", 1)[0], **v}
            for k, v in sorted(review.scores.items())
            if k.endswith(f"|{proposal_id}")
        ]

    # --- results --------------------------------------------------------------------------------------------

    def results(self, call_id: UUID) -> dict[str, Any]:
        call = self.get_call(call_id)
        if call.status != RESULTS_PUBLISHED:
            raise Refusal("results_not_published")
        return call.results

    def own_results(self, principal: Principal, call_id: UUID, group_id: UUID) -> dict[str, Any]:
        """A group's own scores with the reviewers' comments, for its representative and contacts only."""
        call = self.get_call(call_id)
        if call.status != RESULTS_PUBLISHED or not (
            principal.has(Role.GROUP) and self.view.acts_for(principal.sub, str(group_id))
        ):
            raise Refusal("results_not_published")
        mine = [p for p in call.results["proposals"] if p["group_id"] == str(group_id)]
        if not mine:
            # Kept from the board at the deadline: the group reads that, and why (results before this carry none).
            aside = [p for p in call.results.get("set_aside", []) if p["group_id"] == str(group_id)]
            if aside:
                return {**aside[0], "outcome": "set_aside", "reasons": call.results["reasons"]}
            raise Refusal("proposal_not_found")
        review = self.get_review(call_id)
        proposal_id = mine[0]["proposal_id"]
        counted = (review.decision or {}).get("counted", [])
        comments = [review.scores[k]["comment"] for k in counted if k.endswith(f"|{proposal_id}")]
        return {**mine[0], "outcome": "ranked", "comments": comments, "reasons": call.results["reasons"]}
