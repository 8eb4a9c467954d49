"""Registry domain: a civic activity group (市民活動団体) from its application through registration, renewal,
suspension and dissolution, with who represents it and the ties it declared.

No I/O here: ids, times, due dates, salts and trace data are computed by the caller and passed into the events.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from kyodo_registry.vocabulary import (
    CRITERIA,
    DISSOLVED,
    INFORMATION_REQUESTED,
    LAPSED,
    LIVE,
    RECHECKED,
    REGISTERED,
    REJECTED,
    SUSPENDED,
    UNDER_REVIEW,
    Assessment,
    Criterion,
    GroupStatus,
    Handover,
)
from kyodo_shared.domain.refusals import Refusal

# Re-exported for the application and tests: the vocabulary is part of the domain.
__all__ = ["CRITERIA", "LAPSED", "RECHECKED", "REGISTERED", "SUSPENDED", "Criterion", "Group", "GroupStatus"]


# The cause a re-check records when an assessor declared an interest in the group.
INTEREST_DECLARED = "interest_declared"


class Group(Aggregate):
    """A civic activity group. Every change is an event; nothing is overwritten."""

    class Applied(Aggregate.Created):
        group_id: UUID
        profile: dict[str, Any]
        representative_sub: str
        representative: dict[str, str]
        declarations: dict[str, str]
        bylaws: dict[str, Any]
        ties: list[dict[str, Any]]
        trace: dict[str, str]
        salt: str

    @event(Applied)
    def __init__(
        self,
        group_id: UUID,
        profile: dict[str, Any],
        representative_sub: str,
        representative: dict[str, str],
        declarations: dict[str, str],
        bylaws: dict[str, Any],
        ties: list[dict[str, Any]],
        trace: dict[str, str],
        salt: str,
    ) -> None:
        # representative is the encrypted envelope of personal data, never plaintext; the salt (random, chosen by
        # the caller) keeps the stored state's hash from confirming a guess.
        self.profile = profile
        self.representative_sub = representative_sub
        self.representative = representative
        self.contacts: dict[str, dict[str, str]] = {}
        self.declarations = declarations
        self.bylaws = bylaws
        self.ties: dict[str, dict[str, Any]] = {str(t["tie_id"]): dict(t) for t in ties}
        self.status = UNDER_REVIEW
        self.round = 1
        self.assessments: dict[str, Assessment] = {}
        self.recheck: list[str] = []
        self.information_request: dict[str, Any] | None = None
        self.renewal_due: str | None = None
        self.status_reason = ""
        self.handover: Handover | None = None

    @staticmethod
    def create_id(group_id: UUID) -> UUID:
        return group_id

    # Who acts for the group: its representative and its delegated contacts, by their token `sub`.
    def acts_for(self, sub: str) -> bool:
        return sub == self.representative_sub or sub in self.contacts

    def _require(self, *statuses: str) -> None:
        if self.status not in statuses:
            raise Refusal("invalid_state", state=self.status)

    # --- application and assessment -------------------------------------------------------------------------

    def assess(
        self, criterion: str, met: bool, reason: str, assessor_sub: str, renewal_due: str, trace: dict[str, str]
    ) -> None:
        """One criterion's assessment; once every open criterion is assessed the decision follows from them."""
        if criterion not in CRITERIA:
            raise Refusal("unknown_criterion")
        if self.status == INFORMATION_REQUESTED:
            raise Refusal("awaiting_information")
        if self.status in (REGISTERED, LAPSED, SUSPENDED):
            if criterion not in self.recheck or criterion in self.assessments:
                raise Refusal("criterion_not_open")
        elif self.status != UNDER_REVIEW:
            raise Refusal("application_closed")
        elif criterion in self.assessments:
            raise Refusal("criterion_already_assessed")
        self._criterion_assessed(criterion, met, reason, assessor_sub, trace)
        if self.status in (REGISTERED, LAPSED, SUSPENDED):
            self._after_recheck_assessment(trace)
            return
        if len(self.assessments) < len(CRITERIA):
            return
        unmet = [
            {"criterion": c, "reason": self.assessments[c].reason} for c in CRITERIA if not self.assessments[c].met
        ]
        if unmet:
            self._rejected(unmet, trace)
        else:
            # The decision event carries the public profile, so subscribers need no earlier event to act on it.
            self._registered(self.profile, self.representative_sub, renewal_due, trace)

    def _after_recheck_assessment(self, trace: dict[str, str]) -> None:
        if any(c not in self.assessments for c in self.recheck):
            return
        unmet = [c for c in self.recheck if not self.assessments[c].met]
        if not unmet:
            self._recheck_passed(trace)
            return
        reasons = "; ".join(f"{c}: {self.assessments[c].reason}" for c in unmet)
        # Suspended (again, with this reason, if it already was) until a later re-check passes.
        self._suspended(f"再確認で基準を満たしませんでした / criteria not met on re-check ({reasons})", "", trace)

    @event("CriterionAssessed")
    def _criterion_assessed(
        self, criterion: str, met: bool, reason: str, assessor_sub: str, trace: dict[str, str]
    ) -> None:
        self.assessments[criterion] = Assessment(met, reason, assessor_sub, self.round)

    @event("Registered")
    def _registered(
        self, profile: dict[str, Any], representative_sub: str, renewal_due: str, trace: dict[str, str]
    ) -> None:
        self.status = REGISTERED
        self.renewal_due = renewal_due

    @event("Rejected")
    def _rejected(self, unmet: list[dict[str, str]], trace: dict[str, str]) -> None:
        self.status = REJECTED

    def request_information(
        self, criteria: list[str], question: str, coordinator_sub: str, trace: dict[str, str]
    ) -> None:
        self._require(UNDER_REVIEW)
        if not criteria or any(c not in CRITERIA for c in criteria):
            raise Refusal("unknown_criterion")
        self._information_requested(criteria, question, coordinator_sub, trace)

    @event("InformationRequested")
    def _information_requested(
        self, criteria: list[str], question: str, coordinator_sub: str, trace: dict[str, str]
    ) -> None:
        self.status = INFORMATION_REQUESTED
        self.information_request = {"criteria": criteria, "question": question, "requested_by": coordinator_sub}

    def provide_information(self, answer: str, evidence: dict[str, str], by_sub: str, trace: dict[str, str]) -> None:
        self._require(INFORMATION_REQUESTED)
        if any(c not in CRITERIA or c in self.assessments for c in evidence):
            raise Refusal("criterion_not_open")
        self._information_provided(answer, evidence, by_sub, trace)

    @event("InformationProvided")
    def _information_provided(self, answer: str, evidence: dict[str, str], by_sub: str, trace: dict[str, str]) -> None:
        self.declarations = {**self.declarations, **evidence}
        self.information_request = None
        self.status = UNDER_REVIEW

    def reapply(
        self,
        profile: dict[str, Any],
        declarations: dict[str, str],
        bylaws: dict[str, Any],
        by_sub: str,
        trace: dict[str, str],
    ) -> None:
        self._require(REJECTED)
        self._reapplied(self.round + 1, profile, declarations, bylaws, self.representative_sub, by_sub, trace)

    @event("Reapplied")
    def _reapplied(
        self,
        round: int,
        profile: dict[str, Any],
        declarations: dict[str, str],
        bylaws: dict[str, Any],
        representative_sub: str,
        by_sub: str,
        trace: dict[str, str],
    ) -> None:
        self.profile, self.declarations, self.bylaws = profile, declarations, bylaws
        self.round = round
        self.assessments = {}
        self.status = UNDER_REVIEW

    # --- the registered group's life ------------------------------------------------------------------------

    def update_profile(self, profile: dict[str, Any], by_sub: str, trace: dict[str, str]) -> None:
        self._require(*LIVE)
        self._profile_updated(profile, by_sub, trace)

    @event("ProfileUpdated")
    def _profile_updated(self, profile: dict[str, Any], by_sub: str, trace: dict[str, str]) -> None:
        self.profile = profile

    def change_bylaws(self, bylaws: dict[str, Any], by_sub: str, trace: dict[str, str]) -> None:
        self._require(*LIVE)
        if bylaws["sha256"] == self.bylaws.get("sha256"):
            raise Refusal("bylaws_unchanged")
        self._bylaws_changed(bylaws, by_sub, trace)
        self._reopen("bylaws_changed", trace)

    @event("BylawsChanged")
    def _bylaws_changed(self, bylaws: dict[str, Any], by_sub: str, trace: dict[str, str]) -> None:
        self.bylaws = bylaws

    def declare_tie(self, tie: dict[str, Any], by_sub: str, trace: dict[str, str]) -> None:
        self._require(*LIVE)
        self._tie_declared(tie, by_sub, trace)
        self._reopen("tie_declared", trace)

    @event("TieDeclared")
    def _tie_declared(self, tie: dict[str, Any], by_sub: str, trace: dict[str, str]) -> None:
        self.ties[str(tie["tie_id"])] = dict(tie)

    def withdraw_tie(self, tie_id: str, reason: str, by_sub: str, trace: dict[str, str]) -> None:
        self._require(*LIVE)
        tie = self.ties.get(tie_id)
        if tie is None or tie.get("withdrawn"):
            raise Refusal("tie_not_found")
        self._tie_withdrawn(tie_id, reason, by_sub, trace)

    @event("TieWithdrawn")
    def _tie_withdrawn(self, tie_id: str, reason: str, by_sub: str, trace: dict[str, str]) -> None:
        self.ties[tie_id] = {**self.ties[tie_id], "withdrawn": True, "withdrawal_reason": reason}

    def _reopen(self, cause: str, trace: dict[str, str]) -> None:
        # Under review, the criteria's assessments of this round are set aside; once registered (lapsed and
        # suspended included), a re-check opens and must pass before a suspension can be lifted.
        if self.status in (UNDER_REVIEW, INFORMATION_REQUESTED) and not any(c in self.assessments for c in RECHECKED):
            return
        self._recheck_opened(list(RECHECKED), cause, trace)

    def interest_declared(self, person_sub: str, trace: dict[str, str]) -> bool:
        """Someone who assessed this group declared an interest in it: the same rule as a reviewer's late conflict.
        Before the decision their assessments are voided and must be redone by someone without an interest; after
        a registration all six criteria reopen (the group stays registered meanwhile, as on a bylaws re-check).
        Whether anything reopened is returned; a declaration by someone who assessed nothing changes nothing."""
        assessed = [
            str(c) for c in CRITERIA if c in self.assessments and self.assessments[c].assessor_sub == person_sub
        ]
        if not assessed:
            return False
        if self.status in (UNDER_REVIEW, INFORMATION_REQUESTED):
            self._recheck_opened(assessed, INTEREST_DECLARED, trace)
            return True
        if self.status in (REGISTERED, LAPSED, SUSPENDED):
            self._recheck_opened([str(c) for c in CRITERIA], INTEREST_DECLARED, trace)
            return True
        return False  # rejected or dissolved: no decision stands on the assessment any more

    @event("RecheckOpened")
    def _recheck_opened(self, criteria: list[str], cause: str, trace: dict[str, str]) -> None:
        for criterion in criteria:
            self.assessments.pop(criterion, None)
        if self.status in (REGISTERED, LAPSED, SUSPENDED):
            self.recheck = list(criteria)

    @event("RecheckPassed")
    def _recheck_passed(self, trace: dict[str, str]) -> None:
        self.recheck = []

    def renew(self, confirmation: dict[str, Any], renewal_due: str, by_sub: str, trace: dict[str, str]) -> None:
        """renewal_due: the next due date, computed by the caller from the current one (or today, when lapsed)."""
        self._require(REGISTERED, LAPSED)
        self._renewed(confirmation, renewal_due, by_sub, trace)

    @event("Renewed")
    def _renewed(self, confirmation: dict[str, Any], renewal_due: str, by_sub: str, trace: dict[str, str]) -> None:
        self.status = REGISTERED
        self.renewal_due = renewal_due

    def lapse(self, due: str, trace: dict[str, str]) -> bool:
        """Lapse if the renewal due on `due` is still outstanding; False (and no event) otherwise."""
        if self.status != REGISTERED or self.renewal_due != due:
            return False
        self._lapsed(due, trace)
        return True

    @event("Lapsed")
    def _lapsed(self, due: str, trace: dict[str, str]) -> None:
        self.status = LAPSED

    def suspend(self, reason: str, by_sub: str, trace: dict[str, str]) -> None:
        self._require(REGISTERED, LAPSED)
        self._suspended(reason, by_sub, trace)

    @event("Suspended")
    def _suspended(self, reason: str, by_sub: str, trace: dict[str, str]) -> None:
        self.status = SUSPENDED
        self.status_reason = reason

    def reinstate(self, reason: str, renewal_due: str, by_sub: str, trace: dict[str, str]) -> None:
        self._require(SUSPENDED)
        # Criteria 5 and 6 must stand: a pending or failed re-check is cleared only by a re-check that passes.
        if self.recheck or any(not self.assessments[c].met for c in RECHECKED if c in self.assessments):
            raise Refusal("recheck_unmet")
        self._reinstated(reason, renewal_due, by_sub, trace)

    @event("Reinstated")
    def _reinstated(self, reason: str, renewal_due: str, by_sub: str, trace: dict[str, str]) -> None:
        self.status = REGISTERED
        self.status_reason = ""
        self.renewal_due = renewal_due

    def dissolve(self, reason: str, by_sub: str, trace: dict[str, str]) -> None:
        if self.status == DISSOLVED:
            raise Refusal("invalid_state", state=self.status)
        self._dissolved(reason, by_sub, trace)

    @event("Dissolved")
    def _dissolved(self, reason: str, by_sub: str, trace: dict[str, str]) -> None:
        self.status = DISSOLVED
        self.status_reason = reason

    # --- representation -------------------------------------------------------------------------------------

    def add_contact(
        self, contact_sub: str, contact: dict[str, str], salt: str, by_sub: str, trace: dict[str, str]
    ) -> None:
        self._require(*LIVE)
        if self.acts_for(contact_sub):
            raise Refusal("already_acts_for_group")
        self._contact_added(contact_sub, contact, salt, by_sub, trace)

    @event("ContactAdded")
    def _contact_added(
        self, contact_sub: str, contact: dict[str, str], salt: str, by_sub: str, trace: dict[str, str]
    ) -> None:
        self.contacts[contact_sub] = contact

    def remove_contact(self, contact_sub: str, by_sub: str, trace: dict[str, str]) -> None:
        self._require(*LIVE)
        if contact_sub not in self.contacts:
            raise Refusal("contact_not_found")
        self._contact_removed(contact_sub, by_sub, trace)

    @event("ContactRemoved")
    def _contact_removed(self, contact_sub: str, by_sub: str, trace: dict[str, str]) -> None:
        self.contacts.pop(contact_sub, None)

    def propose_handover(self, new_sub: str, by_sub: str, trace: dict[str, str]) -> None:
        self._require(*LIVE)
        if by_sub != self.representative_sub:
            raise Refusal("not_representative")
        if new_sub == self.representative_sub:
            raise Refusal("already_representative")
        self._handover_proposed(new_sub, by_sub, trace)

    @event("HandoverProposed")
    def _handover_proposed(self, new_sub: str, by_sub: str, trace: dict[str, str]) -> None:
        self.handover = Handover(new_sub, by_sub)

    def confirm_handover(self, by_sub: str, representative: dict[str, str], salt: str, trace: dict[str, str]) -> None:
        self._require(*LIVE)
        if self.handover is None or self.handover.new_sub != by_sub:
            raise Refusal("no_handover_for_you")
        self._representative_changed(by_sub, self.representative_sub, representative, salt, by_sub, "", trace)

    def decide_handover(
        self, new_sub: str, representative: dict[str, str], salt: str, reason: str, by_sub: str, trace: dict[str, str]
    ) -> None:
        """A coordinator's decision, with a reason (the old representative cannot or will not confirm)."""
        self._require(*LIVE)
        if new_sub == self.representative_sub:
            raise Refusal("already_representative")
        self._representative_changed(new_sub, self.representative_sub, representative, salt, by_sub, reason, trace)

    @event("RepresentativeChanged")
    def _representative_changed(
        self,
        new_sub: str,
        previous_sub: str,
        representative: dict[str, str],
        salt: str,
        decided_by: str,
        reason: str,
        trace: dict[str, str],
    ) -> None:
        self.representative_sub = new_sub
        self.representative = representative
        self.contacts.pop(new_sub, None)
        self.handover = None
