"""The screening of one project in one round: the department's self-check, the team's independent assessments,
and the coordinator's decisions (a correction cites the decision it replaces). A "needs study" decision brings the
project back at its re-screen date: into the same round while it is open (a new cycle of assessments), else into
the department's next round.

No I/O here: the roster, recusals, labels, ids and times are computed by the application and passed in.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from kyodo_screening.vocabulary import Outcome
from kyodo_shared.domain.refusals import Refusal

_NAMESPACE = UUID("3f0e7c1a-2b4d-4e8f-a1c6-5d9b7e2f4a30")

# At least this many assessments, at least one by a member from another department than the project's.
REQUIRED_ASSESSMENTS = 2


def screening_id(round_id: UUID, project_id: UUID) -> UUID:
    return uuid.uuid5(_NAMESPACE, f"screening:{round_id}:{project_id}")


def check_answers(answers: list[dict[str, Any]], keys: list[str]) -> None:
    """Every criterion of the round's checklist answered exactly once, nothing else."""
    given = [str(a["key"]) for a in answers]
    unknown = [k for k in given if k not in keys]
    if unknown:
        raise Refusal("unknown_criterion", field="answers", key=unknown[0])
    repeated = [k for n, k in enumerate(given) if k in given[:n]]
    if repeated:
        raise Refusal("criterion_repeated", field="answers", key=repeated[0])
    missing = [k for k in keys if k not in given]
    if missing:
        raise Refusal("criterion_unanswered", field="answers", key=missing[0])


