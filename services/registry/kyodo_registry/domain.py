"""Registry domain: a civic activity group's registration application, assessed against the six criteria.

No I/O here: ids, times and trace data are computed by the caller and passed into the events.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from kyodo_shared.contracts.registry import Criterion

CRITERIA: tuple[str, ...] = tuple(c.value for c in Criterion)

APPLIED = "applied"
REGISTERED = "registered"
REJECTED = "rejected"


class RegistryError(Exception):
    """A command the group's current state does not allow."""

    def __init__(self, code: str, message_ja: str, message_en: str) -> None:
        super().__init__(code)
        self.code, self.message_ja, self.message_en = code, message_ja, message_en


class Group(Aggregate):
    """A civic activity group (市民活動団体) from its application for registration onwards."""

    class Applied(Aggregate.Created):
        group_id: UUID
        profile: dict[str, Any]
        representative_sub: str
        representative: dict[str, str]
        declarations: dict[str, str]
        trace: dict[str, str]
        salt: str

    class CriterionAssessed(Aggregate.Event):
        criterion: str
        met: bool
        reason: str
        assessor_sub: str
        trace: dict[str, str]

    class Registered(Aggregate.Event):
        profile: dict[str, Any]
        representative_sub: str
        trace: dict[str, str]

    class Rejected(Aggregate.Event):
        unmet: list[dict[str, str]]
        trace: dict[str, str]

    @event(Applied)
    def __init__(
        self,
        group_id: UUID,
        profile: dict[str, Any],
        representative_sub: str,
        representative: dict[str, str],
        declarations: dict[str, str],
        trace: dict[str, str],
        salt: str,
    ) -> None:
        # representative is the encrypted envelope of personal data (name, email, phone), never plaintext;
        # salt (random, chosen by the caller) keeps the stored state's hash from confirming a guess.
        self.profile = profile
        self.representative_sub = representative_sub
        self.representative = representative
        self.declarations = declarations
        self.status = APPLIED
        self.assessments: dict[str, dict[str, Any]] = {}

    @staticmethod
    def create_id(group_id: UUID) -> UUID:
        return group_id

    def assess(self, criterion: str, met: bool, reason: str, assessor_sub: str, trace: dict[str, str]) -> None:
        """Record one criterion's assessment; once all six are assessed the decision follows from them."""
        if self.status != APPLIED:
            raise RegistryError(
                "application_closed",
                "この申請は既に決定済みです",
                "This application has already been decided",
            )
        if criterion not in CRITERIA:
            raise RegistryError("unknown_criterion", "不明な基準です", "Unknown criterion")
        if criterion in self.assessments:
            raise RegistryError(
                "criterion_already_assessed",
                "この基準は既に審査済みです",
                "This criterion has already been assessed",
            )
        self._criterion_assessed(criterion, met, reason, assessor_sub, trace)
        if len(self.assessments) == len(CRITERIA):
            unmet = [
                {"criterion": c, "reason": self.assessments[c]["reason"]}
                for c in CRITERIA
                if not self.assessments[c]["met"]
            ]
            if unmet:
                self._rejected(unmet, trace)
            else:
                # The decision event carries the public profile, so subscribers need no earlier event to act on it.
                self._registered(self.profile, self.representative_sub, trace)

    @event(CriterionAssessed)
    def _criterion_assessed(
        self, criterion: str, met: bool, reason: str, assessor_sub: str, trace: dict[str, str]
    ) -> None:
        self.assessments[criterion] = {"met": met, "reason": reason, "assessor_sub": assessor_sub}

    @event(Registered)
    def _registered(self, profile: dict[str, Any], representative_sub: str, trace: dict[str, str]) -> None:
        self.status = REGISTERED

    @event(Rejected)
    def _rejected(self, unmet: list[dict[str, str]], trace: dict[str, str]) -> None:
        self.status = REJECTED
