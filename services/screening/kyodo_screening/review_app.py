"""Screening a project in a round: the department's self-check (自己点検), the team's independent assessments, the
coordinator's decision with reasons (the register's entry), and the re-screen of a "needs study" decision."""

from __future__ import annotations

import secrets
import string
import uuid
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from kyodo_screening.app_base import ATTEMPTS, RESCREEN_TIMER, ScreeningBase, tokyo_midnight
from kyodo_screening.domain import Project, Round
from kyodo_screening.screening import Screening, screening_id
from kyodo_screening.vocabulary import Outcome, RoundStatus
from kyodo_shared.domain.actors import Actor
from kyodo_shared.domain.refusals import Expected, Refusal, check_version


class ReviewCommands(ScreeningBase):
    def _in_round(
        self, round_id: UUID, project_id: UUID, trace: dict[str, str]
    ) -> tuple[Round, Project, Screening, list[Any]]:
        """The open round, the project (in its scope) and its screening there — entered now if this is the first
        work on it (then the list of what must be saved with it starts with the project when this round takes it
        from an earlier one)."""
        found = self.get_round(round_id)
        found.require_open(self.today())
        project = self.get_project(project_id)
        if str(project.department_id) not in found.departments:
            raise Refusal("project_not_in_round")
        screening = self.find_screening(screening_id(round_id, project_id))
        extra: list[Any] = []
        if screening is None:
            if project.fiscal_year != found.fiscal_year and project.awaiting_round is None:
                raise Refusal("project_not_in_round")
            groups = [str(g) for g in project.record.get("group_ids") or []]
            screening = Screening(round_id, project_id, project.department_id, trace, groups, project.awaiting_round)
            if project.awaiting_round is not None:
                # A project carried over from an earlier round's "needs study": this round takes it.
                project.taken_by(round_id, trace)
                extra.append(project)
        return found, project, screening, extra

    def _retried(self, attempt: Any) -> Screening:
        """Run a command on a screening again when another member's save won the race (nothing is lost)."""
        for n in range(ATTEMPTS):
            try:
                result: Screening = attempt()
                return result
            except IntegrityError:
                if n == ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def answer_self_check(
        self, actor: Actor, round_id: UUID, project_id: UUID, answers: list[dict[str, Any]]
    ) -> Screening:
        def attempt() -> Screening:
            found, project, screening, extra = self._in_round(round_id, project_id, actor.trace_dict())
            self._liaison_of(actor, project.department_id)
            if not found.self_check_open_at(self.clock()):
                raise Refusal("self_check_closed")
            trace = actor.trace_dict()
            screening.answer_self_check(found.checklist_keys, actor.sub, answers, self.clock().isoformat(), trace)
            self.save(screening, *extra)
            return screening

        return self._retried(attempt)

    def assess(self, actor: Actor, round_id: UUID, project_id: UUID, answers: list[dict[str, Any]]) -> Screening:
        """Only members of the round's team (the registry's team on the round's date); a member with a declared
        interest in the project's department or in a group named in it is recused."""

        def attempt() -> Screening:
            found, _project, screening, extra = self._in_round(round_id, project_id, actor.trace_dict())
            if actor.sub not in found.team:
                raise Refusal("not_on_round_team")
            if self._recused(found, screening, actor.sub):
                raise Refusal("recused")
            trace = actor.trace_dict()
            department = found.team[actor.sub]
            screening.assess(found.checklist_keys, actor.sub, department, answers, self.clock().isoformat(), trace)
            self.save(screening, *extra)
            return screening

        return self._retried(attempt)

    def _recused(self, found: Round, screening: Screening, member_sub: str) -> bool:
        """A declared interest in the project's department or in a group it named when it entered the round."""
        on = date.fromisoformat(str(found.opened_on))
        return self.view.interested(member_sub, str(screening.department_id), screening.group_ids, on)

    def decide(
        self, actor: Actor, expected: Expected, round_id: UUID, project_id: UUID, body: dict[str, Any]
    ) -> Screening:
        """A coordinator decides with reasons (a correction names the decision it replaces). The assessments are
        published under labels shuffled per decision; a correction keeps the labels of the decision it replaces."""
        found, project, screening, extra = self._in_round(round_id, project_id, actor.trace_dict())
        if screening.id in self.repository:
            # Decided on what the coordinator read (If-Match); a screening with no work yet is refused below anyway.
            check_version(screening.version, expected)
        if self.view.interested(actor.sub, str(screening.department_id), screening.group_ids, self.today()):
            # As the registry decides on groups: nobody decides where they declared an interest.
            raise Refusal("conflict_of_interest")
        if body.get("rescreen_on") and date.fromisoformat(str(body["rescreen_on"])) <= self.today():
            raise Refusal("rescreen_date_not_future", field="rescreen_on")
        now = self.clock()
        # Members recused since they assessed (an interest declared late): their assessments no longer count.
        excluded = frozenset(sub for sub in screening.assessments if self._recused(found, screening, sub))
        decision = {
            "decision_id": str(uuid.uuid4()),
            "round_id": str(round_id),
            "project_id": str(project.id),
            "department_id": str(project.department_id),
            "fiscal_year": project.fiscal_year,
            "round_fiscal_year": found.fiscal_year,
            "project": dict(project.record),
            "outcome": str(body["outcome"]),
            "forms": [str(f) for f in body.get("forms") or []],
            "reasons_ja": str(body["reasons_ja"]),
            "reasons_en": body.get("reasons_en"),
            "rescreen_on": body.get("rescreen_on"),
            "replaces": body.get("replaces"),
            "self_check": list(screening.self_check["answers"]) if screening.self_check else [],
            "assessments": (labelled := self._labelled(screening, excluded)),
            "labels": {e["member_sub"]: e["label"] for e in labelled},
            "recusals": sum(1 for sub in found.team if self._recused(found, screening, sub)),
            "recusal_group_ids": list(screening.group_ids),
            "carried_from": screening.carried_from,
            "decided_at": now.isoformat(),
            "coordinator_sub": actor.sub,
            "cycle": screening.cycle,
        }
        self_check_closed = not found.self_check_open_at(now)
        screening.decide(decision, self_check_closed, actor.trace_dict(), excluded)
        if decision["outcome"] == Outcome.NEEDS_STUDY:
            when = tokyo_midnight(date.fromisoformat(str(decision["rescreen_on"])))
            self.timers.schedule(RESCREEN_TIMER, str(screening.id), when, {"decision_id": decision["decision_id"]})
        self.save(screening, *extra)
        return screening

    @staticmethod
    def _labelled(screening: Screening, excluded: frozenset[str]) -> list[dict[str, Any]]:
        """The counted assessments under labels A, B, … in an order drawn at random for this decision (the mapping
        to members stays in the restricted event, for auditors); a correction reuses the labels it replaces."""
        counted = screening.counted(excluded)
        members = sorted(counted)
        previous = screening.current
        if previous is not None and sorted(previous.get("labels", {})) == members:
            labels: dict[str, str] = dict(previous["labels"])
        else:
            order = list(members)
            secrets.SystemRandom().shuffle(order)
            labels = {sub: string.ascii_uppercase[n % 26] * (1 + n // 26) for n, sub in enumerate(order)}
        owner = str(screening.department_id)
        entries = [
            {
                "label": labels[sub],
                "from_owner_department": counted[sub]["department_id"] == owner,
                "answers": counted[sub]["answers"],
                "member_sub": sub,
            }
            for sub in members
        ]
        return sorted(entries, key=lambda e: (len(e["label"]), e["label"]))

    def rescreen_due(self, screening_id_: UUID, trace: dict[str, str]) -> None:
        """The re-screen timer's action: back into the open round, else the department's next round. It acts on
        the screening's current decision when that is "needs study" and its date has come — not on the decision
        that set the timer, which a correction may have replaced (a correction to the same date shares the timer)."""
        screening = self.find_screening(screening_id_)
        if screening is None:
            return
        due = screening.due_rescreen(self.today())
        if due is None:
            return
        found = self.get_round(screening.round_id)
        round_open = found.status == RoundStatus.OPEN
        if not screening.rescreen(UUID(due), round_open, trace):
            return
        if round_open:
            self.save(screening)
            return
        project = self.get_project(screening.project_id)
        project.await_round(UUID(due), trace)
        self.save(screening, project)
