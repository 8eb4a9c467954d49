"""The evaluation service's read models of others' streams (registry, proposals, screening) and the views over them.

Real contract envelopes go through the service's own handlers, one message per transaction as its consumer applies
them, into a database migrated by the service's lineage (SQLite file and a fresh PostgreSQL database); the views
read them back.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from kyodo_contracts import Contract
from kyodo_contracts import proposals as p
from kyodo_contracts import registry as r
from kyodo_contracts import registry_org as o
from kyodo_contracts import screening as s
from kyodo_evaluation import bus_registry, bus_sources, migrations
from kyodo_evaluation.domain import adoption_project_id
from kyodo_evaluation.registry_view import ActingChair, Board, DepartmentRow, GroupRow, RegistryView, project_matter
from kyodo_evaluation.sources_view import ScreeningDecision, SourcesView
from kyodo_shared.bus.cloudevents import Envelope
from kyodo_shared.store.db import Database, PostgresDatabase, SqliteDatabase
from kyodo_shared.store.migrations import upgrade_kernel
from kyodo_shared.tasks.timers import PENDING, timer_id_for

from support.contract_builders import envelope, project_record

AT = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)
GROUP, OTHER_GROUP = uuid.UUID(int=0x61), uuid.UUID(int=0x62)
DEPT, OTHER_DEPT = uuid.UUID(int=0xD1), uuid.UUID(int=0xD2)
COMMITTEE, BOARD = uuid.UUID(int=0xC1), uuid.UUID(int=0xC2)
HANDLERS = {**bus_registry.HANDLERS, **bus_sources.PROPOSALS_HANDLERS, **bus_sources.SCREENING_HANDLERS}


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest) -> Iterator[Database]:
    database: Database
    if request.param == "sqlite":
        database = SqliteDatabase(request.getfixturevalue("sqlite_path"))
    else:
        database = PostgresDatabase(request.getfixturevalue("pg_database"), "evaluation", 2)
    try:
        upgrade_kernel(database)  # the timers' table
        migrations.upgrade(database)
        yield database
    finally:
        database.close()


class Feed:
    """Applies events with the service's handlers, each in its own transaction; sequences per source."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.sequences: dict[str, int] = {}

    def envelope(self, event: Contract, at: datetime = AT) -> Envelope:
        source = event.source_service()
        self.sequences[source] = self.sequences.get(source, 0) + 1
        return envelope(event, self.sequences[source], at)

    def apply(self, envelope: Envelope) -> None:
        with self.db.transaction() as tx:
            HANDLERS[type(envelope.data)](envelope, tx)

    def __call__(self, *events: Contract) -> None:
        for event in events:
            self.apply(self.envelope(event))


def profile(name: str) -> r.GroupProfile:
    return r.GroupProfile(name=name, purpose="目的", fields_of_activity=["福祉"], area="本町")


def appointed(committee: uuid.UUID, sub: str, start: date, end: date, kind: str = "evaluation_committee") -> Contract:
    return o.CommitteeMemberAppointed(
        committee_id=committee,
        committee_kind=o.CommitteeKind(kind),
        member_sub=sub,
        term_start=start,
        term_end=end,
        reappointment=False,
    )


def decision(decision_id: uuid.UUID, *, replaces: uuid.UUID | None = None, title: str = "花壇の管理") -> Contract:
    project = project_record(
        DEPT, project_id=uuid.UUID(int=0x501), fiscal_year=2026, project_number="A-001", title=title, group_ids=[GROUP]
    )
    return s.DecisionMade(
        decision_id=decision_id,
        round_id=uuid.UUID(int=0x401),
        project=project,
        outcome=s.Outcome.SUITABLE,
        forms=[s.CollaborationForm.CO_HOSTING, s.CollaborationForm.ENDORSEMENT],
        reasons_ja="理由",
        replaces=replaces,
        self_check=[],
        assessments=[],
        recusals=0,
        cycle=1,
        round_fiscal_year=2026,
        decided_at=AT,
    )


# ------------------------------------------------------------------------------------------------------- registry


