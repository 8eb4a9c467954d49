"""The registry's eventsourcing Application: short commands and queries over groups (the org part is a mixin)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.application import AggregateNotFoundError, Application

from kyodo_registry.documents import Document, DocumentStore
from kyodo_registry.domain import CRITERIA, LAPSED, REGISTERED, Group
from kyodo_registry.errors import RegistryError, refuse
from kyodo_registry.org.app import OrgCommands
from kyodo_registry.settings import CONTACT_RECORD, REPRESENTATIVE_RECORD
from kyodo_shared.domain.refusals import StaleVersion
from kyodo_shared.privacy.vault import KeyVault
from kyodo_shared.tasks.timers import Timers

TOKYO = ZoneInfo("Asia/Tokyo")
LAPSE_TIMER = "registry.renewal.lapse"
# Renewal opens this many days before the due date.
RENEWAL_WINDOW_DAYS = 90

__all__ = ["GroupNotFound", "RegistryApplication", "StaleVersion"]


class GroupNotFound(RegistryError):
    def __init__(self) -> None:
        err = refuse("group_not_found")
        super().__init__(err.code, err.message_ja, err.message_en, err.status)


def one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def lapse_time(due: date) -> datetime:
    """Overdue once the due date has ended in Tokyo."""
    return datetime.combine(due + timedelta(days=1), time(0, 0), TOKYO)


class RegistryApplication(OrgCommands, Application[UUID]):
    """Groups, one event-sourced aggregate per group."""

    name = "registry"
    # Set by the composition root: personal data is encrypted per person before it reaches an event.
    vault: KeyVault | None = None
    # The kernel's clock (tests move it); due dates and receipt times come from here, never from inside an event.
    clock: Callable[[], datetime] = staticmethod(lambda: datetime.now(UTC))
    timers: Timers | None = None
    documents: DocumentStore | None = None

    def _vault(self) -> KeyVault:
        if self.vault is None:
            raise RuntimeError("the registry needs its key vault to handle personal data")
        return self.vault

    def _documents(self) -> DocumentStore:
        if self.documents is None:
            raise RuntimeError("the registry needs its document store")
        return self.documents

    def today(self) -> date:
        return self.clock().astimezone(TOKYO).date()

    def seal(self, sub: str, record_kind: str, fields: dict[str, str]) -> dict[str, str]:
        return self._vault().encrypt(sub, record_kind, fields, self.clock())

    def personal_data(self, envelope: dict[str, str]) -> dict[str, str] | None:
        """Decrypted personal data, or None once the person's key was destroyed (erased)."""
        fields = self._vault().decrypt(envelope)
        return {str(k): str(v) for k, v in fields.items()} if fields is not None else None

    def representative_of(self, group: Group) -> dict[str, str] | None:
        return self.personal_data(group.representative)

    def document(self, sha256: str) -> bytes | None:
        return self._documents().get(sha256)

    # --- commands -------------------------------------------------------------------------------------------

    def apply_for_registration(
        self,
        group_id: UUID,
        profile: dict[str, Any],
        representative_sub: str,
        representative: dict[str, str],
        declarations: dict[str, str],
        bylaws: Document,
        ties: list[dict[str, Any]],
        trace: dict[str, str],
    ) -> Group:
        _require_declarations(declarations)
        self._documents().put(bylaws, self.clock())
        sealed = self.seal(representative_sub, REPRESENTATIVE_RECORD, representative)
        group = Group(
            group_id,
            profile,
            representative_sub,
            sealed,
            declarations,
            bylaws.reference(),
            ties,
            trace,
            secrets.token_hex(16),
        )
        self.save(group)
        return group

    def get_group(self, group_id: UUID) -> Group:
        try:
            group: Group = self.repository.get(group_id)
        except AggregateNotFoundError:
            raise GroupNotFound() from None
        return group

    def update(self, group_id: UUID, expected_version: int | None, command: Callable[[Group], object]) -> Group:
        """Run one domain command on the group's current version and store what it recorded."""
        group = self.get_group(group_id)
        if expected_version is not None and group.version != expected_version:
            raise StaleVersion(group.version)
        due_before = group.renewal_due
        command(group)
        if group.status == REGISTERED and group.renewal_due and group.renewal_due != due_before:
            # Scheduled before the save: a save that fails leaves a timer whose action finds nothing to do,
            # whereas a crash after the save would otherwise leave a registration that never lapses.
            self._schedule_lapse(group.id, date.fromisoformat(group.renewal_due))
        # A concurrent writer makes this save fail with IntegrityError: the API answers 409.
        self.save(group)
        return group

    def _schedule_lapse(self, group_id: UUID, due: date) -> None:
        if self.timers is not None:
            self.timers.schedule(LAPSE_TIMER, str(group_id), lapse_time(due), {"due": due.isoformat()})

    def assess(
        self,
        group_id: UUID,
        criterion: str,
        met: bool,
        reason: str,
        assessor_sub: str,
        trace: dict[str, str],
        expected_version: int | None = None,
    ) -> Group:
        due = one_year_after(self.today()).isoformat()
        return self.update(
            group_id, expected_version, lambda g: g.assess(criterion, met, reason, assessor_sub, due, trace)
        )

    def reapply(
        self,
        group_id: UUID,
        profile: dict[str, Any],
        declarations: dict[str, str],
        bylaws: Document,
        by_sub: str,
        trace: dict[str, str],
        expected_version: int | None,
    ) -> Group:
        _require_declarations(declarations)
        self._documents().put(bylaws, self.clock())
        reference = bylaws.reference()
        return self.update(
            group_id, expected_version, lambda g: g.reapply(profile, declarations, reference, by_sub, trace)
        )

    def change_bylaws(
        self, group_id: UUID, bylaws: Document, by_sub: str, trace: dict[str, str], expected_version: int | None
    ) -> Group:
        self._documents().put(bylaws, self.clock())
        reference = bylaws.reference()
        return self.update(group_id, expected_version, lambda g: g.change_bylaws(reference, by_sub, trace))

    def renew(
        self,
        group_id: UUID,
        confirmation: dict[str, Any],
        by_sub: str,
        trace: dict[str, str],
        expected_version: int | None,
    ) -> Group:
        today = self.today()

        def renew(group: Group) -> None:
            if group.status == LAPSED or group.renewal_due is None:
                next_due = one_year_after(today)
            else:
                current = date.fromisoformat(group.renewal_due)
                if group.status == REGISTERED and today < current - timedelta(days=RENEWAL_WINDOW_DAYS):
                    raise refuse("renewal_not_open")
                next_due = one_year_after(current)
            group.renew(confirmation, next_due.isoformat(), by_sub, trace)

        return self.update(group_id, expected_version, renew)

    def reinstate(
        self, group_id: UUID, reason: str, by_sub: str, trace: dict[str, str], expected_version: int | None
    ) -> Group:
        today = self.today()

        def reinstate(group: Group) -> None:
            due = group.renewal_due
            # A due date already past would lapse the group at once: a reinstated group gets a new year.
            if due is None or date.fromisoformat(due) < today:
                due = one_year_after(today).isoformat()
            group.reinstate(reason, due, by_sub, trace)

        return self.update(group_id, expected_version, reinstate)

    def lapse_overdue(self, group_id: UUID, due: str, trace: dict[str, str]) -> bool:
        """The renewal timer's action: idempotent, it lapses the group only if that renewal is still outstanding."""
        group = self.get_group(group_id)
        if not group.lapse(due, trace):
            return False
        self.save(group)
        return True

    def add_contact(
        self,
        group_id: UUID,
        contact_sub: str,
        contact: dict[str, str],
        by_sub: str,
        trace: dict[str, str],
        expected_version: int | None,
    ) -> Group:
        sealed = self.seal(contact_sub, CONTACT_RECORD, contact)
        salt = secrets.token_hex(16)
        return self.update(
            group_id, expected_version, lambda g: g.add_contact(contact_sub, sealed, salt, by_sub, trace)
        )

    def confirm_handover(
        self,
        group_id: UUID,
        by_sub: str,
        representative: dict[str, str],
        trace: dict[str, str],
        expected_version: int | None,
    ) -> Group:
        sealed = self.seal(by_sub, REPRESENTATIVE_RECORD, representative)
        salt = secrets.token_hex(16)
        return self.update(group_id, expected_version, lambda g: g.confirm_handover(by_sub, sealed, salt, trace))

    def decide_handover(
        self,
        group_id: UUID,
        new_sub: str,
        representative: dict[str, str],
        reason: str,
        by_sub: str,
        trace: dict[str, str],
        expected_version: int | None,
    ) -> Group:
        sealed = self.seal(new_sub, REPRESENTATIVE_RECORD, representative)
        salt = secrets.token_hex(16)
        return self.update(
            group_id, expected_version, lambda g: g.decide_handover(new_sub, sealed, salt, reason, by_sub, trace)
        )


def _require_declarations(declarations: dict[str, str]) -> None:
    if any(not declarations.get(c, "").strip() for c in CRITERIA):
        raise refuse("criteria_not_declared")
