"""The evaluation committee's work on one project (協働事業評価委員会): its members fixed on the day it took the
project up, conflicts members declare (or a coordinator pins), each member's points per criterion with comments,
the recommendation the chair (or vice-chair, or acting chair) confirms, and the report published with it.

Members act at once, each on their own entries: the application retries a lost race. Whether a member is recused
(a declared interest in the registry, or a conflict here) is decided by the application at every command.
"""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from kyodo_evaluation.vocabulary import HIGHEST, LOWEST
from kyodo_shared.domain.refusals import Refusal

_NAMESPACE = UUID("0b8e4f2a-5c71-4d3e-9a06-7e1f3b5d8c29")


def committee_evaluation_id(project_id: UUID) -> UUID:
    return uuid.uuid5(_NAMESPACE, f"committee:{project_id}")


class CommitteeEvaluation(Aggregate):
    class Opened(Aggregate.Created):
        project_id: UUID
        committee_id: UUID
        opened_on: str
        members: list[str]
        chair_sub: str | None
        vice_chair_sub: str | None
        quorum: int
        criteria: list[dict[str, Any]]
        trace: dict[str, str]

    @event(Opened)
    def __init__(
        self,
        project_id: UUID,
        committee_id: UUID,
        opened_on: str,
        members: list[str],
        chair_sub: str | None,
        vice_chair_sub: str | None,
        quorum: int,
        criteria: list[dict[str, Any]],
        trace: dict[str, str],
    ) -> None:
        self.project_id, self.committee_id, self.opened_on = project_id, committee_id, opened_on
        self.members = list(members)
        self.chair_sub, self.vice_chair_sub = chair_sub, vice_chair_sub
        self.quorum = quorum
        self.criteria = list(criteria)
        # member → {kind, reason, by, pinned}
        self.conflicts: dict[str, dict[str, Any]] = {}
        # member → {points, comments, at}
        self.scores: dict[str, dict[str, Any]] = {}
        self.decision: dict[str, Any] | None = None
        # Recusals a substitute was added for: they stand (a member's own conflict can no longer be withdrawn).
        self.fixed_recusals: list[str] = []
        # The published report, once the recommendation is confirmed.
        self.report: dict[str, Any] | None = None

    @staticmethod
    def create_id(project_id: UUID, *args: Any, **kwargs: Any) -> UUID:
        return committee_evaluation_id(project_id)

    def _member(self, member_sub: str) -> None:
        if member_sub not in self.members:
            raise Refusal("not_on_committee")

    def _open(self) -> None:
        if self.decision is not None:
            raise Refusal("already_recommended")

    # --- conflicts (利益相反) --------------------------------------------------------------------------------

    class ConflictDeclared(Aggregate.Event):
        member_sub: str
        kind: str
        reason: str
        by_sub: str
        pinned: bool
        trace: dict[str, str]

    def declare_conflict(
        self, member_sub: str, kind: str, reason: str, by_sub: str, pinned: bool, trace: dict[str, str]
    ) -> None:
        """A member's own declaration, or one a coordinator pins. A pinned record is never replaced by the member's.

        A member's own declaration comes before their score, never after (as the review board's, proposals
        review.py): once they have scored they read the others' scores (and the chair the recommendation's means), so
        a conflict declared then would void their score — or hand the confirmation to the vice-chair — knowing the
        effect. A conflict found later is the coordinator's to pin (it voids the score); a coordinator never pins
        one on themselves (`by_sub == member_sub`: that would be their own declaration by another door)."""
        self._open()
        self._member(member_sub)
        if pinned and by_sub == member_sub:
            raise Refusal("pin_own_conflict", field="member_sub", rule="pin_own_conflict")
        if not pinned and member_sub in self.scores:
            raise Refusal("conflict_after_scoring", field="kind", rule="conflict_after_scoring")
        current = self.conflicts.get(member_sub)
        if current is not None and current["pinned"] and not pinned:
            raise Refusal("conflict_pinned")
        self._conflict_declared(member_sub, kind, reason, by_sub, pinned, trace)

    @event(ConflictDeclared)
    def _conflict_declared(
        self, member_sub: str, kind: str, reason: str, by_sub: str, pinned: bool, trace: dict[str, str]
    ) -> None:
        self.conflicts[member_sub] = {"kind": kind, "reason": reason, "by": by_sub, "pinned": pinned}

    class ConflictRemoved(Aggregate.Event):
        member_sub: str
        by_sub: str
        trace: dict[str, str]

    def remove_conflict(self, member_sub: str, by_sub: str, trace: dict[str, str]) -> None:
        self._open()
        self._member(member_sub)
        conflict = self.conflicts.get(member_sub)
        if conflict is None:
            raise Refusal("conflict_not_found")
        if conflict["pinned"]:
            raise Refusal("conflict_pinned")
        if member_sub in self.fixed_recusals:
            # A substitute joined because of it: withdrawing it now would let whoever chose the substitute grow
            # the committee at will.
            raise Refusal("conflict_fixed")
        self._conflict_removed(member_sub, by_sub, trace)

    @event(ConflictRemoved)
    def _conflict_removed(self, member_sub: str, by_sub: str, trace: dict[str, str]) -> None:
        self.conflicts.pop(member_sub, None)

    def recused(self, member_sub: str, interested: bool) -> bool:
        """Recused by a declared interest in the project's group or department, or a conflict declared here."""
        return interested or member_sub in self.conflicts

    # --- a substitute (委員の補充) ---------------------------------------------------------------------------

    class SubstituteAdded(Aggregate.Event):
        project_id: UUID
        member_sub: str
        reason: str
        recused: list[str]
        by_sub: str
        trace: dict[str, str]

    def add_substitute(
        self,
        member_sub: str,
        recused: list[str],
        interested: bool,
        reason: str,
        by_sub: str,
        trace: dict[str, str],
    ) -> None:
        """Only when the members not recused are fewer than the quorum: otherwise the committee fixed on its opening
        day decides, and nobody may pick who joins it. The recusals that called for the substitute are fixed with
        it (a member's own conflict can no longer be withdrawn), and a substitute who is recused is no help."""
        self._open()
        eligible = len([m for m in self.members if m not in recused])
        if eligible >= self.quorum:
            raise Refusal("no_quorum_failure", quorum=str(self.quorum), eligible=str(eligible))
        if member_sub in self.members:
            raise Refusal("already_on_committee")
        if interested:
            raise Refusal("substitute_recused", field="member_sub", rule="substitute_recused")
        self._substitute_added(self.project_id, member_sub, reason, sorted(recused), by_sub, trace)

    @event(SubstituteAdded)
    def _substitute_added(
        self, project_id: UUID, member_sub: str, reason: str, recused: list[str], by_sub: str, trace: dict[str, str]
    ) -> None:
        self.members.append(member_sub)
        self.fixed_recusals = sorted({*self.fixed_recusals, *recused})

    # --- scores ---------------------------------------------------------------------------------------------

    class Scored(Aggregate.Event):
        member_sub: str
        points: dict[str, int]
        comments: dict[str, str]
        scored_at: str
        trace: dict[str, str]

    def score(
        self,
        member_sub: str,
        points: dict[str, int],
        comments: dict[str, str],
        interested: bool,
        at: str,
        trace: dict[str, str],
    ) -> None:
        """Once per member, final when sent, every criterion 1–5; a recused member scores nothing."""
        self._open()
        self._member(member_sub)
        if self.recused(member_sub, interested):
            raise Refusal("recused")
        if member_sub in self.scores:
            raise Refusal("score_final")
        keys = [str(c["key"]) for c in self.criteria]
        unknown = [k for k in points if k not in keys]
        if unknown:
            raise Refusal("unknown_criterion", field=f"points.{unknown[0]}", rule="unknown_criterion")
        missing = [k for k in keys if k not in points]
        if missing:
            raise Refusal("criterion_unrated", field="points", rule="criterion_unrated", key=missing[0])
        for key, value in points.items():
            if isinstance(value, bool) or not LOWEST <= value <= HIGHEST:
                raise Refusal("points_out_of_range", field=f"points.{key}", rule="points_out_of_range")
        stray = [k for k in comments if k not in keys]
        if stray:
            raise Refusal("unknown_criterion", field=f"comments.{stray[0]}", rule="unknown_criterion")
        self._scored(member_sub, points, comments, at, trace)

    @event(Scored)
    def _scored(
        self, member_sub: str, points: dict[str, int], comments: dict[str, str], scored_at: str, trace: dict[str, str]
    ) -> None:
        self.scores[member_sub] = {"points": dict(points), "comments": dict(comments), "at": scored_at}

    # --- the recommendation and the published report ------------------------------------------------------

    class Recommended(Aggregate.Event):
        decision: dict[str, Any]
        trace: dict[str, str]

    class ReportPublished(Aggregate.Event):
        report: dict[str, Any]

    def recommend(self, decision: dict[str, Any], report: dict[str, Any], trace: dict[str, str]) -> None:
        """`decision` (restricted: who was counted, voided, the labels' key) and `report` (public) come from the
        application, which computed them from this aggregate and the project."""
        self._open()
        self._recommended(decision, trace)
        self._report_published(report)

    @event(Recommended)
    def _recommended(self, decision: dict[str, Any], trace: dict[str, str]) -> None:
        self.decision = dict(decision)

    @event(ReportPublished)
    def _report_published(self, report: dict[str, Any]) -> None:
        self.report = dict(report)