def test_a_group_is_read_with_its_standing_and_the_people_who_act_for_it(db: Database) -> None:
    feed, view = Feed(db), RegistryView(db)
    feed(
        r.GroupRegistered(group_id=GROUP, profile=profile("みどりの会"), representative_sub="rep"),
        r.GroupContactAdded(group_id=GROUP, contact_sub="contact"),
        r.GroupContactAdded(group_id=GROUP, contact_sub="gone"),
        r.GroupContactRemoved(group_id=GROUP, contact_sub="gone"),
        r.GroupSuspended(group_id=GROUP, reason="理由"),
    )
    assert view.group(str(GROUP)) == GroupRow("みどりの会", "suspended", "rep")
    assert view.group(str(OTHER_GROUP)) is None
    assert view.acts_for("rep", str(GROUP))
    assert view.acts_for("contact", str(GROUP))
    assert not view.acts_for("gone", str(GROUP))
    assert not view.acts_for("rep", str(OTHER_GROUP))
    feed(r.GroupRepresentativeChanged(group_id=GROUP, representative_sub="contact", previous_sub="rep"))
    assert view.group(str(GROUP)) == GroupRow("みどりの会", "suspended", "contact")
    assert not view.acts_for("rep", str(GROUP))


def test_a_liaison_is_the_one_appointed_by_the_day_asked_about(db: Database) -> None:
    feed, view = Feed(db), RegistryView(db)
    feed(
        o.DepartmentCreated(department_id=DEPT, code="P01", name_ja="公園緑地課", name_en="Parks"),
        o.StaffAssigned(department_id=DEPT, staff_sub="a", job_title="主任", since=date(2026, 4, 1)),
        o.StaffAssigned(department_id=DEPT, staff_sub="b", job_title="主事", since=date(2026, 4, 1)),
        o.LiaisonAppointed(department_id=DEPT, liaison_sub="a", since=date(2026, 4, 1)),
        o.LiaisonAppointed(department_id=DEPT, liaison_sub="b", previous_liaison_sub="a", since=date(2026, 10, 1)),
        o.StaffUnassigned(department_id=DEPT, staff_sub="a", until=date(2026, 12, 31)),
    )
    assert view.department(str(DEPT)) == DepartmentRow("P01", "公園緑地課", "Parks")
    assert view.department(str(OTHER_DEPT)) is None
    assert not view.is_liaison("a", str(DEPT), date(2026, 3, 31))
    assert view.is_liaison("a", str(DEPT), date(2026, 4, 1))
    assert view.is_liaison("a", str(DEPT), date(2026, 9, 30))
    assert not view.is_liaison("b", str(DEPT), date(2026, 9, 30))
    assert view.is_liaison("b", str(DEPT), date(2026, 10, 1))
    assert not view.is_liaison("a", str(DEPT), date(2026, 10, 1))
    assert not view.is_liaison("b", str(OTHER_DEPT), date(2026, 10, 1))
    assert view.on_staff("a", str(DEPT), date(2026, 12, 31))
    assert not view.on_staff("a", str(DEPT), date(2027, 1, 1))
    assert not view.on_staff("a", str(DEPT), date(2026, 3, 31))


def test_a_board_on_a_day_has_the_members_whose_terms_cover_it_and_the_officers_in_effect(db: Database) -> None:
    feed, view = Feed(db), RegistryView(db)
    start, end = date(2026, 4, 1), date(2028, 3, 31)
    feed(
        o.CommitteeEstablished(committee_id=COMMITTEE, kind=o.CommitteeKind.EVALUATION_COMMITTEE, name_ja="評価委員会"),
        o.CommitteeEstablished(committee_id=BOARD, kind=o.CommitteeKind.REVIEW_BOARD, name_ja="審査会"),
        appointed(COMMITTEE, "chair", start, end),
        appointed(COMMITTEE, "vice", start, end),
        appointed(COMMITTEE, "m1", start, end),
        appointed(COMMITTEE, "late", date(2027, 4, 1), end),
        appointed(BOARD, "reviewer", start, end, kind="review_board"),
        o.CommitteeOfficersChanged(
            committee_id=COMMITTEE,
            committee_kind=o.CommitteeKind.EVALUATION_COMMITTEE,
            chair_sub="chair",
            vice_chair_sub="vice",
            effective_on=date(2026, 5, 1),
        ),
        o.CommitteeMembershipEnded(
            committee_id=COMMITTEE,
            committee_kind=o.CommitteeKind.EVALUATION_COMMITTEE,
            member_sub="chair",
            ended_on=date(2026, 12, 31),
            reason=o.MembershipEndReason.RESIGNED,
        ),
    )
    assert view.committee_kind(str(COMMITTEE)) == "evaluation_committee"
    assert view.committee_kind(str(BOARD)) == "review_board"
    assert view.committee_kind(str(uuid.UUID(int=0xC3))) is None
    assert view.evaluation_committees() == [str(COMMITTEE)]
    assert view.board(str(COMMITTEE), date(2026, 4, 15)) == Board(("chair", "m1", "vice"), None, None)
    assert view.board(str(COMMITTEE), date(2026, 6, 1)) == Board(("chair", "m1", "vice"), "chair", "vice")
    # The chair's office lapses with the membership that ended.
    assert view.board(str(COMMITTEE), date(2027, 1, 1)) == Board(("m1", "vice"), None, "vice")
    assert view.board(str(COMMITTEE), date(2027, 4, 1)) == Board(("late", "m1", "vice"), None, "vice")
    assert view.board(str(BOARD), date(2026, 6, 1)) == Board(("reviewer",), None, None)


