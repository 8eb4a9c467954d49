"""Committees: the review board (協働事業審査会) and the evaluation committee (協働事業評価委員会).

Members serve terms (Asia/Tokyo calendar dates, inclusive); a chair (委員長) and vice-chair (副委員長) hold office
within the term they were chosen in. A member's name is personal data: events hold it only encrypted, with a salt.

When the chair and the vice-chair are both recused in a matter (a call's review, an evaluation), the members present
who are not recused elect an acting chair (委員長代理) for that matter only. The registry records the election —
who was elected and who elected — and publishes it; recusal itself is judged where the matter is (proposals,
evaluation), so the service that uses an acting chair checks that neither the acting chair nor an elector is recused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from kyodo_registry.org.common import Trace, day
from kyodo_shared.domain.refusals import Refusal

CHAIR, VICE_CHAIR, MEMBER = "chair", "vice_chair", "member"


@dataclass
class Term:
    member_sub: str
    term_start: date
    term_end: date
    sealed_name: dict[str, str]
    ended_on: date | None = None  # set when the term ended early

    @property
    def last_day(self) -> date:
        return self.ended_on if self.ended_on is not None else self.term_end

    def covers(self, on: date) -> bool:
        return self.term_start <= on <= self.last_day


@dataclass(frozen=True)
class Officers:
    effective_on: date
    chair: int  # index of the chair's term in Committee.terms: the office lapses when that term ends
    vice_chair: int | None


@dataclass(frozen=True)
class ActingChair:
    """An acting chair (委員長代理) elected for one matter; a later election for the same matter replaces it."""

    matter: str  # e.g. "proposals:call:<call_id>": named by the service where the chair and vice-chair are recused
    acting_chair_sub: str
    elector_subs: tuple[str, ...]
    elected_on: date


class CommitteeKind(StrEnum):
    """The two committees of the collaboration system (the wire contract has the same values)."""

    REVIEW_BOARD = "review_board"  # 協働事業審査会
    EVALUATION_COMMITTEE = "evaluation_committee"  # 協働事業評価委員会


class MembershipEndReason(StrEnum):
    """Why a term ended early; a code, never free text, so nothing personal is published."""

    RESIGNED = "resigned"  # 辞任
    DISMISSED = "dismissed"  # 解嘱
    OTHER = "other"  # その他


class Committee(Aggregate):
    class Established(Aggregate.Created):
        committee_id: UUID
        kind: str
        name_ja: str
        name_en: str | None
        trace: Trace

    class MemberAppointed(Aggregate.Event):
        kind: str
        member_sub: str
        term_start: str
        term_end: str
        reappointment: bool
        name: dict[str, str]  # the encrypted envelope of {"name": ...}, never plaintext
        salt: str  # random, chosen by the Application: the stored state's hash confirms no guessed name
        trace: Trace

    class OfficersChanged(Aggregate.Event):
        kind: str
        chair_sub: str
        vice_chair_sub: str | None
        effective_on: str
        trace: Trace

    class MembershipEnded(Aggregate.Event):
        kind: str
        member_sub: str
        ended_on: str
        reason: str
        trace: Trace

    class ActingChairElected(Aggregate.Event):
        kind: str
        matter: str
        acting_chair_sub: str
        elector_subs: list[str]
        elected_on: str
        trace: Trace

    @event(Established)
    def __init__(self, committee_id: UUID, kind: str, name_ja: str, name_en: str | None, trace: Trace) -> None:
        self.kind = CommitteeKind(kind).value
        self.name_ja, self.name_en = name_ja, name_en
        self.terms: list[Term] = []
        self.officers: list[Officers] = []
        self.acting_chairs: dict[str, ActingChair] = {}  # by matter, the latest election

    @staticmethod
    def create_id(committee_id: UUID) -> UUID:
        return committee_id

    def term_on(self, member_sub: str, on: date) -> int | None:
        return next((i for i, t in enumerate(self.terms) if t.member_sub == member_sub and t.covers(on)), None)

    def roster_on(self, on: date) -> list[tuple[Term, str]]:
        """The members on that date with their role, officers first."""
        roles: dict[int, str] = {}
        current = next((o for o in reversed(self.officers) if o.effective_on <= on), None)
        if current is not None:
            roles[current.chair] = CHAIR
            if current.vice_chair is not None:
                roles[current.vice_chair] = VICE_CHAIR
        order = {CHAIR: 0, VICE_CHAIR: 1, MEMBER: 2}
        members = [(t, roles.get(i, MEMBER)) for i, t in enumerate(self.terms) if t.covers(on)]
        return sorted(members, key=lambda m: (order[m[1]], m[0].member_sub))

    def check_appointment(self, member_sub: str, term_start: date, term_end: date) -> bool:
        """Refuse a term that cannot be appointed; True if it is a reappointment (再任).

        Separate from `appoint` so the Application checks before it encrypts (and keeps) anyone's name.
        """
        if term_end < term_start:
            raise Refusal("term_out_of_order")
        earlier = [t for t in self.terms if t.member_sub == member_sub]
        if any(t.term_start <= term_end and term_start <= t.last_day for t in earlier):
            raise Refusal("overlapping_term")
        return bool(earlier)

    def appoint(
        self, member_sub: str, term_start: date, term_end: date, sealed_name: dict[str, str], salt: str, trace: Trace
    ) -> None:
        reappointment = self.check_appointment(member_sub, term_start, term_end)
        self._member_appointed(
            self.kind, member_sub, term_start.isoformat(), term_end.isoformat(), reappointment, sealed_name, salt, trace
        )

    def change_officers(self, chair_sub: str, vice_chair_sub: str | None, effective_on: date, trace: Trace) -> None:
        if chair_sub == vice_chair_sub:
            raise Refusal("officers_must_differ")
        if self.term_on(chair_sub, effective_on) is None:
            raise Refusal("chair_not_member")
        if vice_chair_sub is not None and self.term_on(vice_chair_sub, effective_on) is None:
            raise Refusal("vice_chair_not_member")
        if self.officers and effective_on < self.officers[-1].effective_on:
            raise Refusal("date_before_last_change")
        self._officers_changed(self.kind, chair_sub, vice_chair_sub, effective_on.isoformat(), trace)

    def end_membership(self, member_sub: str, ended_on: date, reason: str, trace: Trace) -> None:
        terms = [t for t in self.terms if t.member_sub == member_sub]
        term = next((t for t in terms if t.term_start <= ended_on <= t.term_end), None)
        if term is None:
            raise Refusal("not_a_member")
        if term.ended_on is not None:
            raise Refusal("membership_already_ended")
        self._membership_ended(self.kind, member_sub, ended_on.isoformat(), reason, trace)

    def elect_acting_chair(
        self, matter: str, acting_chair_sub: str, elector_subs: list[str], elected_on: date, trace: Trace
    ) -> None:
        """Record an acting chair elected by members (委員の互選); each must be a member on that day."""
        if self.term_on(acting_chair_sub, elected_on) is None:
            raise Refusal("not_a_member")
        if not elector_subs or any(self.term_on(sub, elected_on) is None for sub in elector_subs):
            raise Refusal("not_a_member")
        self._acting_chair_elected(
            self.kind, matter, acting_chair_sub, sorted(set(elector_subs)), elected_on.isoformat(), trace
        )

    @event(MemberAppointed)
    def _member_appointed(
        self,
        kind: str,
        member_sub: str,
        term_start: str,
        term_end: str,
        reappointment: bool,
        name: dict[str, str],
        salt: str,
        trace: Trace,
    ) -> None:
        self.terms.append(Term(member_sub, day(term_start), day(term_end), name))

    @event(OfficersChanged)
    def _officers_changed(
        self, kind: str, chair_sub: str, vice_chair_sub: str | None, effective_on: str, trace: Trace
    ) -> None:
        on = day(effective_on)
        chair = self.term_on(chair_sub, on)
        vice = self.term_on(vice_chair_sub, on) if vice_chair_sub is not None else None
        assert chair is not None  # checked by change_officers before the event was triggered
        self.officers.append(Officers(on, chair, vice))

    @event(MembershipEnded)
    def _membership_ended(self, kind: str, member_sub: str, ended_on: str, reason: str, trace: Trace) -> None:
        on = day(ended_on)
        for term in self.terms:
            if term.member_sub == member_sub and term.term_start <= on <= term.term_end:
                term.ended_on = on

    @event(ActingChairElected)
    def _acting_chair_elected(
        self, kind: str, matter: str, acting_chair_sub: str, elector_subs: list[str], elected_on: str, trace: Trace
    ) -> None:
        self.acting_chairs[matter] = ActingChair(matter, acting_chair_sub, tuple(elector_subs), day(elected_on))
