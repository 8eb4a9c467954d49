"""The evaluation service's read model of the registry keeps each committee's names, and reading the registry's
stream again from its beginning (as evaluation_0002 makes the consumer do) leaves every `reg_*` row as it was.

Real contract envelopes go through the service's own handlers, one message per transaction as its consumer applies
them, into a database migrated by the service's lineage (SQLite file and a fresh PostgreSQL database).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from kyodo_contracts import Contract
from kyodo_contracts import registry as r
from kyodo_contracts import registry_org as o
from kyodo_evaluation import bus_registry, migrations
from kyodo_evaluation.registry_view import CommitteeName, RegistryView
from kyodo_shared.bus.cloudevents import Envelope
from kyodo_shared.store.db import Database

from support.read_models import apply as apply_each
from support.read_models import envelopes, migrated_database, rows

AT = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)
GROUP, DEPT = uuid.UUID(int=0x61), uuid.UUID(int=0xD1)
COMMITTEE, BOARD, UNHEARD = uuid.UUID(int=0xC1), uuid.UUID(int=0xC2), uuid.UUID(int=0xC3)
EVALUATION = o.CommitteeKind.EVALUATION_COMMITTEE


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest) -> Iterator[Database]:
    yield from migrated_database(request, "evaluation", migrations.upgrade)


def apply(db: Database, messages: list[Envelope]) -> None:
    apply_each(db, bus_registry.HANDLERS, messages)


def appointed(committee: uuid.UUID, sub: str, start: date, end: date) -> Contract:
    return o.CommitteeMemberAppointed(
        committee_id=committee,
        committee_kind=EVALUATION,
        member_sub=sub,
        term_start=start,
        term_end=end,
        reappointment=False,
    )


def test_a_committee_is_read_with_the_names_it_was_established_with(db: Database) -> None:
    view = RegistryView(db)
    apply(
        db,
        envelopes(
            AT,
            o.CommitteeEstablished(committee_id=COMMITTEE, kind=EVALUATION, name_ja="協働事業評価委員会"),
            o.CommitteeEstablished(
                committee_id=BOARD,
                kind=o.CommitteeKind.REVIEW_BOARD,
                name_ja="協働事業審査会",
                name_en="Collaboration Review Board",
            ),
            appointed(COMMITTEE, "m1", date(2026, 4, 1), date(2028, 3, 31)),
        ),
    )
    assert view.committee_name(str(COMMITTEE)) == CommitteeName("協働事業評価委員会", None)
    assert view.committee_name(str(BOARD)) == CommitteeName("協働事業審査会", "Collaboration Review Board")
    assert view.committee_name(str(UNHEARD)) is None
    assert view.evaluation_committees() == [str(COMMITTEE)]


def test_a_committee_known_by_a_members_appointment_first_gets_its_names_when_its_establishment_is_read(
    db: Database,
) -> None:
    view = RegistryView(db)
    apply(db, envelopes(AT, appointed(COMMITTEE, "m1", date(2026, 4, 1), date(2028, 3, 31))))
    assert view.committee_kind(str(COMMITTEE)) == "evaluation_committee"
    assert view.committee_name(str(COMMITTEE)) is None
    apply(db, envelopes(AT, o.CommitteeEstablished(committee_id=COMMITTEE, kind=EVALUATION, name_ja="評価委員会")))
    assert view.committee_name(str(COMMITTEE)) == CommitteeName("評価委員会", None)
    assert view.board(str(COMMITTEE), date(2026, 6, 1)).members == ("m1",)


def history() -> list[Envelope]:
    """A registry stream touching every read model, with what reading it twice could undo: a staff member who left
    and came back, a member whose term ended early and was appointed again, an acting chair elected twice, a contact
    who became the representative, an interest withdrawn."""
    start, end = date(2026, 4, 1), date(2028, 3, 31)
    matter = "evaluation:project:p1"
    return envelopes(
        AT,
        r.GroupRegistered(
            group_id=GROUP,
            profile=r.GroupProfile(name="みどりの会", purpose="目的", fields_of_activity=["福祉"], area="本町"),
            representative_sub="rep",
        ),
        r.GroupContactAdded(group_id=GROUP, contact_sub="contact"),
        r.GroupRepresentativeChanged(group_id=GROUP, representative_sub="contact", previous_sub="rep"),
        r.GroupContactAdded(group_id=GROUP, contact_sub="rep"),
        o.DepartmentCreated(department_id=DEPT, code="P01", name_ja="公園緑地課", name_en="Parks"),
        o.StaffAssigned(department_id=DEPT, staff_sub="s", job_title="主任", since=date(2026, 4, 1)),
        o.LiaisonAppointed(department_id=DEPT, liaison_sub="s", since=date(2026, 4, 1)),
        o.StaffAssigned(department_id=DEPT, staff_sub="t", job_title="主事", since=date(2026, 4, 1)),
        o.StaffUnassigned(department_id=DEPT, staff_sub="t", until=date(2026, 9, 30)),
        o.StaffAssigned(department_id=DEPT, staff_sub="t", job_title="主事", since=date(2027, 4, 1)),
        o.CommitteeEstablished(committee_id=COMMITTEE, kind=EVALUATION, name_ja="評価委員会", name_en="Committee"),
        appointed(COMMITTEE, "chair", start, end),
        appointed(COMMITTEE, "m1", start, end),
        o.CommitteeOfficersChanged(
            committee_id=COMMITTEE, committee_kind=EVALUATION, chair_sub="chair", effective_on=start
        ),
        o.CommitteeMembershipEnded(
            committee_id=COMMITTEE,
            committee_kind=EVALUATION,
            member_sub="m1",
            ended_on=date(2026, 12, 31),
            reason=o.MembershipEndReason.RESIGNED,
        ),
        appointed(COMMITTEE, "m1", date(2027, 4, 1), end),
        o.CommitteeActingChairElected(
            committee_id=COMMITTEE,
            committee_kind=EVALUATION,
            matter=matter,
            acting_chair_sub="m1",
            elector_subs=["m1", "chair"],
            elected_on=start,
        ),
        o.CommitteeActingChairElected(
            committee_id=COMMITTEE,
            committee_kind=EVALUATION,
            matter=matter,
            acting_chair_sub="chair",
            elector_subs=["chair"],
            elected_on=date(2026, 5, 1),
        ),
        o.InterestDeclared(
            declaration_id=uuid.UUID(int=0x901),
            person_sub="m1",
            group_id=GROUP,
            kind=o.InterestKind.MEMBER,
            declared_at=AT,
            recorded_by="m1",
        ),
        o.InterestWithdrawn(
            declaration_id=uuid.UUID(int=0x901),
            person_sub="m1",
            group_id=GROUP,
            kind=o.InterestKind.MEMBER,
            reason="退会",
            withdrawn_at=AT,
            recorded_by="m1",
        ),
    )


def test_the_registrys_stream_read_again_from_its_beginning_leaves_every_row_as_it_was(db: Database) -> None:
    view = RegistryView(db)
    messages = history()
    apply(db, messages)
    once = rows(db, bus_registry.READ_MODELS)
    apply(db, messages)
    assert rows(db, bus_registry.READ_MODELS) == once
    # What reading it again could have undone: the staff member back since April 2027 is on staff, and the member
    # appointed again serves.
    assert view.on_staff("t", str(DEPT), date(2027, 5, 1))
    assert not view.on_staff("t", str(DEPT), date(2026, 12, 1))
    assert view.board(str(COMMITTEE), date(2027, 5, 1)).members == ("chair", "m1")
    assert view.board(str(COMMITTEE), date(2027, 1, 15)).members == ("chair",)
    assert view.committee_name(str(COMMITTEE)) == CommitteeName("評価委員会", "Committee")
