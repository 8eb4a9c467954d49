"""What every use case of the center shares: the constructor's dependencies, loading an aggregate once at the
version the caller saw, and who acts for whom (from info-hub's own view of the registry).

info-hub has two halves. The portal (`app.Portal`, `api*.py`, `bus/`) shows what the other services publish. The
center (こくぶんじ市民活動センター) is info-hub's own event-sourced domain: news (`news*`), trainings, courses and
exchange meetings (`trainings*`), the coordination window (`cases*`) and opinion exchange (`exchange*`). Each part
is a mixin of `InfoHubApplication` on this base; dependencies come in through the constructor (`main` builds them).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import TypeVar
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate

from kyodo_info_hub.people_view import PeopleView
from kyodo_info_hub.settings import CenterSettings
from kyodo_shared.domain.actors import Actor, Role
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.domain.refusals import Expected, Refusal, check_version
from kyodo_shared.privacy.vault import KeyVault
from kyodo_shared.store.aggregates import find, get
from kyodo_shared.store.db import Database
from kyodo_shared.tasks.timers import Timers

A = TypeVar("A", bound=Aggregate)


def tokyo_midnight(day: date) -> datetime:
    """The first moment of a Tokyo calendar day: a date "by the end of day D" has passed at midnight of D + 1."""
    return datetime.combine(day, time(0, 0), tzinfo=TOKYO)


class InfoHubBase(Application[UUID]):
    """The eventsourcing Application of info-hub, with its dependencies and the helpers every part uses."""

    # The name of its tables and PostgreSQL application: stored data depends on it, never rename it.
    name = "info_hub"

    def __init__(
        self,
        *,
        env: dict[str, str],
        db: Database,
        clock: Callable[[], datetime],
        timers: Timers,
        vault: KeyVault,
        people: PeopleView,
        center: CenterSettings,
    ) -> None:
        super().__init__(env=env)
        # info-hub's own database: its query tables and the operational tables of the center's parts (attachments'
        # bytes, citizens' secrets and rate counts), apart from the event store's tables.
        self.db = db
        # Times come from the clock here, never from inside an event.
        self.clock, self.timers, self.vault, self.people, self.center = clock, timers, vault, people, center

    def today(self) -> date:
        return self.clock().astimezone(TOKYO).date()

    def now(self) -> datetime:
        return self.clock().astimezone(TOKYO)

    # --- loading --------------------------------------------------------------------------------------------

    def _get(self, aggregate_id: UUID, kind: type[A], not_found: str) -> A:
        return get(self.repository, aggregate_id, kind, not_found)

    def _find(self, aggregate_id: UUID, kind: type[A]) -> A | None:
        return find(self.repository, aggregate_id, kind)

    def _load(self, aggregate_id: UUID, kind: type[A], not_found: str, expected: Expected) -> A:
        """The aggregate at the version the caller saw (If-Match): 404 first, then 428 or 412."""
        aggregate = self._get(aggregate_id, kind, not_found)
        check_version(aggregate.version, expected)
        return aggregate

    # --- who acts -------------------------------------------------------------------------------------------

    def _coordinator(self, actor: Actor) -> None:
        """The center's people (コミュニティ推進担当): the role `coordinator`."""
        if not actor.has(Role.COORDINATOR):
            raise Refusal("coordinator_only")
