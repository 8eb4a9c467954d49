"""Registrations for the center's trainings as use cases: a group's person, a member of staff, or a citizen without
login (sealed in the vault, with a secret link), cancellation by the registrant or by the center (with a reason).

Every registration changes the one training aggregate, so two saved at once conflict in the store and one of them
is tried again: capacity is never exceeded, and the waitlist's order is the store's order of acceptance. Within a
replica, registrations for one training also queue on a lock, so they do not race each other only to retry.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar
from uuid import UUID, uuid4

import structlog
from eventsourcing.persistence import IntegrityError

from kyodo_info_hub.registrations_reading import RegistrationReads
from kyodo_info_hub.trainings import Seat, Training
from kyodo_info_hub.trainings_privacy import RECORD_KIND, CitizenGuard, new_token, token_hash
from kyodo_shared.domain.actors import Actor, Role
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.privacy.vault import RetentionNotElapsed

log = structlog.get_logger(__name__)

# A lost race is tried again this many times (other replicas registering for the same training at once: with the
# lock below, one contender per replica, so a request loses 30 times in a row only if another replica wins 30 times).
ATTEMPTS = 30
# A citizen's key is destroyed by this timer once their retention period has passed.
ERASE_TIMER = "info_hub.training.erase_registrant"
T = TypeVar("T")


class _Locks:
    """One lock per training, in this replica (this application object)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[UUID, threading.Lock] = {}

    def of(self, training_id: UUID) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(training_id, threading.Lock())


