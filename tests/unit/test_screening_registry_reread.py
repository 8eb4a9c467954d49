"""The screening service's read model of the registry (`bus_registry.py`, read through `registry_view.py`): reading
the registry's stream again from its beginning (as screening_0003 makes the consumer do) leaves every `reg_*` row as
it was — a staff member who left a department and was assigned again, and a team member who left and joined again,
keep their later assignment and stint running.

Real contract envelopes go through the service's own handlers, one message per transaction as its consumer applies
them, into a database migrated by the service's lineage (SQLite file and a fresh PostgreSQL database).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from kyodo_contracts import registry as r
from kyodo_contracts import registry_org as o
from kyodo_screening import bus_registry, migrations
from kyodo_screening.registry_view import RegistryView
from kyodo_shared.bus.cloudevents import Envelope
from kyodo_shared.store.db import Database

from support.read_models import apply, envelopes, migrated_database, rows

AT = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)
GROUP, DEPT, OTHER = uuid.UUID(int=0x61), uuid.UUID(int=0xD1), uuid.UUID(int=0xD2)


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest) -> Iterator[Database]:
    yield from migrated_database(request, "screening", migrations.upgrade)


def history() -> list[Envelope]:
    """A registry stream touching every read model, with what reading it twice could undo: a staff member who left
    and came back, a team member who left and joined again, a liaison replaced, a group suspended, an interest
    withdrawn."""
    return envelopes(
        AT,
        r.GroupRegistered(
            group_id=GROUP,
            profile=r.GroupProfile(name="みどりの会", purpose="目的", fields_of_activity=["福祉"], area="本町"),
            representative_sub="rep",
        ),
        r.GroupSuspended(group_id=GROUP, reason="調査中"),
        o.DepartmentCreated(department_id=DEPT, code="P01", name_ja="公園緑地課", name_en="Parks"),
        o.DepartmentCreated(department_id=OTHER, code="K01", name_ja="子育て支援課"),
        o.StaffAssigned(department_id=DEPT, staff_sub="s", job_title="主任", since=date(2026, 4, 1)),
        o.LiaisonAppointed(department_id=DEPT, liaison_sub="s", since=date(2026, 4, 1)),
        o.StaffAssigned(department_id=DEPT, staff_sub="t", job_title="主事", since=date(2026, 4, 1)),
        o.LiaisonAppointed(department_id=DEPT, liaison_sub="t", previous_liaison_sub="s", since=date(2026, 5, 1)),
        o.StaffUnassigned(department_id=DEPT, staff_sub="t", until=date(2026, 9, 30)),
        o.StaffAssigned(department_id=DEPT, staff_sub="t", job_title="主事", since=date(2027, 4, 1)),
        o.StaffAssigned(department_id=OTHER, staff_sub="u", job_title="主事", since=date(2026, 4, 1)),
        o.TeamMemberJoined(staff_sub="u", department_id=OTHER, joined_on=date(2026, 4, 1)),
        o.TeamMemberLeft(staff_sub="u", department_id=OTHER, left_on=date(2026, 9, 30)),
        o.TeamMemberJoined(staff_sub="u", department_id=OTHER, joined_on=date(2027, 4, 1)),
        o.InterestDeclared(
            declaration_id=uuid.UUID(int=0x901),
            person_sub="u",
            group_id=GROUP,
            kind=o.InterestKind.MEMBER,
            declared_at=AT,
            recorded_by="u",
        ),
        o.InterestWithdrawn(
            declaration_id=uuid.UUID(int=0x901),
            person_sub="u",
            group_id=GROUP,
            kind=o.InterestKind.MEMBER,
            reason="退会",
            withdrawn_at=AT,
            recorded_by="u",
        ),
    )


def test_the_registrys_stream_read_again_from_its_beginning_leaves_every_row_as_it_was(db: Database) -> None:
    view = RegistryView(db)
    messages = history()
    apply(db, bus_registry.HANDLERS, messages)
    once = rows(db, bus_registry.READ_MODELS)
    apply(db, bus_registry.HANDLERS, messages)
    assert rows(db, bus_registry.READ_MODELS) == once
    # What reading it again could have undone: the staff member back since April 2027 is on staff, and the team
    # member who joined again is on the team.
    assert view.on_staff("t", str(DEPT), date(2027, 5, 1))
    assert not view.on_staff("t", str(DEPT), date(2026, 12, 1))
    assert view.staff_departments("t", date(2027, 5, 1)) == [str(DEPT)]
    assert view.team_on(date(2027, 5, 1)) == {"u": str(OTHER)}
    assert view.team_on(date(2026, 12, 1)) == {}
    assert view.liaison(str(DEPT)) == "t"
    assert view.groups([str(GROUP)]) == [(str(GROUP), "みどりの会", "suspended")]
