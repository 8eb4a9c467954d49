"""The evaluation committee as use cases: a coordinator opens the committee's evaluation of a project once both
self-evaluations are public; members declare conflicts (a coordinator may pin one), score once, and read the
others' scores only after their own; the chair — or the vice-chair when the chair is recused, or the acting chair
the members not recused elected (委員長代理, recorded in the registry) — confirms the recommendation, and the report
is published at once.

Recusal is recomputed at every command from the registry view (a declared interest in the project's group or
department, current or withdrawn) and the committee's own conflicts, never taken from the caller.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from kyodo_evaluation.app_base import ATTEMPTS, EvaluationBase
from kyodo_evaluation.committee import CommitteeEvaluation
from kyodo_evaluation.domain import Project
from kyodo_evaluation.registry_view import project_matter
from kyodo_evaluation.report import build_report, label, mean_texts, means
from kyodo_evaluation.vocabulary import ConfirmedBy, Status
from kyodo_shared.domain.actors import Actor, Role
from kyodo_shared.domain.refusals import Refusal

# A recommendation needs at least two members' evaluations: one member never decides alone.
MINIMUM_QUORUM = 2


class CommitteeCommands(EvaluationBase):
    def open_committee(
        self, actor: Actor, project_id: UUID, committee_id: UUID, quorum: int | None
    ) -> CommitteeEvaluation:
        """The registry's evaluation committee on today's date takes the project up; its members are fixed here."""
        self._coordinator(actor)
        project = self.get_project(project_id)
        if project.status is not Status.EVALUATING:
            raise Refusal("not_evaluating", status=project.status.value)
        if self.view.committee_kind(str(committee_id)) != "evaluation_committee":
            raise Refusal("not_evaluation_committee", field="committee_id", rule="not_evaluation_committee")
        board = self.view.board(str(committee_id), self.today())
        if len(board.members) < MINIMUM_QUORUM:
            raise Refusal("committee_too_small", field="committee_id", rule="committee_too_small")
        # Unless the coordinator names one, a majority of the members (過半数); never one member alone.
        needed = quorum if quorum is not None else max(MINIMUM_QUORUM, len(board.members) // 2 + 1)
        if needed > len(board.members):
            raise Refusal(
                "quorum_above_members", field="quorum", rule="quorum_above_members", members=str(len(board.members))
            )
        committee = CommitteeEvaluation(
            project.id,
            committee_id,
            self.today().isoformat(),
            list(board.members),
            board.chair_sub,
            board.vice_chair_sub,
            needed,
            project.criteria,
            actor.trace_dict(),
        )
        try:
            self.save(committee)
        except IntegrityError:
            raise Refusal("committee_already_open") from None
        return committee

    def add_substitute(self, actor: Actor, project_id: UUID, member_sub: str, reason: str) -> CommitteeEvaluation:
        """A coordinator adds a member of the committee (today) when recusals leave fewer members than the quorum."""
        self._coordinator(actor)
        project, committee = self.get_project(project_id), self.get_committee(project_id)
        if member_sub not in self.view.board(str(committee.committee_id), self.today()).members:
            raise Refusal("not_a_committee_member", field="member_sub", rule="not_a_committee_member")

        def add(c: CommitteeEvaluation) -> None:
            interested = c.recused(member_sub, self.interested(project, member_sub))
            c.add_substitute(
                member_sub, self.recused_members(c, project), interested, reason, actor.sub, actor.trace_dict()
            )

        return self._retried(project_id, add)

    def _retried(self, project_id: UUID, command: Callable[[CommitteeEvaluation], object]) -> CommitteeEvaluation:
        for _ in range(ATTEMPTS):
            committee = self.get_committee(project_id)
            command(committee)
            try:
                self.save(committee)
            except IntegrityError:
                continue
            return committee
        raise Refusal("busy")

    def interested(self, project: Project, member_sub: str) -> bool:
        """A declared interest (in the registry) in the project's group or department."""
        return self.view.interested(member_sub, str(project.group_id), str(project.department_id))

    def declare_conflict(self, actor: Actor, project_id: UUID, kind: str, reason: str) -> CommitteeEvaluation:
        return self._retried(
            project_id, lambda c: c.declare_conflict(actor.sub, kind, reason, actor.sub, False, actor.trace_dict())
        )

    def pin_conflict(
        self, actor: Actor, project_id: UUID, member_sub: str, kind: str, reason: str
    ) -> CommitteeEvaluation:
        self._coordinator(actor)
        return self._retried(
            project_id, lambda c: c.declare_conflict(member_sub, kind, reason, actor.sub, True, actor.trace_dict())
        )

    def remove_conflict(self, actor: Actor, project_id: UUID) -> CommitteeEvaluation:
        return self._retried(project_id, lambda c: c.remove_conflict(actor.sub, actor.sub, actor.trace_dict()))

    def score(
        self, actor: Actor, project_id: UUID, points: dict[str, int], comments: dict[str, str]
    ) -> CommitteeEvaluation:
        interested = self.interested(self.get_project(project_id), actor.sub)
        return self._retried(
            project_id,
            lambda c: c.score(actor.sub, points, comments, interested, self.now_text(), actor.trace_dict()),
        )

    def read_scores(self, actor: Actor, project_id: UUID) -> CommitteeEvaluation:
        """Members read the others' scores only after giving their own (independence), whatever other role they
        hold, and never once recused. Coordinators who are not members read them once the report is published —
        before, who has scored and how many (`committee_of`), as the proposals service keeps the review board's
        scores from them: the center adds substitutes, and seeing the points would let it steer who joins — also
        when the account holds the auditor role too. Auditors at any time, unless the account also holds a committee
        role (reviewer or evaluator): such an account could read the scores before giving its own on another
        evaluation, so auditing takes a separate account. Nobody else, even after the recommendation: scores by
        member beside the published report would tell who is behind each label."""
        committee = self.get_committee(project_id)
        if actor.sub in committee.members:
            if committee.recused(actor.sub, self.interested(self.get_project(project_id), actor.sub)):
                # Never a recused member, even one who scored before the center pinned the conflict (that score is
                # voided), nor after the report: as the review board's (proposals, `scores_seen`).
                raise Refusal("recused")
            if actor.sub not in committee.scores:
                raise Refusal("score_first")
            return committee
        # The coordinator's condition before the auditor's: an account holding both is a coordinator first, who
        # adds substitutes and pins conflicts, and reads no points before the report whatever else it holds.
        if actor.has(Role.COORDINATOR):
            if committee.report is None:
                raise Refusal("scores_after_report")
            return committee
        if actor.has(Role.AUDITOR):
            if actor.has(Role.REVIEWER) or actor.has(Role.EVALUATOR):
                raise Refusal("auditor_holds_committee_role")
            return committee
        raise Refusal("not_on_committee")

    # --- the recommendation ---------------------------------------------------------------------------------

    def recused_members(self, committee: CommitteeEvaluation, project: Project) -> list[str]:
        return sorted(m for m in committee.members if committee.recused(m, self.interested(project, m)))

    def confirmer(self, committee: CommitteeEvaluation, recused: list[str]) -> tuple[str, ConfirmedBy] | None:
        """The chair; if recused (or absent), the vice-chair; if both are, the acting chair the members not recused
        elected by a majority of them for this project (the rule of the review board)."""
        if committee.chair_sub is not None and committee.chair_sub not in recused:
            return committee.chair_sub, ConfirmedBy.CHAIR
        if committee.vice_chair_sub is not None and committee.vice_chair_sub not in recused:
            return committee.vice_chair_sub, ConfirmedBy.VICE_CHAIR
        acting = self.view.acting_chair(str(committee.committee_id), project_matter(str(committee.project_id)))
        if acting is None:
            return None
        people = (acting.acting_chair_sub, *acting.elector_subs)
        if not all(sub in committee.members and sub not in recused for sub in people):
            return None
        eligible = [m for m in committee.members if m not in recused]
        if 2 * len(set(acting.elector_subs)) <= len(eligible):
            return None
        return acting.acting_chair_sub, ConfirmedBy.ACTING_CHAIR

    def recommend(
        self, actor: Actor, project_id: UUID, recommendation: str, reasons_ja: str, reasons_en: str | None
    ) -> CommitteeEvaluation:
        project = self.get_project(project_id)
        committee = self.get_committee(project_id)
        if committee.decision is not None:
            raise Refusal("already_recommended")
        if actor.sub not in committee.members:
            raise Refusal("not_on_committee")
        recused = self.recused_members(committee, project)
        found = self.confirmer(committee, recused)
        if found is None:
            raise Refusal("recused" if actor.sub in recused else "no_confirmer")
        confirmer, role = found
        if actor.sub != confirmer:
            raise Refusal("not_the_confirmer")
        counted = sorted(m for m in committee.scores if m not in recused)
        voided = [
            {"member_sub": m, "reason": "conflict" if m in committee.conflicts else "interest"}
            for m in sorted(committee.scores)
            if m in recused
        ]
        if len(counted) < committee.quorum:
            raise Refusal("quorum_not_met", quorum=str(committee.quorum), counted=str(len(counted)))
        per, overall = means(committee, counted)
        criterion_means, overall_mean = mean_texts(per, overall)
        # A secret shuffle per project: the public cannot link the published labels to members, and the labels'
        # order says nothing of the members' letters (pages/members.py). Whoever reads the points by member (members
        # after scoring, the center after publication) can still match them to the table by equal points.
        ordered = list(counted)
        secrets.SystemRandom().shuffle(ordered)
        acting = self.view.acting_chair(str(committee.committee_id), project_matter(str(project_id)))
        decision: dict[str, Any] = {
            "recommendation": recommendation,
            "reasons_ja": reasons_ja,
            "reasons_en": reasons_en,
            "confirmed_by": role.value,
            "confirmer_sub": confirmer,
            "counted": counted,
            "voided": voided,
            "recused": recused,
            "labels": {label(i): member for i, member in enumerate(ordered)},
            "criterion_means": criterion_means,
            "overall_mean": overall_mean,
            "acting_chair": (
                {"acting_chair_sub": acting.acting_chair_sub, "elector_subs": list(acting.elector_subs)}
                if role is ConfirmedBy.ACTING_CHAIR and acting is not None
                else None
            ),
        }
        report = build_report(project, committee, decision, ordered, self.now_text())
        trace = actor.trace_dict()
        committee.recommend(decision, report, trace)
        project.reported(recommendation, trace)
        self.save(committee, project)
        return committee
