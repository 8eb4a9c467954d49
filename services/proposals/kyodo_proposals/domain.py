"""Proposals domain: a call for proposals (募集) from its draft to its close or cancellation.

No I/O here: ids, times, the board and the seed commitment are computed by the caller and passed into the events.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.domain.refusals import Refusal


class CallStatus(StrEnum):
    """A call's life; the wire contracts and the audit read the same strings."""

    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"
    IN_REVIEW = "in_review"
    DECIDED = "decided"
    RESULTS_PUBLISHED = "results_published"
    CANCELLED = "cancelled"


DRAFT = CallStatus.DRAFT
PUBLISHED = CallStatus.PUBLISHED
CLOSED = CallStatus.CLOSED
IN_REVIEW = CallStatus.IN_REVIEW
DECIDED = CallStatus.DECIDED
RESULTS_PUBLISHED = CallStatus.RESULTS_PUBLISHED
CANCELLED = CallStatus.CANCELLED

# What an amendment may change before the deadline (the board included); anything else is fixed at publication.
AMENDABLE = frozenset(
    {"criteria", "passing_score", "formula", "select", "tie_rule", "priority", "description_ja", "description_en"}
)


class Call(Aggregate):
    """A call for proposals. Its rules are fixed at publication and change only by published amendments."""

    class Drafted(Aggregate.Created):
        call_id: UUID
        spec: dict[str, Any]
        coordinator_sub: str
        trace: dict[str, str]

    @event(Drafted)
    def __init__(self, call_id: UUID, spec: dict[str, Any], coordinator_sub: str, trace: dict[str, str]) -> None:
        self.spec = spec
        self.status = DRAFT
        self.board: list[str] = []
        self.chair_sub: str | None = None
        self.vice_chair_sub: str | None = None
        self.seed_commitment = ""
        self.published_at: str | None = None
        self.closed_at: str | None = None
        self.amendments: list[dict[str, Any]] = []
        self.status_reason = ""
        self.results: dict[str, Any] = {}

    @staticmethod
    def create_id(call_id: UUID) -> UUID:
        return call_id

    @property
    def deadline(self) -> datetime:
        return datetime.fromisoformat(str(self.spec["deadline"]))

    def _require(self, *statuses: CallStatus) -> None:
        if self.status not in statuses:
            raise Refusal("invalid_state", state=self.status)

    def revise_draft(self, spec: dict[str, Any], by_sub: str, trace: dict[str, str]) -> None:
        self._require(DRAFT)
        self._draft_revised(spec, by_sub, trace)

    @event("DraftRevised")
    def _draft_revised(self, spec: dict[str, Any], by_sub: str, trace: dict[str, str]) -> None:
        self.spec = spec

    def publish(
        self,
        board: list[str],
        chair_sub: str | None,
        vice_chair_sub: str | None,
        seed_commitment: str,
        now: datetime,
        by_sub: str,
        trace: dict[str, str],
    ) -> None:
        """The board is fixed here: the review board's members on the day of publication."""
        self._require(DRAFT)
        if self.deadline <= now:
            raise Refusal("deadline_passed")
        if len(board) < int(self.spec["quorum"]):
            raise Refusal("board_below_quorum")
        self._published(
            dict(self.spec), board, chair_sub, vice_chair_sub, seed_commitment, now.isoformat(), by_sub, trace
        )

    @event("Published")
    def _published(
        self,
        spec: dict[str, Any],
        board: list[str],
        chair_sub: str | None,
        vice_chair_sub: str | None,
        seed_commitment: str,
        published_at: str,
        by_sub: str,
        trace: dict[str, str],
    ) -> None:
        # The event carries the rules as published, so the history alone shows what applied.
        self.spec = spec
        self.status = PUBLISHED
        self.board, self.chair_sub, self.vice_chair_sub = list(board), chair_sub, vice_chair_sub
        self.seed_commitment = seed_commitment
        self.published_at = published_at

    def amend(
        self,
        changes: dict[str, Any],
        reason: str,
        new_deadline: datetime,
        minimum_extension_days: int,
        now: datetime,
        by_sub: str,
        trace: dict[str, str],
        board: tuple[list[str], str | None, str | None] | None = None,
    ) -> None:
        """Before the deadline only, with a reason, extending the deadline by at least the published minimum.
        `board`: a new board (members, chair, vice-chair), checked against the review board by the caller.
        """
        self._require(PUBLISHED)
        if now >= self.deadline:
            raise Refusal("deadline_passed")
        if (not changes and board is None) or not set(changes) <= AMENDABLE:
            raise Refusal("not_amendable")
        if new_deadline < self.deadline + timedelta(days=minimum_extension_days):
            raise Refusal("extension_too_short")
        members, chair, vice = board if board is not None else (self.board, self.chair_sub, self.vice_chair_sub)
        if len(members) < int(self.spec["quorum"]):
            raise Refusal("board_below_quorum")
        spec = {**self.spec, **changes, "deadline": new_deadline.isoformat()}
        changed = sorted(changes) + (["board"] if board is not None else [])
        self._amended(spec, changed, list(members), chair, vice, reason, now.isoformat(), by_sub, trace)

    @event("Amended")
    def _amended(
        self,
        spec: dict[str, Any],
        changed: list[str],
        board: list[str],
        chair_sub: str | None,
        vice_chair_sub: str | None,
        reason: str,
        amended_at: str,
        by_sub: str,
        trace: dict[str, str],
    ) -> None:
        self.spec = spec
        self.board, self.chair_sub, self.vice_chair_sub = list(board), chair_sub, vice_chair_sub
        self.amendments.append({"changes": changed, "reason": reason, "deadline": spec["deadline"], "at": amended_at})

    def close(self, now: datetime, trace: dict[str, str]) -> bool:
        """The deadline's timer: closes a published call whose deadline has passed; False (no event) otherwise."""
        if self.status != PUBLISHED or now < self.deadline:
            return False
        self._closed(self.deadline.isoformat(), trace)
        return True

    @event("Closed")
    def _closed(self, closed_at: str, trace: dict[str, str]) -> None:
        # Closed *at the deadline*, however late the timer ran: receipt times are compared with it.
        self.status = CLOSED
        self.closed_at = closed_at

    def start_review(self, trace: dict[str, str]) -> None:
        if self.status == PUBLISHED:
            # Still taking proposals: the refusal names the deadline (Asia/Tokyo) the review waits for.
            raise Refusal("review_before_deadline", deadline=self.deadline.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M"))
        if self.status != CLOSED:
            raise Refusal("invalid_state", state=self.status)
        self._review_started(trace)

    @event("ReviewStarted")
    def _review_started(self, trace: dict[str, str]) -> None:
        self.status = IN_REVIEW

    def conclude(self, results: dict[str, Any], by_sub: str, trace: dict[str, str]) -> None:
        """The decision, confirmed, published at once with its results."""
        self._require(IN_REVIEW)
        self._concluded(results, by_sub, trace)

    @event("ResultsPublished")
    def _concluded(self, results: dict[str, Any], by_sub: str, trace: dict[str, str]) -> None:
        self.status = RESULTS_PUBLISHED
        self.results = results

    def cancel(self, reason: str, by_sub: str, trace: dict[str, str]) -> None:
        self._require(DRAFT, PUBLISHED, CLOSED, IN_REVIEW)
        self._cancelled(reason, by_sub, trace)

    @event("Cancelled")
    def _cancelled(self, reason: str, by_sub: str, trace: dict[str, str]) -> None:
        self.status = CANCELLED
        self.status_reason = reason
