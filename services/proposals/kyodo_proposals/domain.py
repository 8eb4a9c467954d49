"""Proposals domain: a call for proposals (募集) from its draft to its close or cancellation.

No I/O here: ids, times, the board and the seed commitment are computed by the caller and passed into the events.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from fractions import Fraction
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
# The department that runs the call may be named or changed (the application checks it against the registry and
# the screening decision the call follows).
_JUDGING = ("criteria", "passing_score", "formula", "select", "tie_rule", "priority")
AMENDABLE = frozenset((*_JUDGING, "description_ja", "description_en", "department_id"))


@dataclass(frozen=True)
class Breach:
    """A rule of a call that cannot be kept as written: the rule's code (its message names the values), the field
    to correct, and the values involved — numbers and criterion keys the schema has already constrained."""

    rule: str
    field: str
    values: dict[str, str]

    def refusal(self) -> Refusal:
        return Refusal("invalid_rules", field=self.field, rule=self.rule, **self.values)


def _exact(value: Fraction) -> str:
    """A number as people write it: "20", or "121/2" when it is not whole."""
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def highest_score(criteria: list[Mapping[str, Any]], formula: str) -> Fraction:
    """The best score the formula can give: every member gives every criterion its maximum."""
    if formula == "percent_of_maximum":
        return Fraction(100)
    return Fraction(sum(int(c["weight"]) * int(c["max_points"]) for c in criteria))


def rule_breaches(spec: Mapping[str, Any]) -> list[Breach]:
    """Everything that would make the decision rule undecidable or unreachable, in the order a form shows it."""
    breaches: list[Breach] = []
    keys = [str(c["key"]) for c in spec["criteria"]]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        breaches.append(Breach("criterion_key_repeated", "criteria", {"key": repeated[0]}))
    priority = [str(k) for k in spec.get("priority") or []]
    unknown = [k for k in priority if k not in keys]
    if unknown:
        breaches.append(Breach("priority_unknown_criterion", "priority", {"key": unknown[0]}))
    elif len(set(priority)) != len(priority):
        again = next(k for n, k in enumerate(priority) if k in priority[:n])
        breaches.append(Breach("priority_repeated", "priority", {"key": again}))
    if spec.get("tie_rule") == "criteria_priority_then_lottery" and not priority:
        breaches.append(Breach("priority_required", "priority", {"tie_rule": "criteria_priority_then_lottery"}))
    # A passing score no proposal can reach would make every proposal fail before anyone scored.
    passing, formula = Fraction(str(spec["passing_score"])), str(spec["formula"])
    highest = highest_score(list(spec["criteria"]), formula)
    if passing > highest:
        values = {"passing_score": _exact(passing), "maximum": _exact(highest), "formula": formula}
        breaches.append(Breach("passing_score_unreachable", "passing_score", values))
    return breaches


def check_rules(spec: Mapping[str, Any]) -> None:
    """Refuse rules that cannot be kept, naming the first field to correct."""
    breaches = rule_breaches(spec)
    if breaches:
        raise breaches[0].refusal()


def check_deadline(deadline: datetime, now: datetime) -> None:
    """A deadline already past cannot be met, even in a draft: refused when it is written, not at publication."""
    if deadline <= now:
        shown = {"deadline": _tokyo(deadline), "now": _tokyo(now)}
        raise Refusal("deadline_in_past", field="deadline", **shown)


def _tokyo(moment: datetime) -> str:
    return moment.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M")


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
        # What the sealed store held for the call when its gate shut (ids, count, head); None for calls closed
        # before the sealed store existed.
        self.sealed_chain: dict[str, Any] | None = None
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

    def due(self, now: datetime) -> bool:
        """Whether the deadline's timer closes the call now: published, and its deadline has passed."""
        return self.status == PUBLISHED and now >= self.deadline

    def close(self, now: datetime, trace: dict[str, str], sealed_chain: dict[str, Any] | None = None) -> bool:
        """The deadline's timer: closes a published call whose deadline has passed; False (no event) otherwise.
        `sealed_chain` is what the sealed store held for the call when its gate shut (ids, count, head)."""
        if not self.due(now):
            return False
        self._closed(self.deadline.isoformat(), trace, sealed_chain)
        return True

    @event("Closed")
    def _closed(self, closed_at: str, trace: dict[str, str], sealed_chain: dict[str, Any] | None = None) -> None:
        # Closed *at the deadline*, however late the timer ran: receipt times are compared with it.
        self.status = CLOSED
        self.closed_at = closed_at
        self.sealed_chain = sealed_chain

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

    def conclude(
        self, results: dict[str, Any], by_sub: str, trace: dict[str, str], department_id: str | None = None
    ) -> None:
        """The decision, confirmed, published at once with its results. `department_id`: the department that
        partners the adopted groups (the call's, or its screening decision's project's), found by the caller."""
        self._require(IN_REVIEW)
        adoption = {
            "department_id": department_id,
            "title_ja": str(self.spec["title_ja"]),
            "screening_decision_id": self.spec.get("screening_decision_id"),
        }
        self._concluded(results, by_sub, trace, adoption)

    @event("ResultsPublished")
    def _concluded(
        self, results: dict[str, Any], by_sub: str, trace: dict[str, str], adoption: dict[str, Any] | None = None
    ) -> None:
        # `adoption`: what each adopted proposal's project is created with (department, title, screening decision);
        # None on results published before it was recorded.
        self.status = RESULTS_PUBLISHED
        self.results = results

    def cancel(
        self, reason: str, by_sub: str, trace: dict[str, str], sealed_chain: dict[str, Any] | None = None
    ) -> None:
        """`sealed_chain`: given when the cancellation ends the sealed period (a published call's)."""
        self._require(DRAFT, PUBLISHED, CLOSED, IN_REVIEW)
        self._cancelled(reason, by_sub, trace, sealed_chain)

    @event("Cancelled")
    def _cancelled(
        self, reason: str, by_sub: str, trace: dict[str, str], sealed_chain: dict[str, Any] | None = None
    ) -> None:
        self.status = CANCELLED
        self.status_reason = reason
