"""What every registry use case shares: the constructor's dependencies, loading a group once at the version the
caller saw, deciding from the registry's own data who may act, and saving (with the renewal timer).

Dependencies come in through the constructor (the composition root, `main`, builds them): the key vault for
personal data, the service's clock, its durable timers, the document store and the database its group index
lives in.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.application import Application

from kyodo_registry.documents import DocumentStore
from kyodo_registry.domain import REGISTERED, Group
from kyodo_shared.domain.actors import Actor
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.domain.refusals import Expected, Refusal, check_version
from kyodo_shared.privacy.vault import KeyVault
from kyodo_shared.store.aggregates import get
from kyodo_shared.store.db import Database
from kyodo_shared.tasks.timers import Timers

LAPSE_TIMER = "registry.renewal.lapse"
# Renewal opens this many days before the due date.
RENEWAL_WINDOW_DAYS = 90


def one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def lapse_time(due: date) -> datetime:
    """Overdue once the due date has ended in Tokyo."""
    return datetime.combine(due + timedelta(days=1), time(0, 0), TOKYO)


class RegistryBase(Application[UUID]):
    """The eventsourcing Application of the registry, with its dependencies and the helpers of every command."""

    name = "registry"

    def __init__(
        self,
        *,
        env: dict[str, str],
        vault: KeyVault,
        clock: Callable[[], datetime],
        timers: Timers,
        documents: DocumentStore,
        db: Database,
    ) -> None:
        super().__init__(env=env)
        # Personal data is encrypted per person before it reaches an event; due dates and receipt times come
        # from the clock here, never from inside an event.
        self.vault, self.clock, self.timers, self.documents, self.db = vault, clock, timers, documents, db

    def today(self) -> date:
        return self.clock().astimezone(TOKYO).date()

    def seal(self, sub: str, record_kind: str, fields: dict[str, str]) -> dict[str, str]:
        return self.vault.encrypt(sub, record_kind, fields, self.clock())

    # --- loading and who may act ----------------------------------------------------------------------------

    def get_group(self, group_id: UUID) -> Group:
        return get(self.repository, group_id, Group, "group_not_found")

    def _load(self, group_id: UUID, expected: Expected) -> Group:
        """The group at the version the caller saw (If-Match; None when any version will do)."""
        group = self.get_group(group_id)
        check_version(group.version, expected)
        return group

    @staticmethod
    def _acting(group: Group, actor: Actor) -> None:
        """Representatives and contacts act only for their own group: decided from the registry's data."""
        if not group.acts_for(actor.sub):
            raise Refusal("not_acting_for_group")

    @staticmethod
    def _representative(group: Group, actor: Actor) -> None:
        if actor.sub != group.representative_sub:
            raise Refusal("not_representative")

    def _save(self, group: Group, due_before: str | None) -> Group:
        if group.status == REGISTERED and group.renewal_due and group.renewal_due != due_before:
            # Scheduled before the save: a save that fails leaves a timer whose action finds nothing to do,
            # whereas a crash after the save would otherwise leave a registration that never lapses.
            due = date.fromisoformat(group.renewal_due)
            self.timers.schedule(LAPSE_TIMER, str(group.id), lapse_time(due), {"due": due.isoformat()})
        # Every command answers with the full record (`queries.full_record`): its keys are read before the save, so
        # the answer never needs the store after the commit (a 503 then would be for a command that was written).
        self.vault.hold([group.representative, *group.contacts.values()])
        # A concurrent writer makes this save fail with IntegrityError: the API answers 409.
        self.save(group)
        return group

    def _new_tie(self, tie: dict[str, Any]) -> dict[str, Any]:
        return {"tie_id": str(uuid.uuid4()), **tie, "declared_on": self.today().isoformat(), "withdrawn": False}

    def _change(
        self,
        actor: Actor,
        expected: Expected,
        group_id: UUID,
        who: Callable[[Group], None],
        do: Callable[[Group], Any],
    ) -> Group:
        """The shape of every command on an existing group: load once, authorize, run, save."""
        group = self._load(group_id, expected)
        who(group)
        due_before = group.renewal_due
        do(group)
        return self._save(group, due_before)
