"""What every screening use case shares: the constructor's dependencies, loading an aggregate once at the version
the caller saw, and deciding from the service's own data (its view of the registry) who may act.

Dependencies come in through the constructor (the composition root, `main`, builds them): the service's clock,
its durable timers, the registry view, and the database the view and the query tables live in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from uuid import UUID

from eventsourcing.application import Application

from kyodo_screening.domain import Project, Round
from kyodo_screening.registry_view import RegistryView
from kyodo_screening.screening import Screening
from kyodo_shared.domain.actors import Actor, Role
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.domain.refusals import Expected, Refusal, check_version
from kyodo_shared.store.aggregates import find, get
from kyodo_shared.store.db import Database
from kyodo_shared.tasks.timers import Timers

SELF_CHECK_TIMER = "screening.round.self_check_deadline"
CLOSE_TIMER = "screening.round.close"
YEAR_END_TIMER = "screening.round.year_end"
RESCREEN_TIMER = "screening.rescreen"
# Team members assess one screening at once: a lost race is simply tried again.
ATTEMPTS = 8


def tokyo_midnight(day: date) -> datetime:
    """The first moment of a Tokyo calendar day (when a re-screen date comes)."""
    return datetime.combine(day, time(0, 0), tzinfo=TOKYO)


class ScreeningBase(Application[UUID]):
    """The eventsourcing Application of the screening service, with its dependencies and shared helpers."""

    name = "screening"

    def __init__(
        self,
        *,
        env: dict[str, str],
        clock: Callable[[], datetime],
        timers: Timers,
        view: RegistryView,
        db: Database,
    ) -> None:
        super().__init__(env=env)
        # Decision and answer times come from the clock here, never from inside an event.
        self.clock, self.timers, self.view, self.db = clock, timers, view, db

    def today(self) -> date:
        return self.clock().astimezone(TOKYO).date()

    # --- loading --------------------------------------------------------------------------------------------

    def get_project(self, project_id: UUID) -> Project:
        return get(self.repository, project_id, Project, "project_not_found")

    def get_round(self, round_id: UUID) -> Round:
        return get(self.repository, round_id, Round, "round_not_found")

    def find_screening(self, screening_id: UUID) -> Screening | None:
        return find(self.repository, screening_id, Screening)

    def _load_round(self, round_id: UUID, expected: Expected) -> Round:
        """The round at the version the caller saw (If-Match): 404 first, then 428 or 412."""
        found = self.get_round(round_id)
        check_version(found.version, expected)
        return found

    # --- who may act ----------------------------------------------------------------------------------------

    def _department_known(self, department_id: UUID) -> None:
        if self.view.department(str(department_id)) is None:
            raise Refusal("department_not_found")

    def _keeps_inventory(self, actor: Actor, department_id: UUID) -> None:
        """A coordinator, or a member of the department's staff today (role `staff` and the registry's roster)."""
        self._department_known(department_id)
        if actor.has(Role.COORDINATOR):
            return
        if not (actor.has(Role.STAFF) and self.view.on_staff(actor.sub, str(department_id), self.today())):
            raise Refusal("not_department_staff")

    def _liaison_of(self, actor: Actor, department_id: UUID) -> None:
        """Only the department's liaison answers its self-check: appointed by today and still on its staff, and
        signed in with the staff role (the registry's record alone is who the person is, not that they act as the
        department's staff now)."""
        today = self.today()
        if not (actor.has(Role.STAFF) and self.view.is_liaison(actor.sub, str(department_id), today)):
            raise Refusal("not_liaison")
