"""A collaboration project (協働事業): where it came from, its agreement (協定) and amendments by mutual consent,
its interim reports and their dates, its end, and both partners' self-evaluations, sealed from each other.

No I/O here: ids, hashes, times, receipts and who acts for which partner are decided by the application and
passed in. The committee's evaluation is its own aggregate (`committee`), because members act on it at once.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from kyodo_evaluation.agreement import check_amendment, check_values
from kyodo_evaluation.vocabulary import Partner, Status
from kyodo_shared.domain.refusals import Refusal

_NAMESPACE = UUID("6c1d2b7e-93a4-4f51-8e0a-2f7d5c9b1a64")


def adoption_project_id(proposal_id: UUID) -> UUID:
    """The id of the project an adoption creates: the same for every delivery of the adoption (the consumer's timer
    and a coordinator naming its department derive it alike)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"kyodo:evaluation:adoption:{proposal_id}")


def screening_project_id(decision_id: UUID, group_id: UUID) -> UUID:
    """One project per screening decision and partner group: a retried creation finds the one it made."""
    return uuid.uuid5(_NAMESPACE, f"screening:{decision_id}:{group_id}")


class Project(Aggregate):
    """One collaboration project between a group and a department."""

    class Created(Aggregate.Created):
        project_id: UUID
        source: str
        group_id: UUID
        department_id: UUID
        title_ja: str
        links: dict[str, Any]
        criteria: list[dict[str, Any]]
        created_at: str
        trace: dict[str, str]

    @event(Created)
    def __init__(
        self,
        project_id: UUID,
        source: str,
        group_id: UUID,
        department_id: UUID,
        title_ja: str,
        links: dict[str, Any],
        criteria: list[dict[str, Any]],
        created_at: str,
        trace: dict[str, str],
    ) -> None:
        self.source, self.group_id, self.department_id = source, group_id, department_id
        self.title_ja = title_ja
        # call_id, proposal_id, rank, score, screening_decision_id, screening_project_id, form — as the source gave.
        self.links = dict(links)
        self.criteria = list(criteria)
        self.created_at = created_at
        self.status = Status.DRAFTING
        # The version under discussion (drafted, not concluded), and the versions concluded in order.
        self.draft: dict[str, Any] | None = None
        self.confirmed: dict[str, str] = {}
        self.concluded: list[dict[str, Any]] = []
        # Interim reports by "partner|index"; overdue marks and reminders already sent, by the same key.
        self.reports: dict[str, dict[str, Any]] = {}
        self.overdue: list[str] = []
        self.reminded: list[str] = []
        self.ended_on: str | None = None
        self.deadline: str | None = None
        self.self_evaluations: dict[str, dict[str, Any]] = {}
        self.unsealed = False
        self.recommendation: str | None = None

    @staticmethod
    def create_id(project_id: UUID, *args: Any, **kwargs: Any) -> UUID:
        return project_id

    @property
    def agreement(self) -> dict[str, Any] | None:
        """The agreement in force: the last version both partners confirmed."""
        return self.concluded[-1]["agreement"] if self.concluded else None

    # --- the agreement (協定) and amendments -------------------------------------------------------------------

    class Drafted(Aggregate.Event):
        version: int
        agreement: dict[str, Any]
        agreement_hash: str
        reason: str | None
        drafted_by: str
        trace: dict[str, str]

    def draft_agreement(
        self,
        agreement: dict[str, Any],
        agreement_hash: str,
        reason: str | None,
        today: date,
        by: str,
        trace: dict[str, str],
    ) -> None:
        """A version for both partners to confirm; a new draft replaces one not yet concluded. After conclusion a
        draft is an amendment, which needs its reason and keeps what was already due or reported (`agreement`);
        none once the project has ended, and none whose period is already over."""
        in_force = self.agreement
        if self.status not in (Status.DRAFTING, Status.ACTIVE) or (
            in_force is not None and in_force["period_end"] < today.isoformat()
        ):
            # Also while the end timer has yet to run: the period in force is over, nothing may revive it.
            raise Refusal("project_ended", status=Status.ENDED.value if in_force else self.status.value)
        if self.concluded and not reason:
            raise Refusal("amendment_reason_required", field="reason", rule="amendment_reason_required")
        self._fits(agreement, today)
        version = len(self.concluded) + 1
        self._drafted(version, agreement, agreement_hash, reason if self.concluded else None, by, trace)

    def _fits(self, agreement: dict[str, Any], today: date) -> None:
        """A version may be concluded today: its period not over, and, for an amendment, what is already due or
        reported kept (checked when drafted, and again at conclusion: reports and dates may come in between)."""
        if agreement["period_end"] < today.isoformat():
            raise Refusal("period_over", field="agreement.period_end", rule="period_over")
        if self.concluded:
            reported = {str(v["key"]) for r in self.reports.values() for v in r["values"]}
            check_amendment(self.concluded[-1]["agreement"], agreement, self._fixed_dates(today), reported)

    def _fixed_dates(self, today: date) -> int:
        """How many report dates an amendment keeps as they are: those already due, and up to the last one any
        report or overdue mark names (reports are numbered by their date's place)."""
        named = [int(key.split("|")[1]) for key in (*self.reports, *self.overdue)]
        due = sum(1 for d in self.due_dates() if date.fromisoformat(d) <= today)
        return max([due, *named])

    @event(Drafted)
    def _drafted(
        self,
        version: int,
        agreement: dict[str, Any],
        agreement_hash: str,
        reason: str | None,
        drafted_by: str,
        trace: dict[str, str],
    ) -> None:
        self.draft = {"version": version, "agreement": agreement, "hash": agreement_hash, "reason": reason}
        # Whatever was confirmed was another version.
        self.confirmed = {}

    class Confirmed(Aggregate.Event):
        partner: str
        person_sub: str
        agreement_hash: str
        trace: dict[str, str]

    class Concluded(Aggregate.Event):
        version: int
        agreement: dict[str, Any]
        agreement_hash: str
        reason: str | None
        concluded_at: str

    def confirm(
        self, partner: Partner, person_sub: str, agreement_hash: str, today: date, at: str, trace: dict[str, str]
    ) -> bool:
        """A partner confirms the version its hash names; the second partner's confirmation of the same version
        concludes it, if it still fits (else the draft must be redone). Returns whether it was concluded."""
        if self.draft is None:
            raise Refusal("no_draft")
        if agreement_hash != self.draft["hash"]:
            raise Refusal("agreement_version_mismatch", field="agreement_hash", rule="agreement_version_mismatch")
        if partner.value in self.confirmed:
            raise Refusal("already_confirmed", partner=partner.value)
        draft = self.draft
        if set(self.confirmed) | {partner.value} == {Partner.GROUP.value, Partner.DEPARTMENT.value}:
            try:
                self._fits(draft["agreement"], today)
            except Refusal as stale:
                raise Refusal("draft_outdated", cause=stale.code) from None
        self._confirmed(partner.value, person_sub, agreement_hash, trace)
        if set(self.confirmed) != {Partner.GROUP.value, Partner.DEPARTMENT.value}:
            return False
        self._concluded(draft["version"], draft["agreement"], draft["hash"], draft["reason"], at)
        return True

    @event(Confirmed)
    def _confirmed(self, partner: str, person_sub: str, agreement_hash: str, trace: dict[str, str]) -> None:
        self.confirmed[partner] = person_sub

    @event(Concluded)
    def _concluded(
        self, version: int, agreement: dict[str, Any], agreement_hash: str, reason: str | None, concluded_at: str
    ) -> None:
        self.concluded.append(
            {"version": version, "agreement": agreement, "hash": agreement_hash, "reason": reason, "at": concluded_at}
        )
        self.draft, self.confirmed = None, {}
        self.status = Status.ACTIVE

    def due_dates(self) -> list[str]:
        agreement = self.agreement
        return list(agreement["report_dates"]) if agreement else []

    # --- interim reports (中間報告) ----------------------------------------------------------------------------

    class ReportFiled(Aggregate.Event):
        partner: str
        index: int
        due_on: str
        values: list[dict[str, str]]
        summary_ja: str
        late: bool
        filed_by: str
        filed_at: str
        trace: dict[str, str]

    def file_report(
        self,
        partner: Partner,
        index: int,
        values: list[dict[str, str]],
        summary_ja: str,
        today: date,
        by: str,
        at: str,
        trace: dict[str, str],
    ) -> None:
        if self.status is Status.DRAFTING:
            raise Refusal("agreement_not_concluded")
        agreement = self.agreement
        assert agreement is not None
        if self.status is not Status.ACTIVE or today > date.fromisoformat(agreement["period_end"]):
            # After the end the final account is the self-evaluation, not another interim report.
            raise Refusal("project_ended", status=Status.ENDED.value)
        dates = self.due_dates()
        if not 1 <= index <= len(dates):
            raise Refusal("report_not_scheduled", field="index", rule="report_not_scheduled")
        key = f"{partner.value}|{index}"
        if key in self.reports:
            raise Refusal("report_already_filed", index=str(index))
        check_values(agreement["indicators"], values, "values")
        due_on = dates[index - 1]
        late = today > date.fromisoformat(due_on)
        self._report_filed(partner.value, index, due_on, values, summary_ja, late, by, at, trace)

    @event(ReportFiled)
    def _report_filed(
        self,
        partner: str,
        index: int,
        due_on: str,
        values: list[dict[str, str]],
        summary_ja: str,
        late: bool,
        filed_by: str,
        filed_at: str,
        trace: dict[str, str],
    ) -> None:
        self.reports[f"{partner}|{index}"] = {
            "partner": partner,
            "index": index,
            "due_on": due_on,
            "values": values,
            "summary_ja": summary_ja,
            "late": late,
            "filed_at": filed_at,
        }

    class ReminderDue(Aggregate.Event):
        partner: str
        index: int
        due_on: str

    class Overdue(Aggregate.Event):
        partner: str
        index: int
        due_on: str

    def _waiting(self, due_on: str) -> tuple[int, list[str]]:
        """The report due on `due_on` (its place among the dates of the agreement in force: an amendment may have
        moved or dropped it) and the partners who have not filed it."""
        dates = self.due_dates()
        if self.status is Status.DRAFTING or due_on not in dates:
            return 0, []
        index = dates.index(due_on) + 1
        return index, [p.value for p in Partner if f"{p.value}|{index}" not in self.reports]

    def remind_report(self, due_on: str) -> None:
        """Before the date, while the project runs: each partner still to file, once."""
        index, waiting = self._waiting(due_on)
        for partner in waiting if self.status is Status.ACTIVE else []:
            if f"{partner}|{index}|{due_on}" not in self.reminded:
                self._reminder_due(partner, index, due_on)

    @event(ReminderDue)
    def _reminder_due(self, partner: str, index: int, due_on: str) -> None:
        self.reminded.append(f"{partner}|{index}|{due_on}")

    def mark_overdue(self, due_on: str) -> None:
        """At the end of the due date — even if the project ended at the same moment — every partner without its
        report is overdue, once (published)."""
        index, waiting = self._waiting(due_on)
        for partner in waiting:
            if f"{partner}|{index}" not in self.overdue:
                self._overdue(partner, index, due_on)

    @event(Overdue)
    def _overdue(self, partner: str, index: int, due_on: str) -> None:
        self.overdue.append(f"{partner}|{index}")

    # --- the end and the self-evaluations (自己評価) ------------------------------------------------------------

    class Ended(Aggregate.Event):
        ended_on: str
        deadline: str

    def end(self, period_end: str, deadline: str) -> bool:
        """At the end of the agreement's period (the one in force now: an amendment may have moved it)."""
        agreement = self.agreement
        if self.status is not Status.ACTIVE or agreement is None or agreement["period_end"] != period_end:
            return False
        self._ended(period_end, deadline)
        return True

    @event(Ended)
    def _ended(self, ended_on: str, deadline: str) -> None:
        self.ended_on, self.deadline = ended_on, deadline
        self.status = Status.ENDED
        # A draft amendment never concluded lapses with the project.
        self.draft, self.confirmed = None, {}

    class SelfEvaluated(Aggregate.Event):
        partner: str
        evaluation: dict[str, Any]
        receipt: str
        trace: dict[str, str]

    class Unsealed(Aggregate.Event):
        cause: str
        at: str
        self_evaluations: list[dict[str, Any]]

    def public_self_evaluations(self) -> list[dict[str, Any]]:
        """The self-evaluations as they are published: neither the receipt nor who sent them."""
        fields = ("partner", "ratings", "achieved", "summary_ja", "content_hash", "submitted_at")
        return [{k: self.self_evaluations[p][k] for k in fields} for p in sorted(self.self_evaluations)]

    def self_evaluate(
        self, partner: Partner, evaluation: dict[str, Any], receipt: str, late: bool, trace: dict[str, str]
    ) -> None:
        """Once per partner, final when sent; the second one in unseals both at once."""
        if self.status is Status.DRAFTING or self.status is Status.ACTIVE:
            raise Refusal("project_not_ended")
        if late or self.unsealed:
            raise Refusal("self_evaluation_closed")
        if partner.value in self.self_evaluations:
            raise Refusal("already_self_evaluated")
        self._self_evaluated(partner.value, evaluation, receipt, trace)
        if len(self.self_evaluations) == len(Partner):
            self._unsealed("both_in", str(evaluation["submitted_at"]), self.public_self_evaluations())

    @event(SelfEvaluated)
    def _self_evaluated(self, partner: str, evaluation: dict[str, Any], receipt: str, trace: dict[str, str]) -> None:
        self.self_evaluations[partner] = {**evaluation, "receipt": receipt}

    def awaiting_self_evaluation(self) -> list[str]:
        """The partners whose self-evaluation is still awaited."""
        return [p.value for p in Partner if self.status is Status.ENDED and p.value not in self.self_evaluations]

    class SelfEvaluationReminderDue(Aggregate.Event):
        partner: str
        deadline: str

    def remind_self_evaluations(self) -> None:
        for partner in self.awaiting_self_evaluation():
            if f"self|{partner}" not in self.reminded:
                self._self_reminder(partner, str(self.deadline))

    @event(SelfEvaluationReminderDue)
    def _self_reminder(self, partner: str, deadline: str) -> None:
        self.reminded.append(f"self|{partner}")

    def unseal_at_deadline(self, at: str) -> None:
        if self.status is Status.ENDED and not self.unsealed:
            self._unsealed("deadline", at, self.public_self_evaluations())

    @event(Unsealed)
    def _unsealed(self, cause: str, at: str, self_evaluations: list[dict[str, Any]]) -> None:
        self.unsealed = True
        self.status = Status.EVALUATING

    # --- the evaluation criteria (評価項目) -------------------------------------------------------------------

    class CriteriaSet(Aggregate.Event):
        criteria: list[dict[str, Any]]
        trace: dict[str, str]

    def set_criteria(self, criteria: list[dict[str, Any]], trace: dict[str, str]) -> None:
        """The criteria both partners and the committee will use, published before the agreement binds anyone:
        fixed once the first agreement is concluded."""
        if self.concluded:
            raise Refusal("criteria_fixed")
        keys = [str(c["key"]) for c in criteria]
        repeated = [k for n, k in enumerate(keys) if k in keys[:n]]
        if repeated:
            raise Refusal("criterion_repeated", field="criteria", rule="criterion_repeated", key=repeated[0])
        self._criteria_set(criteria, trace)

    @event(CriteriaSet)
    def _criteria_set(self, criteria: list[dict[str, Any]], trace: dict[str, str]) -> None:
        self.criteria = list(criteria)

    # --- the committee's recommendation, as the project records it ----------------------------------------

    class Reported(Aggregate.Event):
        recommendation: str
        trace: dict[str, str]

    def reported(self, recommendation: str, trace: dict[str, str]) -> None:
        if self.status is not Status.EVALUATING:
            raise Refusal("not_evaluating", status=self.status.value)
        self._reported(recommendation, trace)

    @event(Reported)
    def _reported(self, recommendation: str, trace: dict[str, str]) -> None:
        self.recommendation = recommendation
        self.status = Status.REPORTED
