"""The review of a closed call: the proposals revealed to the board, conflicts and recusals, independent scores,
quorum and substitutes, the decision by the published rule, and the published results.

One aggregate per call (id uuid5 of the call), created when the review opens after the deadline. Who is recused
is recomputed from the registry's declared interests and the conflicts recorded here, so an interest declared
late voids the scores already given.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from kyodo_shared.domain.refusals import Refusal


class ReviewStatus(StrEnum):
    OPEN = "open"
    DECIDED = "decided"
    PUBLISHED = "published"


OPEN = ReviewStatus.OPEN
DECIDED = ReviewStatus.DECIDED
PUBLISHED = ReviewStatus.PUBLISHED


def review_id(call_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"kyodo:proposals:review:{call_id}")


class Review(Aggregate):
    class Opened(Aggregate.Created):
        call_id: UUID
        entries: list[dict[str, Any]]
        ineligible: list[dict[str, Any]]
        board: list[str]
        chair_sub: str | None
        vice_chair_sub: str | None
        quorum: int
        trace: dict[str, str]

    @event(Opened)
    def __init__(
        self,
        call_id: UUID,
        entries: list[dict[str, Any]],
        ineligible: list[dict[str, Any]],
        board: list[str],
        chair_sub: str | None,
        vice_chair_sub: str | None,
        quorum: int,
        trace: dict[str, str],
    ) -> None:
        # entries: proposal_id, group_id, version, content_hash, receipt_ok — each final, not-withdrawn version.
        self.call_id = call_id
        self.entries = {str(e["proposal_id"]): dict(e) for e in entries}
        # Proposals whose group was not in good standing at the deadline: recorded, not reviewed.
        self.ineligible = list(ineligible)
        self.board = list(board)
        self.substitutes: dict[str, str] = {}  # member → the reason they joined the board after it was fixed
        self.chair_sub, self.vice_chair_sub = chair_sub, vice_chair_sub
        self.quorum = quorum
        self.conflicts: dict[str, dict[str, Any]] = {}  # "member|proposal" → kind, reason, pinned, own
        self.scores: dict[str, dict[str, Any]] = {}  # "member|proposal" → points, comment
        self.status = OPEN
        self.blocked: list[str] = []
        self.decision: dict[str, Any] | None = None

    @staticmethod
    def create_id(call_id: UUID) -> UUID:
        return review_id(call_id)

    def _entry(self, proposal_id: str) -> dict[str, Any]:
        if proposal_id not in self.entries:
            raise Refusal("proposal_not_found")
        return self.entries[proposal_id]

    def _member(self, member_sub: str) -> None:
        if member_sub not in self.board:
            raise Refusal("not_on_board")

    def declare_conflict(
        self, member_sub: str, proposal_id: str, kind: str, reason: str, by_sub: str, pinned: bool
    ) -> None:
        """A member declares their own conflict; a coordinator may pin one the member cannot remove.

        A member's own declaration comes before their score, never after: once they have scored a proposal they
        read the others' scores on it (and the chair, the decision's exact ranking), so a conflict declared then
        would let them void their score — and the chair hand the confirmation to the vice-chair — knowing the
        effect. A conflict found later is the coordinator's to pin (`pinned`), as is every conflict a member did
        not declare. A coordinator pins others' conflicts, never their own: an account that is both coordinator and
        member would otherwise pin its own after scoring, the very thing a member may not declare then."""
        self._require_open()
        if pinned and by_sub == member_sub:
            raise Refusal("own_conflict_pinned", field="member_sub")
        self._member(member_sub)
        self._entry(proposal_id)
        if not pinned and f"{member_sub}|{proposal_id}" in self.scores:
            raise Refusal("conflict_after_scoring", field="proposal_id")
        self._conflict_declared(member_sub, proposal_id, kind, reason, by_sub, pinned)

    @event("ConflictDeclared")
    def _conflict_declared(
        self, member_sub: str, proposal_id: str, kind: str, reason: str, by_sub: str, pinned: bool
    ) -> None:
        key = f"{member_sub}|{proposal_id}"
        previous = self.conflicts.get(key, {})
        self.conflicts[key] = {
            "kind": kind,
            "reason": reason,
            "pinned": pinned or bool(previous.get("pinned")),
            # Declared by the member themselves (who had read the proposal), not only pinned by a coordinator.
            "own": by_sub == member_sub or bool(previous.get("own")),
        }

    def remove_conflict(self, member_sub: str, proposal_id: str, by_sub: str) -> None:
        self._require_open()
        conflict = self.conflicts.get(f"{member_sub}|{proposal_id}")
        if conflict is None:
            raise Refusal("conflict_not_found")
        if conflict["pinned"]:
            raise Refusal("conflict_pinned")
        self._conflict_removed(member_sub, proposal_id, by_sub)

    @event("ConflictRemoved")
    def _conflict_removed(self, member_sub: str, proposal_id: str, by_sub: str) -> None:
        self.conflicts.pop(f"{member_sub}|{proposal_id}", None)

    def recused(self, member_sub: str, proposal_id: str, interested: bool) -> bool:
        """interested: the registry knows a declared interest of the member in the proposing group."""
        return interested or f"{member_sub}|{proposal_id}" in self.conflicts

    def score(
        self,
        member_sub: str,
        proposal_id: str,
        points: dict[str, int],
        comment: str,
        criteria: list[dict[str, Any]],
        interested: bool,
        trace: dict[str, str],
    ) -> None:
        self._require_open()
        self._member(member_sub)
        self._entry(proposal_id)
        if self.recused(member_sub, proposal_id, interested):
            raise Refusal("recused")
        if f"{member_sub}|{proposal_id}" in self.scores:
            raise Refusal("score_final")
        _check_points(points, criteria)
        self._scored(member_sub, proposal_id, dict(points), comment, trace)

    @event("Scored")
    def _scored(
        self, member_sub: str, proposal_id: str, points: dict[str, int], comment: str, trace: dict[str, str]
    ) -> None:
        self.scores[f"{member_sub}|{proposal_id}"] = {"points": points, "comment": comment}

    def add_substitute(self, member_sub: str, reason: str, by_sub: str, trace: dict[str, str]) -> None:
        self._require_open()
        if member_sub in self.board:
            raise Refusal("already_on_board")
        self._substitute_added(str(self.call_id), member_sub, reason, by_sub, trace)

    @event("SubstituteAdded")
    def _substitute_added(self, call_id: str, member_sub: str, reason: str, by_sub: str, trace: dict[str, str]) -> None:
        self.board.append(member_sub)
        self.substitutes[member_sub] = reason
        self.blocked = []

    def block(self, reasons: list[str], trace: dict[str, str]) -> None:
        self._require_open()
        self._blocked(str(self.call_id), reasons, trace)

    @event("DecisionBlocked")
    def _blocked(self, call_id: str, reasons: list[str], trace: dict[str, str]) -> None:
        self.blocked = list(reasons)

    def decide(self, decision: dict[str, Any], confirmed_by: str, reasons: str, trace: dict[str, str]) -> None:
        """decision: the ranking computed by the published rule, the scores counted and those voided."""
        self._require_open()
        self._decided(decision, confirmed_by, reasons, trace)

    @event("Decided")
    def _decided(self, decision: dict[str, Any], confirmed_by: str, reasons: str, trace: dict[str, str]) -> None:
        self.status = DECIDED
        self.decision = {**decision, "confirmed_by": confirmed_by, "reasons": reasons}

    def publish_results(self, results: dict[str, Any], by_sub: str, trace: dict[str, str]) -> None:
        if self.status != DECIDED:
            raise Refusal("invalid_state", state=self.status)
        self._results_published(results, by_sub, trace)

    @event("ResultsPublished")
    def _results_published(self, results: dict[str, Any], by_sub: str, trace: dict[str, str]) -> None:
        self.status = PUBLISHED
        self.results = results

    def _require_open(self) -> None:
        if self.status != OPEN:
            raise Refusal("invalid_state", state=self.status)


def _check_points(points: dict[str, int], criteria: list[dict[str, Any]]) -> None:
    """Every criterion of the call scored once, within 0..its maximum. The refusal names the first criterion at
    fault and its maximum, from the call's published rules; a key the call does not have is never quoted back."""
    if set(points) - {str(c["key"]) for c in criteria}:
        raise Refusal("not_a_call_criterion")
    for criterion in criteria:
        key = str(criterion["key"])
        if key not in points or not _within(points[key], criterion):
            raise invalid_points(criterion)