class Screening(Aggregate):
    """One project in one round."""

    class Entered(Aggregate.Created):
        round_id: UUID
        project_id: UUID
        department_id: UUID
        trace: dict[str, str]
        group_ids: list[str]
        carried_from: str | None

    @event(Entered)
    def __init__(
        self,
        round_id: UUID,
        project_id: UUID,
        department_id: UUID,
        trace: dict[str, str],
        group_ids: list[str] | None = None,
        carried_from: str | None = None,
    ) -> None:
        self.round_id = round_id
        self.project_id = project_id
        self.department_id = department_id
        # The groups named in the project when it entered the round: who is recused does not change under the
        # round when the department edits its inventory.
        self.group_ids = list(group_ids or [])
        # The needs-study decision of an earlier round this screening continues (the project was carried here).
        self.carried_from = carried_from
        # The "needs study" decision whose date came while its round was closed (it waits for the next round).
        self.deferred: str | None = None
        self.cycle = 1
        self.self_check: dict[str, Any] | None = None
        # Assessments of the current cycle, by member sub.
        self.assessments: dict[str, dict[str, Any]] = {}
        self.decisions: list[dict[str, Any]] = []
        # The decision of the current cycle (the latest, corrections included); None while pending.
        self.current: dict[str, Any] | None = None

    @staticmethod
    def create_id(
        round_id: UUID,
        project_id: UUID,
        department_id: UUID,
        trace: dict[str, str],
        group_ids: list[str] | None = None,
        carried_from: str | None = None,
    ) -> UUID:
        return screening_id(round_id, project_id)

    @property
    def status(self) -> str:
        return "pending" if self.current is None else str(self.current["outcome"])

    def _undecided(self) -> None:
        if self.current is not None:
            raise Refusal("already_decided", decision_id=str(self.current["decision_id"]))

    # --- the department's self-check (自己点検) -------------------------------------------------------------

    class SelfChecked(Aggregate.Event):
        liaison_sub: str
        answers: list[dict[str, Any]]
        answered_at: str
        trace: dict[str, str]

    def answer_self_check(
        self, keys: list[str], liaison_sub: str, answers: list[dict[str, Any]], at: str, trace: dict[str, str]
    ) -> None:
        """The liaison answers (or re-answers, until the deadline or the decision)."""
        self._undecided()
        check_answers(answers, keys)
        self._self_checked(liaison_sub, answers, at, trace)

    @event(SelfChecked)
    def _self_checked(
        self, liaison_sub: str, answers: list[dict[str, Any]], answered_at: str, trace: dict[str, str]
    ) -> None:
        self.self_check = {"liaison_sub": liaison_sub, "answers": answers, "answered_at": answered_at}

    # --- the team's assessments (庁内横断的チームによる評価) ---------------------------------------------------

    class Assessed(Aggregate.Event):
        member_sub: str
        member_department_id: str
        answers: list[dict[str, Any]]
        cycle: int
        assessed_at: str
        trace: dict[str, str]

    def assess(
        self,
        keys: list[str],
        member_sub: str,
        member_department_id: str,
        answers: list[dict[str, Any]],
        at: str,
        trace: dict[str, str],
    ) -> None:
        """Once per member and cycle; the roster and recusal were checked by the application."""
        self._undecided()
        if member_sub in self.assessments:
            raise Refusal("already_assessed")
        check_answers(answers, keys)
        self._assessed(member_sub, member_department_id, answers, self.cycle, at, trace)

    @event(Assessed)
    def _assessed(
        self,
        member_sub: str,
        member_department_id: str,
        answers: list[dict[str, Any]],
        cycle: int,
        assessed_at: str,
        trace: dict[str, str],
    ) -> None:
        self.assessments[member_sub] = {
            "member_sub": member_sub,
            "department_id": member_department_id,
            "answers": answers,
            "assessed_at": assessed_at,
        }

    def counted(self, excluded: frozenset[str] = frozenset()) -> dict[str, dict[str, Any]]:
        """The cycle's assessments that count: not those of members recused since they gave them."""
        return {sub: a for sub, a in self.assessments.items() if sub not in excluded}

    def decidable(self, self_check_closed: bool, excluded: frozenset[str] = frozenset()) -> None:
        """The rules a decision waits for: the required assessments (by members not recused), and the self-check
        or its deadline."""
        counted = self.counted(excluded)
        if len(counted) < REQUIRED_ASSESSMENTS:
            raise Refusal("assessments_missing", required=str(REQUIRED_ASSESSMENTS), given=str(len(counted)))
        owner = str(self.department_id)
        if all(a["department_id"] == owner for a in counted.values()):
            raise Refusal("assessment_from_other_department_missing")
        if self.self_check is None and not self_check_closed:
            raise Refusal("self_check_pending")

    # --- decisions ------------------------------------------------------------------------------------------

    class Decided(Aggregate.Event):
        decision: dict[str, Any]
        trace: dict[str, str]

    def decide(
        self,
        decision: dict[str, Any],
        self_check_closed: bool,
        trace: dict[str, str],
        excluded: frozenset[str] = frozenset(),
    ) -> None:
        """A first decision of the cycle, or a correction naming the decision it replaces (the current one)."""
        replaces = decision.get("replaces")
        if replaces is None:
            self._undecided()
        elif self.current is None or str(self.current["decision_id"]) != str(replaces):
            raise Refusal("replaces_not_current", field="replaces")
        self.decidable(self_check_closed, excluded)
        outcome, forms = Outcome(decision["outcome"]), list(decision["forms"])
        if outcome == Outcome.SUITABLE and not forms:
            raise Refusal("forms_required", field="forms")
        if outcome != Outcome.SUITABLE and forms:
            raise Refusal("forms_only_when_suitable", field="forms")
        if len(set(forms)) != len(forms):
            raise Refusal("form_repeated", field="forms")
        if outcome == Outcome.NEEDS_STUDY and not decision.get("rescreen_on"):
            raise Refusal("rescreen_date_required", field="rescreen_on")
        if outcome != Outcome.NEEDS_STUDY and decision.get("rescreen_on"):
            raise Refusal("rescreen_date_only_when_needs_study", field="rescreen_on")
        self._decided(dict(decision), trace)

    @event(Decided)
    def _decided(self, decision: dict[str, Any], trace: dict[str, str]) -> None:
        self.decisions.append(decision)
        self.current = decision

    # --- re-screening ---------------------------------------------------------------------------------------

    class RescreenDue(Aggregate.Event):
        project_id: UUID
        round_id: UUID
        decision_id: UUID
        reopened: bool
        trace: dict[str, str]

    def rescreen(self, decision_id: UUID, round_open: bool, trace: dict[str, str]) -> bool:
        """The re-screen date of the current "needs study" decision came. Once: nothing if it was corrected
        meanwhile, or was already sent on to the next round."""
        current = self.current
        if current is None or str(current["decision_id"]) != str(decision_id):
            return False
        if current["outcome"] != Outcome.NEEDS_STUDY or self.deferred == str(decision_id):
            return False
        self._rescreen_due(self.project_id, self.round_id, decision_id, round_open, trace)
        return True

    @event(RescreenDue)
    def _rescreen_due(
        self, project_id: UUID, round_id: UUID, decision_id: UUID, reopened: bool, trace: dict[str, str]
    ) -> None:
        if reopened:
            # A new cycle: the earlier assessments stay in the history and in the earlier decision.
            self.cycle += 1
            self.assessments = {}
            self.current = None
        else:
            self.deferred = str(decision_id)

    def waiting_decision(self) -> str | None:
        """Still pending at its round's close, the decision that brought it here and that it carries on to the next
        round: its own needs-study decision after a re-screen reopened it, or the earlier round's it was carried on."""
        if self.current is not None:
            return None
        if self.decisions:
            return str(self.decisions[-1]["decision_id"])
        return self.carried_from

    def due_rescreen(self, today: date) -> str | None:
        """The current decision's id when it is "needs study" and its re-screen date has come."""
        current = self.current
        if current is None or current["outcome"] != Outcome.NEEDS_STUDY:
            return None
        return str(current["decision_id"]) if rescreen_day(current) <= today else None


def rescreen_day(decision: dict[str, Any]) -> date:
    return date.fromisoformat(str(decision["rescreen_on"]))
