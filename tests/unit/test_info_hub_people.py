"""info-hub's view of who acts for whom (`bus/people.py`, `people_view.py`) and the directory it leans on, fed with
real contract envelopes through info-hub's own handlers, one message per transaction as its consumer applies them,
into a database migrated by info-hub's lineage (SQLite file and a fresh PostgreSQL database).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from kyodo_contracts import Contract
from kyodo_contracts import registry as r
from kyodo_contracts import registry_org as o
from kyodo_info_hub.bus import people
from kyodo_info_hub.people_view import PeopleView
from kyodo_shared.store.db import Database

from support.registry_feed import apply, migrated_database

GROUP, DEPT = uuid.UUID(int=0x61), uuid.UUID(int=0xD1)
PROFILE = r.GroupProfile(name="本町子ども食堂", purpose="子どもの居場所", fields_of_activity=["子育て"], area="本町")


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest) -> Iterator[Database]:
    yield from migrated_database(request)


def test_a_group_s_people_are_its_representative_and_contacts_while_it_is_in_the_directory(db: Database) -> None:
    view = PeopleView(db)
    apply(db, [r.GroupApplied(group_id=GROUP, profile=PROFILE, representative_sub="rep-a")])
    assert view.groups_of("rep-a") == []  # an application is not in the directory: nobody acts for it yet
    apply(
        db,
        [
            r.GroupRegistered(group_id=GROUP, profile=PROFILE, representative_sub="rep-a"),
            r.GroupContactAdded(group_id=GROUP, contact_sub="contact-b"),
            r.GroupContactAdded(group_id=GROUP, contact_sub="contact-c"),
            # The contact who becomes representative stops being a contact; the old representative leaves.
            r.GroupRepresentativeChanged(group_id=GROUP, representative_sub="contact-b", previous_sub="rep-a"),
            r.GroupContactRemoved(group_id=GROUP, contact_sub="contact-c"),
        ],
        first=2,
    )
    assert view.groups_of("contact-b") == [str(GROUP)]
    assert view.acts_for("contact-b", str(GROUP), registered_only=True)
    assert not view.acts_for("rep-a", str(GROUP))
    assert not view.acts_for("contact-c", str(GROUP))
    apply(db, [r.GroupSuspended(group_id=GROUP, reason="調査中")], first=7)
    assert view.acts_for("contact-b", str(GROUP))  # suspended: still in the directory
    assert not view.acts_for("contact-b", str(GROUP), registered_only=True)
    apply(db, [r.GroupDissolved(group_id=GROUP, reason="解散")], first=8)
    assert view.groups_of("contact-b") == []


def test_the_stream_read_again_from_the_start_never_takes_the_directory_back_to_an_older_state(db: Database) -> None:
    view = PeopleView(db)
    history: list[Contract] = [
        r.GroupApplied(group_id=GROUP, profile=PROFILE, representative_sub="rep-a"),
        r.GroupRegistered(group_id=GROUP, profile=PROFILE, representative_sub="rep-a"),
        r.GroupSuspended(group_id=GROUP, reason="調査中"),
    ]
    apply(db, history)
    # info_hub_0004 forgets the tracking: the consumer applies the same messages again, from sequence 1.
    apply(db, history[:2])
    card = view.group(str(GROUP))
    assert card is not None
    assert card.status == "suspended"
    assert view.registered_groups() == []


def test_a_department_s_liaison_on_a_day_is_the_latest_appointed_by_then_and_staff_by_their_assignment(
    db: Database,
) -> None:
    view = PeopleView(db)
    apply(
        db,
        [
            o.DepartmentCreated(department_id=DEPT, code="kosodate", name_ja="子育て支援課"),
            o.StaffAssigned(department_id=DEPT, staff_sub="s-1", job_title="主事", since=date(2026, 4, 1)),
            o.LiaisonAppointed(department_id=DEPT, liaison_sub="s-1", since=date(2026, 4, 1)),
            o.LiaisonAppointed(
                department_id=DEPT, liaison_sub="s-2", previous_liaison_sub="s-1", since=date(2026, 10, 1)
            ),
            o.StaffUnassigned(department_id=DEPT, staff_sub="s-1", until=date(2026, 12, 31)),
        ],
    )
    assert view.liaison_departments("s-1", date(2026, 9, 30)) == [str(DEPT)]
    assert view.liaison_departments("s-1", date(2026, 10, 1)) == []
    assert view.is_liaison("s-2", str(DEPT), date(2026, 10, 1))
    assert view.staff_departments("s-1", date(2026, 12, 31)) == [str(DEPT)]
    assert view.staff_departments("s-1", date(2027, 1, 1)) == []
    assert view.department_name(str(DEPT)) == ("子育て支援課", None)


def people_rows(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    with db.transaction(read_only=True) as tx:
        return {table: sorted(tx.fetchall(f"SELECT * FROM {table}"), key=repr) for table in people.TABLES}


def test_the_stream_read_again_from_the_start_leaves_a_staff_member_s_later_assignment_running(db: Database) -> None:
    view = PeopleView(db)
    history: list[Contract] = [
        o.DepartmentCreated(department_id=DEPT, code="kosodate", name_ja="子育て支援課"),
        o.StaffAssigned(department_id=DEPT, staff_sub="s-1", job_title="主事", since=date(2026, 4, 1)),
        o.LiaisonAppointed(department_id=DEPT, liaison_sub="s-1", since=date(2026, 4, 1)),
        o.StaffUnassigned(department_id=DEPT, staff_sub="s-1", until=date(2026, 9, 30)),
        o.StaffAssigned(department_id=DEPT, staff_sub="s-1", job_title="主任", since=date(2027, 4, 1)),
        o.LiaisonAppointed(department_id=DEPT, liaison_sub="s-1", since=date(2027, 4, 1)),
    ]
    apply(db, history)
    once = people_rows(db)
    # info_hub_0012 forgets the tracking: the consumer applies the same messages again, from sequence 1.
    apply(db, history)
    assert people_rows(db) == once
    assert view.staff_departments("s-1", date(2027, 5, 1)) == [str(DEPT)]
    assert view.staff_departments("s-1", date(2026, 12, 1)) == []
    assert view.is_liaison("s-1", str(DEPT), date(2027, 5, 1))