# Digits typed with a Japanese input method (０–９) are the same numbers. Nothing else is read as a digit: not other
# scripts' digits (٣, ३, which `\d` and int() accept), nor what NFKC would turn into digits (①, ²).
_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
_WHOLE = re.compile(r"[0-9]{1,6}")


def typed_points(typed: str, criterion: dict[str, Any], field: str | None = None) -> int:
    """A criterion's points as a person types them in a form — ASCII or full-width digits, a whole number within
    0..the criterion's maximum — or the same refusal the score itself answers (`invalid_points`), about `field`."""
    text = typed.strip().translate(_FULL_WIDTH)
    if _WHOLE.fullmatch(text) and _within(int(text), criterion):
        return int(text)
    raise invalid_points(criterion, field)


def _within(points: int, criterion: dict[str, Any]) -> bool:
    return 0 <= points <= int(criterion["max_points"])


def invalid_points(criterion: dict[str, Any], field: str | None = None) -> Refusal:
    """The refusal naming the criterion (in both languages) and its maximum; beside `field` when there is one."""
    named = str(criterion.get("name_ja") or criterion["key"])
    about = {"field": field} if field is not None else {}
    return Refusal(
        "invalid_points",
        **about,
        criterion_ja=named,
        criterion_en=str(criterion.get("name_en") or named),
        max=str(int(criterion["max_points"])),
    )