def test_the_latest_election_of_an_acting_chair_for_a_project_is_the_one_read(db: Database) -> None:
    feed, view = Feed(db), RegistryView(db)
    project_id = str(uuid.UUID(int=0x701))
    matter = project_matter(project_id)
    assert matter == f"evaluation:project:{project_id}"

    def elected(sub: str, electors: list[str]) -> Contract:
        return o.CommitteeActingChairElected(
            committee_id=COMMITTEE,
            committee_kind=o.CommitteeKind.EVALUATION_COMMITTEE,
            matter=matter,
            acting_chair_sub=sub,
            elector_subs=electors,
            elected_on=date(2026, 6, 1),
        )

    feed(elected("m1", ["m1", "m2"]))
    assert view.acting_chair(str(COMMITTEE), matter) == ActingChair("m1", ("m1", "m2"))
    feed(elected("m2", ["m3", "m2"]))
    assert view.acting_chair(str(COMMITTEE), matter) == ActingChair("m2", ("m2", "m3"))
    assert view.acting_chair(str(COMMITTEE), project_matter("other")) is None
    assert view.committee_kind(str(COMMITTEE)) == "evaluation_committee"


def test_an_interest_in_the_group_or_in_the_department_recuses_even_once_withdrawn(db: Database) -> None:
    feed, view = Feed(db), RegistryView(db)
    in_group, in_department = uuid.UUID(int=0x901), uuid.UUID(int=0x902)
    feed(
        o.InterestDeclared(
            declaration_id=in_group,
            person_sub="g",
            group_id=GROUP,
            kind=o.InterestKind.MEMBER,
            declared_at=AT,
            recorded_by="g",
        ),
        o.DepartmentInterestDeclared(
            declaration_id=in_department,
            person_sub="d",
            department_id=DEPT,
            kind=o.InterestKind.OTHER,
            declared_at=AT,
            recorded_by="d",
        ),
    )
    assert view.interested("g", str(GROUP), str(OTHER_DEPT))
    assert view.interested("d", str(OTHER_GROUP), str(DEPT))
    assert not view.interested("g", str(OTHER_GROUP), str(DEPT))
    assert not view.interested("d", str(GROUP), str(OTHER_DEPT))
    assert not view.interested("nobody", str(GROUP), str(DEPT))
    later = AT + timedelta(days=30)
    feed(
        o.InterestWithdrawn(
            declaration_id=in_group,
            person_sub="g",
            group_id=GROUP,
            kind=o.InterestKind.MEMBER,
            reason="退会",
            withdrawn_at=later,
            recorded_by="g",
        ),
        o.DepartmentInterestWithdrawn(
            declaration_id=in_department,
            person_sub="d",
            department_id=DEPT,
            kind=o.InterestKind.OTHER,
            reason="異動",
            withdrawn_at=later,
            recorded_by="d",
        ),
    )
    assert view.interested("g", str(GROUP), str(OTHER_DEPT))
    assert view.interested("d", str(OTHER_GROUP), str(DEPT))
    with db.transaction(read_only=True) as tx:
        withdrawn = tx.fetchall("SELECT withdrawn_at FROM reg_interests ORDER BY declaration_id")
    assert [row[0] for row in withdrawn] == [later.isoformat(), later.isoformat()]


# -------------------------------------------------------------------------------------------------------- sources


