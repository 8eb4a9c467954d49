"""Trainings, courses and exchange meetings (研修会・講座・意見交換会) of the civic activity center, with their
registrations on the same aggregate: the store's optimistic concurrency on one aggregate is what keeps capacity from
ever being exceeded, and the order the store accepted registrations in is the waitlist's order.

No I/O here: ids, times, hashes and sealed envelopes come in as arguments. A citizen's name and e-mail never reach
this module (not even hashed): the application passes the sealed envelope, the subject id and the token's sha256.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate, event

from kyodo_info_hub.trainings_plan import AUDIENCE_OF, Kind, Seat, Status, check_plan
from kyodo_info_hub.trainings_plan import at as _at
from kyodo_shared.domain.refusals import Refusal

__all__ = ["Kind", "Seat", "Status", "Training", "check_plan"]


class Training(Aggregate):
    """One training, course or exchange meeting, its registrations and waitlist, attendance and minutes."""

    class Drafted(Aggregate.Created):
        kind: str
        plan: dict[str, Any]
        drafted_at: str
        trace: dict[str, str]

    @event(Drafted)
    def __init__(self, kind: str, plan: dict[str, Any], drafted_at: str, trace: dict[str, str]) -> None:
        self.kind = Kind(kind)
        self.plan = dict(plan)
        self.drafted_at = drafted_at
        # The plan's version: changed only by the center's commands (never by a registration), the ETag and If-Match
        # of what the center reads and changes; and when the plan last changed (the iCal DTSTAMP).
        self.plan_version = 1
        self.plan_changed_at = drafted_at
        self.status = Status.DRAFT
        self.announced_at: str | None = None
        self.cancelled: dict[str, Any] | None = None
        # Registrations by id, in the order the store accepted them (dicts keep insertion order).
        self.registrations: dict[str, dict[str, Any]] = {}
        # Waitlisted registration ids, first in line first.
        self.waitlist: list[str] = []
        self.attended: list[str] = []
        self.attendance_recorded_at: str | None = None
        self.reminded: list[str] = []
        self.minutes: dict[str, Any] | None = None

    # --- what the public sees -----------------------------------------------------------------------------

    @property
    def capacity(self) -> int:
        return int(self.plan["capacity"])

    def counts(self) -> dict[str, int]:
        registered = sum(1 for r in self.registrations.values() if r["seat"] == Seat.REGISTERED)
        return {
            "capacity": self.capacity,
            "registered": registered,
            "waitlisted": len(self.waitlist),
            "attended": len(self.attended),
            "seats_left": max(self.capacity - registered, 0),
        }

    def public(self) -> dict[str, Any]:
        """What anyone may read of an announced (or cancelled) training: never a registrant, and of an online one
        only that it is online (its link is for the registered and the center: `plan["online_url"]`)."""
        return {
            "id": str(self.id),
            "version": self.plan_version,
            "kind": self.kind.value,
            "status": self.status.value,
            **{k: v for k, v in self.plan.items() if k != "online_url"},
            "online": self.plan.get("online_url") is not None,
            "plan_changed_at": self.plan_changed_at,
            "announced_at": self.announced_at,
            "cancellation": self.cancelled,
            "counts": self.counts(),
            "minutes": self.minutes,
        }

    def position(self, registration_id: str) -> int | None:
        """Place on the waitlist, from 1; None when not waitlisted."""
        return self.waitlist.index(registration_id) + 1 if registration_id in self.waitlist else None

    def active_key(self, key: str) -> str | None:
        for rid, r in self.registrations.items():
            if r["key"] == key and r["seat"] != Seat.CANCELLED:
                return rid
        return None

    # --- the center's commands ----------------------------------------------------------------------------

    def revise(self, plan: dict[str, Any], now: str, trace: dict[str, str]) -> None:
        self._not_cancelled()
        check_plan(plan)
        if self.status == Status.ANNOUNCED and _at(now) >= _at(self.plan["starts_at"]):
            raise Refusal("training_started")
        registered = self.counts()["registered"]
        if int(plan["capacity"]) < registered:
            raise Refusal("invalid_training", field="capacity", rule="capacity_below_registered")
        self._revised(self.kind.value, plan, self.status == Status.ANNOUNCED, now, trace)
        # More seats: the first in line take them, each its own event.
        while self.waitlist and self.counts()["seats_left"] > 0:
            self._promoted(self.waitlist[0], self.counts_after_promotion(), now, trace)

    @event("Revised")
    def _revised(
        self, kind: str, plan: dict[str, Any], announced: bool, revised_at: str, trace: dict[str, str]
    ) -> None:
        self.plan = dict(plan)
        self._plan_changed(revised_at)

    def announce(self, now: str, trace: dict[str, str]) -> None:
        self._not_cancelled()
        if self.status != Status.DRAFT:
            raise Refusal("training_not_draft", state=self.status.value)
        if _at(now) >= _at(self.plan["starts_at"]):
            raise Refusal("training_started")
        self._announced(self.kind.value, dict(self.plan), now, trace)

    @event("Announced")
    def _announced(self, kind: str, plan: dict[str, Any], announced_at: str, trace: dict[str, str]) -> None:
        self.status, self.announced_at = Status.ANNOUNCED, announced_at
        self._plan_changed(announced_at)

    def cancel(self, reason_ja: str, reason_en: str | None, now: str, trace: dict[str, str]) -> None:
        self._not_cancelled()
        # Only what was announced is cancelled (publicly, with its reason); a draft simply stays unannounced. A
        # cancelled draft would be listed beside announced trainings as a plan nobody was ever told about.
        if self.status == Status.DRAFT:
            raise Refusal("training_not_announced", state=self.status.value)
        if _at(now) >= _at(self.plan["starts_at"]):
            raise Refusal("training_started")
        self._cancelled(reason_ja, reason_en, now, trace)

    @event("Cancelled")
    def _cancelled(self, reason_ja: str, reason_en: str | None, cancelled_at: str, trace: dict[str, str]) -> None:
        self.status = Status.CANCELLED
        self.cancelled = {"reason_ja": reason_ja, "reason_en": reason_en, "at": cancelled_at}
        self._plan_changed(cancelled_at)

    def record_attendance(self, attended: list[str], now: str, trace: dict[str, str]) -> None:
        """The registrations present (the whole list: a later record replaces an earlier one)."""
        if self.status != Status.ANNOUNCED:
            raise Refusal("training_not_announced", state=self.status.value)
        if _at(now) < _at(self.plan["starts_at"]):
            raise Refusal("training_not_started")
        if len(set(attended)) != len(attended):
            raise Refusal("attendance_invalid", field="registration_ids", rule="attendance_duplicate")
        for rid in attended:
            if self.registrations.get(rid, {}).get("seat") != Seat.REGISTERED:
                raise Refusal("attendance_invalid", field="registration_ids", rule="attendance_not_registered")
        self._attendance(sorted(attended), {**self.counts(), "attended": len(attended)}, now, trace)

    @event("AttendanceRecorded")
    def _attendance(self, attended: list[str], counts: dict[str, int], recorded_at: str, trace: dict[str, str]) -> None:
        self.attended, self.attendance_recorded_at = list(attended), recorded_at
        self._plan_changed(recorded_at)

    def publish_minutes(self, minutes_ja: str, minutes_en: str | None, now: str, trace: dict[str, str]) -> None:
        """The minutes (議事録) of an exchange meeting, once it has ended; published again, they replace the last."""
        if self.kind != Kind.EXCHANGE_MEETING:
            raise Refusal("minutes_for_exchange_meetings")
        if self.status != Status.ANNOUNCED:
            raise Refusal("training_not_announced", state=self.status.value)
        if _at(now) < _at(self.plan["ends_at"]):
            raise Refusal("training_not_ended")
        revision = self.minutes["revision"] + 1 if self.minutes else 1
        self._minutes(minutes_ja, minutes_en, revision, now, trace)

    @event("MinutesPublished")
    def _minutes(
        self, minutes_ja: str, minutes_en: str | None, revision: int, published_at: str, trace: dict[str, str]
    ) -> None:
        self.minutes = {"ja": minutes_ja, "en": minutes_en, "revision": revision, "published_at": published_at}
        self._plan_changed(published_at)

    def _plan_changed(self, at: str) -> None:
        self.plan_version += 1
        self.plan_changed_at = at

    def remind(self, starts_at: str, trace: dict[str, str] | None = None) -> bool:
        """The reminder timer: once per start time, only while it is still that (a revised start has its own)."""
        if self.status != Status.ANNOUNCED or self.plan["starts_at"] != starts_at or starts_at in self.reminded:
            return False
        self._reminder(starts_at, self.counts(), trace)
        return True

    @event("ReminderDue")
    def _reminder(self, starts_at: str, counts: dict[str, int], trace: dict[str, str] | None = None) -> None:
        self.reminded.append(starts_at)

    # --- registrations ------------------------------------------------------------------------------------

    def register(self, registration_id: str, registrant: dict[str, Any], now: str, trace: dict[str, str]) -> Seat:
        """A seat while one is free, else the waitlist. `registrant`: kind (group|staff|citizen), key (one
        registration per key), and sub / group_id, or the citizen's subject, sealed envelope and token hash."""
        self.admits(registrant["kind"], registrant["key"], now)
        counts = self.counts()
        if counts["seats_left"] > 0:
            after = {**counts, "registered": counts["registered"] + 1, "seats_left": counts["seats_left"] - 1}
            self._registered(registration_id, registrant, after, now, trace)
            return Seat.REGISTERED
        after = {**counts, "waitlisted": counts["waitlisted"] + 1}
        self._waitlisted(registration_id, registrant, len(self.waitlist) + 1, after, now, trace)
        return Seat.WAITLISTED

    def admits(self, kind: str, key: str, now: str) -> None:
        """Whether a registrant of this kind and key may register now (refused otherwise)."""
        if self.status == Status.DRAFT:
            raise Refusal("training_not_found")  # a draft is the center's: as if there were none
        if self.status != Status.ANNOUNCED:
            raise Refusal("training_not_open", state=self.status.value)
        if _at(now) < _at(self.plan["registration_opens_at"]) or _at(now) >= _at(self.plan["registration_closes_at"]):
            raise Refusal("registration_closed")
        if AUDIENCE_OF[kind].value not in self.plan["audience"]:
            raise Refusal("not_in_audience")
        if self.active_key(key) is not None:
            raise Refusal("already_registered")

    @event("Registered")
    def _registered(
        self, registration_id: str, registrant: dict[str, Any], counts: dict[str, int], at: str, trace: dict[str, str]
    ) -> None:
        self.registrations[registration_id] = {**registrant, "seat": Seat.REGISTERED, "at": at}

    @event("Waitlisted")
    def _waitlisted(
        self,
        registration_id: str,
        registrant: dict[str, Any],
        position: int,
        counts: dict[str, int],
        at: str,
        trace: dict[str, str],
    ) -> None:
        self.registrations[registration_id] = {**registrant, "seat": Seat.WAITLISTED, "at": at}
        self.waitlist.append(registration_id)

    def cancel_registration(
        self, registration_id: str, now: str, trace: dict[str, str], reason: tuple[str, str | None] | None = None
    ) -> None:
        """By the registrant, or by the center with a reason (ja, en), before the start; a freed seat goes to the
        first in line in the same save."""
        found = self.registrations.get(registration_id)
        if found is None:
            raise Refusal("registration_not_found")
        if found["seat"] == Seat.CANCELLED:
            raise Refusal("registration_cancelled")
        if _at(now) >= _at(self.plan["starts_at"]):
            raise Refusal("training_started")
        was = found["seat"]
        counts = self.counts()
        if was == Seat.REGISTERED:
            counts = {**counts, "registered": counts["registered"] - 1, "seats_left": counts["seats_left"] + 1}
        else:
            counts = {**counts, "waitlisted": counts["waitlisted"] - 1}
        by, (reason_ja, reason_en) = ("center", reason) if reason else ("registrant", (None, None))
        self._registration_cancelled(registration_id, counts, now, trace, by, reason_ja, reason_en)
        if was == Seat.REGISTERED and self.waitlist and self.status == Status.ANNOUNCED:
            self._promoted(self.waitlist[0], self.counts_after_promotion(), now, trace)

    def counts_after_promotion(self) -> dict[str, int]:
        c = self.counts()
        return {
            **c,
            "registered": c["registered"] + 1,
            "waitlisted": c["waitlisted"] - 1,
            "seats_left": c["seats_left"] - 1,
        }

    @event("RegistrationCancelled")
    def _registration_cancelled(
        self,
        registration_id: str,
        counts: dict[str, int],
        cancelled_at: str,
        trace: dict[str, str],
        cancelled_by: str = "registrant",
        reason_ja: str | None = None,
        reason_en: str | None = None,
    ) -> None:
        found = self.registrations[registration_id]
        found.update(seat=Seat.CANCELLED, cancelled_at=cancelled_at, cancelled_by=cancelled_by)
        if reason_ja is not None:
            found["cancellation_reason"] = {"ja": reason_ja, "en": reason_en}
        if registration_id in self.waitlist:
            self.waitlist.remove(registration_id)

    @event("Promoted")
    def _promoted(
        self, registration_id: str, counts: dict[str, int], promoted_at: str, trace: dict[str, str] | None = None
    ) -> None:
        self.waitlist.remove(registration_id)
        self.registrations[registration_id]["seat"] = Seat.REGISTERED
        self.registrations[registration_id]["promoted_at"] = promoted_at

    def _not_cancelled(self) -> None:
        if self.status == Status.CANCELLED:
            raise Refusal("training_cancelled")