class RateLimited(Refusal):
    """Too many registrations from one client address or for one e-mail address in the window."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("too_many_registrations")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Placed:
    """A registration as its registrant learns of it."""

    training: Training
    registration_id: str
    seat: Seat
    token: str | None = None


class RegistrationCommands(RegistrationReads):
    @cached_property
    def citizen_guard(self) -> CitizenGuard:
        # Over info-hub's own database: hashes and counters every replica shares.
        return CitizenGuard(self.db)

    @cached_property
    def registration_locks(self) -> _Locks:
        return _Locks()

    def _changed(self, training_id: UUID, command: Callable[[Training], T]) -> tuple[Training, T]:
        """Load, command, save; a save that lost a race with another replica is tried again on the new state at
        once (a pause would put this replica behind the winner's next registration, which loads right after its save,
        and the same replica would lose again and again)."""
        with self.registration_locks.of(training_id):
            for attempt in range(ATTEMPTS):
                training = self._get(training_id, Training, "training_not_found")
                outcome = command(training)
                try:
                    self.save(training)
                except IntegrityError:
                    log.info("training_registration_retried", training_id=str(training_id), attempt=attempt + 1)
                    continue
                return training, outcome
        raise Refusal("training_busy")

    # --- registering ----------------------------------------------------------------------------------------

    def register_person(self, actor: Actor, training_id: UUID, group_id: str | None) -> Placed:
        """A group's representative or contact (naming the group), or a member of staff (naming none)."""
        if group_id is not None:
            if not (actor.has(Role.GROUP) and self.people.acts_for(actor.sub, group_id, registered_only=True)):
                raise Refusal("not_for_group", field="group_id", rule="not_for_group")
            registrant = {"kind": "group", "key": f"group:{group_id}:{actor.sub}", "sub": actor.sub}
            registrant["group_id"] = group_id
        elif actor.has(Role.STAFF):
            registrant = {"kind": "staff", "key": f"staff:{actor.sub}", "sub": actor.sub}
        else:
            raise Refusal("registration_needs_group", field="group_id", rule="registration_needs_group")
        rid = str(uuid4())
        now = self.now().isoformat()
        training, seat = self._changed(training_id, lambda t: t.register(rid, registrant, now, actor.trace_dict()))
        return Placed(training, rid, seat)

    def register_citizen(self, training_id: UUID, name: str, email: str, address: str, trace: dict[str, str]) -> Placed:
        """A citizen without login: rate-limited per client address and e-mail address (keyed hashes only); the name
        and e-mail sealed under a fresh subject id; the answer carries the secret token of their link."""
        training = self._get(training_id, Training, "training_not_found")
        center = self.center
        limited = self.citizen_guard.admit(
            address, email, self.clock(), center.citizen_registrations_per_window, center.citizen_window_seconds
        )
        if limited is not None:
            raise RateLimited(limited.retry_after)
        # Refused before anything is sealed (closed, not for citizens); checked again when saved. The event's key
        # is the registration's own subject: one registration per address is kept outside the events (below).
        subject = f"training-registrant:{uuid4()}"
        training.admits("citizen", subject, self.now().isoformat())
        if RECORD_KIND not in self.vault.retention_days:
            log.error("training_retention_unset", record_kind=RECORD_KIND, hint="set KYODO_PRIVACY__RETENTION_DAYS")
            raise Refusal("registration_retention_unset")
        sealed = self.vault.encrypt(subject, RECORD_KIND, {"name": name, "email": email}, self.clock())
        # Nobody will ask for a citizen's erasure: it happens by itself once the retention period has passed (and
        # for a key made for a registration that is then refused, too).
        self._schedule_erasure(training_id, subject)
        token, rid = new_token(), str(uuid4())
        # One registration per address: a keyed hash of it claimed for this training in an operational row (never in
        # the immutable events), deleted when the registrant is erased.
        if not self.citizen_guard.claim_email(str(training_id), email, rid, subject, training):
            raise Refusal("already_registered")
        registrant = {
            "kind": "citizen",
            "key": subject,
            "subject": subject,
            "sealed": sealed,
            "token_hash": token_hash(token),
        }
        now = self.now().isoformat()
        try:
            training, seat = self._changed(training_id, lambda t: t.register(rid, registrant, now, trace))
        except Refusal:
            self.citizen_guard.release_email(str(training_id), rid)
            raise
        return Placed(training, rid, seat, token)

    def _schedule_erasure(self, training_id: UUID, subject: str) -> None:
        until = self.vault.erasable_from(subject)
        if until is not None:
            # One timer per person (its id derives from kind, "aggregate" and time): keyed by the subject.
            self.timers.schedule(ERASE_TIMER, subject, until, {"training_id": str(training_id)})

    def erase_registrant(self, training_id: UUID, subject: str) -> None:
        """The erasure timer: the citizen's key destroyed (crypto-shredding); their registration stays, unreadable,
        and the counts with it. A retention extended meanwhile moves the timer to its new end."""
        try:
            erased = self.vault.erase(subject, self.clock())
        except RetentionNotElapsed:
            self._schedule_erasure(training_id, subject)
            return
        self.citizen_guard.forget_subject(subject)
        log.info("training_registrant_erased", training_id=str(training_id), erased=erased)

    # --- cancellation ---------------------------------------------------------------------------------------

    def cancel_registration(
        self, actor: Actor | None, training_id: UUID, registration_id: str, token: str | None, trace: dict[str, str]
    ) -> dict[str, Any]:
        """By the citizen's token or by the registrant's own login, before the start."""
        now = self.now().isoformat()

        def cancel(training: Training) -> None:
            if token is not None:
                self._citizen_registration(training, registration_id, token)
            elif actor is not None:
                self._own_registration(actor, training, registration_id)
            else:
                raise Refusal("registration_not_found")
            training.cancel_registration(registration_id, now, trace)
            self._hold_registrant(training, registration_id)

        training, _ = self._changed(training_id, cancel)
        return self.registration_view(training, registration_id, training.registrations[registration_id])

    def cancel_for_center(
        self, actor: Actor, training_id: UUID, registration_id: str, reason_ja: str, reason_en: str | None
    ) -> dict[str, Any]:
        """The center cancels any registration (a phone call, a squatted address, invented names) with its reason;
        the first in line takes a freed seat, as when a registrant cancels."""
        self._coordinator(actor)
        now, trace = self.now().isoformat(), actor.trace_dict()

        def cancel(training: Training) -> None:
            training.cancel_registration(registration_id, now, trace, (reason_ja, reason_en))
            self._hold_registrant(training, registration_id)

        training, _ = self._changed(training_id, cancel)
        return self.registration_view(training, registration_id, training.registrations[registration_id])

    def _hold_registrant(self, training: Training, registration_id: str) -> None:
        """A cancellation answers with the registration, a citizen's name and address decrypted
        (`registration_view`): the key is read before the save, so the answer never needs the store after the commit
        (a store lost then would answer 503 for a cancellation that was written, and a client retrying a 503 trusts
        that nothing was)."""
        found = training.registrations[registration_id]
        if found["kind"] == "citizen":
            self.vault.hold([found["sealed"]])