def timers(db: Database) -> list[tuple[str, str, str, float, dict[str, object], str]]:
    with db.transaction(read_only=True) as tx:
        rows = tx.fetchall("SELECT timer_id, kind, aggregate_id, due_at, payload, state FROM kyodo_timers")
    return [(str(a), str(b), str(c), float(d), json.loads(str(e)), str(f)) for a, b, c, d, e, f in rows]


def test_an_adoption_is_kept_and_schedules_its_project_once_however_often_it_is_delivered(db: Database) -> None:
    feed, sources = Feed(db), SourcesView(db)
    proposal_id, call_id, screened = uuid.UUID(int=0x801), uuid.UUID(int=0x802), uuid.UUID(int=0x803)
    adopted = p.ProposalAdopted(
        call_id=call_id,
        proposal_id=proposal_id,
        group_id=GROUP,
        rank=1,
        score="87.50",
        title_ja="花壇の協働",
        screening_decision_id=screened,
    )
    envelope = feed.envelope(adopted)
    feed.apply(envelope)
    feed.apply(envelope)  # redelivered: the consumer crashed after the handler, before its ack
    project_id = adoption_project_id(proposal_id)
    assert project_id == uuid.uuid5(uuid.NAMESPACE_URL, f"kyodo:evaluation:adoption:{proposal_id}")
    payload = {
        "call_id": str(call_id),
        "proposal_id": str(proposal_id),
        "group_id": str(GROUP),
        "department_id": None,
        "title_ja": "花壇の協働",
        "screening_decision_id": str(screened),
        "rank": 1,
        "score": "87.50",
    }
    # Due at once on any clock (not at the adoption's time, which the proposals service's clock stamped).
    due = bus_sources.AT_ONCE
    timer_id = timer_id_for(bus_sources.CREATE_TIMER, str(project_id), due)
    assert timers(db) == [
        (timer_id, "evaluation.project.create", str(project_id), due.timestamp(), payload, PENDING),
    ]
    assert sources.adoption(str(proposal_id)) == {
        **payload,
        "adopted_at": AT.isoformat(),
    }
    assert sources.adoption(str(uuid.UUID(int=0x899))) is None


def test_an_adoption_naming_its_department_carries_it_to_the_project(db: Database) -> None:
    feed, sources = Feed(db), SourcesView(db)
    proposal_id = uuid.UUID(int=0x811)
    feed(
        p.ProposalAdopted(
            call_id=uuid.UUID(int=0x812),
            proposal_id=proposal_id,
            group_id=GROUP,
            rank=2,
            score="70",
            department_id=DEPT,
        )
    )
    (timer,) = timers(db)
    assert timer[2] == str(adoption_project_id(proposal_id))
    assert timer[4]["department_id"] == str(DEPT)
    assert timer[4]["title_ja"] is None
    assert timer[4]["screening_decision_id"] is None
    adoption = sources.adoption(str(proposal_id))
    assert adoption is not None
    assert adoption["department_id"] == str(DEPT)


def test_a_corrected_screening_decision_is_read_as_superseded(db: Database) -> None:
    feed, sources = Feed(db), SourcesView(db)
    first, correction = uuid.UUID(int=0xA01), uuid.UUID(int=0xA02)
    assert sources.screening_decision(str(first)) is None
    feed(decision(first))
    assert sources.screening_decision(str(first)) == ScreeningDecision(
        decision_id=str(first),
        project_id=str(uuid.UUID(int=0x501)),
        department_id=str(DEPT),
        title="花壇の管理",
        fiscal_year=2026,
        outcome="suitable",
        forms=("co_hosting", "endorsement"),
        superseded=False,
    )
    feed(decision(correction, replaces=first, title="花壇の管理（訂正）"))
    earlier, later = sources.screening_decision(str(first)), sources.screening_decision(str(correction))
    assert earlier is not None
    assert earlier.superseded
    assert earlier.title == "花壇の管理"
    assert later is not None
    assert not later.superseded
    assert later.title == "花壇の管理（訂正）"


def test_a_correction_arriving_before_the_decision_it_replaces_still_supersedes_it(db: Database) -> None:
    feed, sources = Feed(db), SourcesView(db)
    first, correction = uuid.UUID(int=0xB01), uuid.UUID(int=0xB02)
    feed(decision(correction, replaces=first))
    assert sources.screening_decision(str(first)) is None  # only the correction is known
    feed(decision(first))
    earlier = sources.screening_decision(str(first))
    assert earlier is not None
    assert earlier.superseded
    assert earlier.outcome == "suitable"
