"""The org aggregates: departments and their liaison, the team over time, committee terms and officers, interests."""

from __future__ import annotations

import dataclasses
import inspect
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from kyodo_contracts.registry_org import PUBLISHED
from kyodo_registry.bus import to_contracts
from kyodo_registry.org.domain import (
    AGGREGATES,
    CHAIR,
    MEMBER,
    ORG_NAMESPACE,
    VICE_CHAIR,
    Committee,
    Department,
    Team,
    interests_id,
)
from kyodo_registry.org.visibility import EVENTS
from kyodo_registry.visibility import POLICY
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.settings import StoreSettings

from support.registry import actor, registry_app

COORD = actor("coord-1", "coordinator")

TRACE = {"correlation_id": "c", "causation_id": "c", "actor": "coord"}
SEALED = {"enc": "aes-256-gcm/v1", "person": "p", "key_id": "k", "nonce": "n", "ct": "c"}
APRIL, MARCH = date(2025, 4, 1), date(2027, 3, 31)


def committee(*members: str) -> Committee:
    board = Committee(uuid.uuid4(), "review_board", "国分寺市協働事業審査会", None, TRACE)
    for sub in members:
        board.appoint(sub, APRIL, MARCH, SEALED, "00" * 16, TRACE)
    return board


def roster(board: Committee, on: date) -> list[tuple[str, str]]:
    return [(term.member_sub, role) for term, role in board.roster_on(on)]


def refused(code: str) -> Any:
    return pytest.raises(Refusal, match=f"^{code}$")


def test_a_roster_on_a_date_shows_only_the_members_serving_that_day() -> None:
    board = committee("m-1", "m-2")
    board.appoint("m-3", date(2026, 4, 1), MARCH, SEALED, "00" * 16, TRACE)
    assert roster(board, date(2025, 3, 31)) == []
    assert roster(board, date(2025, 10, 1)) == [("m-1", MEMBER), ("m-2", MEMBER)]
    assert roster(board, date(2026, 4, 1)) == [("m-1", MEMBER), ("m-2", MEMBER), ("m-3", MEMBER)]
    assert roster(board, date(2027, 4, 1)) == []


def test_chair_and_vice_chair_are_shown_first_from_the_day_they_take_office() -> None:
    board = committee("m-1", "m-2", "m-3")
    board.change_officers("m-3", "m-2", date(2025, 5, 1), TRACE)
    assert roster(board, date(2025, 4, 30)) == [("m-1", MEMBER), ("m-2", MEMBER), ("m-3", MEMBER)]
    assert roster(board, date(2025, 5, 1)) == [("m-3", CHAIR), ("m-2", VICE_CHAIR), ("m-1", MEMBER)]


def test_refuses_a_chair_who_is_not_a_current_member() -> None:
    board = committee("m-1")
    board.appoint("m-2", date(2026, 4, 1), MARCH, SEALED, "00" * 16, TRACE)
    with refused("chair_not_member"):
        board.change_officers("outsider", None, date(2025, 5, 1), TRACE)
    with refused("chair_not_member"):
        board.change_officers("m-2", "m-1", date(2025, 5, 1), TRACE)
    with refused("vice_chair_not_member"):
        board.change_officers("m-1", "m-2", date(2025, 5, 1), TRACE)
    assert board.collect_events()[-1].__class__ is Committee.MemberAppointed


def test_refuses_the_same_member_as_chair_and_vice_chair() -> None:
    with refused("officers_must_differ"):
        committee("m-1").change_officers("m-1", "m-1", APRIL, TRACE)


def test_an_office_lapses_with_the_term_it_was_held_in() -> None:
    board = committee("m-1", "m-2")
    board.change_officers("m-1", "m-2", APRIL, TRACE)
    board.end_membership("m-1", date(2025, 9, 30), "resigned", TRACE)
    assert roster(board, date(2025, 9, 30))[0] == ("m-1", CHAIR)
    assert roster(board, date(2025, 10, 1)) == [("m-2", VICE_CHAIR)]
    # Reappointed for a new term, the former chair is a member again, not the chair.
    board.appoint("m-1", date(2026, 4, 1), date(2028, 3, 31), SEALED, "00" * 16, TRACE)
    assert roster(board, date(2026, 4, 1)) == [("m-2", VICE_CHAIR), ("m-1", MEMBER)]


def test_a_reappointment_is_a_new_term_that_must_not_overlap_the_last() -> None:
    board = committee("m-1")
    with refused("overlapping_term"):
        board.appoint("m-1", MARCH, date(2029, 3, 31), SEALED, "00" * 16, TRACE)
    board.appoint("m-1", MARCH + timedelta(days=1), date(2029, 3, 31), SEALED, "00" * 16, TRACE)
    appointed = [e for e in board.collect_events() if isinstance(e, Committee.MemberAppointed)]
    assert [e.reappointment for e in appointed] == [False, True]
    assert [t.term_start for t in board.terms] == [APRIL, date(2027, 4, 1)]


def test_refuses_a_term_that_ends_before_it_starts() -> None:
    with refused("term_out_of_order"):
        committee().appoint("m-1", MARCH, APRIL, SEALED, "00" * 16, TRACE)


def test_ending_a_membership_twice_is_refused() -> None:
    board = committee("m-1")
    board.end_membership("m-1", date(2025, 12, 31), "resigned", TRACE)
    with refused("membership_already_ended"):
        board.end_membership("m-1", date(2026, 1, 31), "other", TRACE)
    with refused("not_a_member"):
        board.end_membership("m-9", date(2026, 1, 31), "other", TRACE)


def staffed_department(*staff: str) -> Department:
    department = Department(uuid.uuid4(), "COMM", "市民生活部協働コミュニティ課", "Community Section", TRACE)
    for sub in staff:
        department.assign(sub, "主査", APRIL, TRACE)
    return department


def test_a_new_liaison_replaces_the_old_one() -> None:
    department = staffed_department("s-1", "s-2")
    department.appoint_liaison("s-1", APRIL, TRACE)
    department.appoint_liaison("s-2", date(2025, 10, 1), TRACE)
    assert department.liaison_sub == "s-2"
    appointed = [e for e in department.collect_events() if isinstance(e, Department.LiaisonAppointed)]
    assert [(e.liaison_sub, e.previous_sub) for e in appointed] == [("s-1", None), ("s-2", "s-1")]


def test_refuses_a_liaison_who_is_not_on_the_staff() -> None:
    department = staffed_department("s-1")
    with refused("liaison_not_staff"):
        department.appoint_liaison("s-9", APRIL, TRACE)
    assert department.liaison_sub is None


def test_the_liaison_cannot_leave_before_a_successor_is_appointed() -> None:
    department = staffed_department("s-1", "s-2")
    department.appoint_liaison("s-1", APRIL, TRACE)
    with refused("liaison_must_stay"):
        department.unassign("s-1", MARCH, TRACE)
    department.appoint_liaison("s-2", date(2026, 4, 1), TRACE)
    department.unassign("s-1", MARCH, TRACE)
    assert [a["staff_sub"] for a in department.history] == ["s-1"]
    with refused("not_staff"):
        department.unassign("s-1", MARCH, TRACE)


def test_the_team_on_a_date_is_answered_from_its_kept_history() -> None:
    team, dept = Team(TRACE), uuid.uuid4()
    team.join("s-1", dept, date(2025, 4, 1), TRACE)
    team.join("s-2", dept, date(2025, 6, 1), TRACE)
    team.leave("s-1", date(2025, 9, 30), TRACE)
    team.join("s-1", dept, date(2026, 4, 1), TRACE)

    def on(d: date) -> list[str]:
        return sorted(s.staff_sub for s in team.members_on(d))

    assert on(date(2025, 5, 1)) == ["s-1"]
    assert on(date(2025, 9, 30)) == ["s-1", "s-2"]
    assert on(date(2025, 10, 1)) == ["s-2"]
    assert on(date(2026, 4, 1)) == ["s-1", "s-2"]
    assert len(team.stints) == 3
    with refused("already_on_team"):
        team.join("s-2", dept, date(2026, 5, 1), TRACE)
    with refused("not_on_team"):
        team.leave("s-9", date(2026, 5, 1), TRACE)


def test_refuses_to_rejoin_the_team_within_an_earlier_stint() -> None:
    team = Team(TRACE)
    team.join("s-1", uuid.uuid4(), date(2025, 4, 1), TRACE)
    team.leave("s-1", date(2025, 9, 30), TRACE)
    with refused("stint_overlaps"):
        team.join("s-1", uuid.uuid4(), date(2025, 9, 30), TRACE)


LIBRARY_FIELDS = {"originator_id", "originator_version", "timestamp", "originator_topic", "state"}


def org_event_types() -> Iterator[type]:
    for aggregate in AGGREGATES:
        for _, member in inspect.getmembers(aggregate, inspect.isclass):
            # The library adds generic base classes (Event, Snapshot) with no fields of their own: never triggered.
            if not (issubclass(member, Aggregate.Event) and dataclasses.is_dataclass(member)):
                continue
            fields = {f.name for f in dataclasses.fields(member)} - LIBRARY_FIELDS
            if member.__qualname__.startswith(aggregate.__name__ + ".") and fields:
                yield member


def test_every_org_event_type_has_a_declared_visibility_with_a_salt_beside_personal_fields() -> None:
    assert {get_topic(t) for t in org_event_types()} == set(EVENTS)
    for event_type in org_event_types():
        topic = get_topic(event_type)
        assert POLICY.events[topic] is EVENTS[topic]
        if EVENTS[topic].needs_salt:
            assert "salt" in {f.name for f in dataclasses.fields(event_type)}
    assert not POLICY.fully_public(get_topic(Committee.MemberAppointed))


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Any]:
    application = registry_app(
        StoreSettings(backend="sqlite", sqlite_path=tmp_path / "r.sqlite"),
        tmp_path / "v.db",
        clock=lambda: datetime(2025, 6, 1, 1, tzinfo=UTC),
    )
    yield application
    application.close()


def test_a_persons_interests_live_in_one_aggregate_with_a_derived_id(app: Any) -> None:
    group = uuid.uuid4()
    assert interests_id("m-1") == uuid.uuid5(ORG_NAMESPACE, "interests:m-1")
    interests, declaration_id = app.declare_interest(actor("m-1"), None, "m-1", group, "officer", "理事")
    assert interests.id == interests_id("m-1")
    assert app.declared_interest("m-1", group) is True
    assert app.declared_interest("m-1", uuid.uuid4()) is False
    assert app.declared_interest("m-2", group) is False
    app.withdraw_interest(actor("m-1"), None, "m-1", declaration_id, "退任したため")
    # A withdrawal does not lift the recusal at once (declare, withdraw, assess): only after a cooling-off year.
    assert app.declared_interest("m-1", group) is True
    app.clock.move_to(lambda: datetime(2026, 6, 2, 1, tzinfo=UTC))
    assert app.declared_interest("m-1", group) is False
    app.clock.move_to(lambda: datetime(2025, 6, 1, 1, tzinfo=UTC))
    # Withdrawn, not deleted: the declaration is still there, and so is who recorded what.
    [(sub, kept)] = app.interests_in(group)
    assert (sub, kept.active, kept.withdrawal_reason, kept.declared_at) == (
        "m-1",
        False,
        "退任したため",
        "2025-06-01T01:00:00+00:00",
    )
    with refused("already_withdrawn"):
        app.withdraw_interest(actor("m-1"), None, "m-1", declaration_id, "再度")


def test_a_coordinator_records_a_declaration_on_a_members_behalf(app: Any) -> None:
    group = uuid.uuid4()
    app.declare_interest(actor("coord-1"), None, "m-1", group, "member", None)
    with refused("already_declared"):
        app.declare_interest(actor("m-1"), None, "m-1", group, "member", None)
    app.declare_interest(actor("m-1"), None, "m-1", group, "business", None)
    app.declare_interest(actor("coord-1"), None, "m-2", group, "close_relation", None)
    found = [(sub, d.kind, d.recorded_by) for sub, d in app.interests_in(group)]
    assert found == [("m-1", "member", "coord-1"), ("m-1", "business", "m-1"), ("m-2", "close_relation", "coord-1")]


def test_an_interest_in_a_department_is_declared_listed_and_withdrawn_beside_group_interests(app: Any) -> None:
    dept = app.create_department(COORD, "COMM", "協働コミュニティ課", None).id
    group = uuid.uuid4()
    _, in_group = app.declare_interest(actor("s-1"), None, "s-1", group, "member", None)
    interests, in_dept = app.declare_department_interest(actor("s-1"), None, "s-1", dept, "other", "2023年度まで在籍")
    # One counter over both kinds: the id names exactly one declaration of either kind.
    assert in_dept != in_group
    [declared] = interests.department_declarations
    assert (declared.department_id, declared.kind, declared.note, declared.recorded_by) == (
        dept,
        "other",
        "2023年度まで在籍",
        "s-1",
    )
    assert [d.group_id for d in interests.declarations] == [group]
    assert app.declared_department_interest("s-1", dept) is True
    assert app.declared_department_interest("s-1", uuid.uuid4()) is False
    assert app.declared_department_interest("s-2", dept) is False
    assert app.declared_interest("s-1", dept) is False  # a department is not a group
    with refused("already_declared"):
        app.declare_department_interest(actor("s-1"), None, "s-1", dept, "other", None)
    app.declare_department_interest(actor("coord-1"), None, "s-2", dept, "close_relation", None)
    assert [(sub, d.kind, d.recorded_by) for sub, d in app.interests_in_department(dept)] == [
        ("s-1", "other", "s-1"),
        ("s-2", "close_relation", "coord-1"),
    ]

    interests = app.withdraw_interest(actor("s-1"), None, "s-1", in_dept, "異動から3年が経過")
    [withdrawn] = interests.department_declarations
    assert (withdrawn.active, withdrawn.withdrawal_reason, withdrawn.withdrawn_by) == (
        False,
        "異動から3年が経過",
        "s-1",
    )
    assert interests.declarations[0].active  # the group declaration is untouched
    # The same cooling-off year as for a group.
    assert app.declared_department_interest("s-1", dept) is True
    app.clock.move_to(lambda: datetime(2026, 6, 2, 1, tzinfo=UTC))
    assert app.declared_department_interest("s-1", dept) is False
    with refused("already_withdrawn"):
        app.withdraw_interest(actor("s-1"), None, "s-1", in_dept, "再度")


def test_refuses_an_interest_in_a_department_that_does_not_exist_and_stores_nothing(app: Any) -> None:
    before = app.recorder.max_notification_id()
    with refused("not_found") as refusal:
        app.declare_department_interest(actor("s-1"), None, "s-1", uuid.uuid4(), "member", None)
    assert refusal.value.data == {"what": "department"}
    assert app.recorder.max_notification_id() == before
    assert app.interests_of("s-1") is None


def test_a_department_code_is_taken_only_once(app: Any) -> None:
    app.create_department(COORD, "COMM", "協働コミュニティ課", None)
    with refused("department_code_taken"):
        app.create_department(COORD, "COMM", "別の課", None)
    assert [d.code for d in app.departments()[0]] == ["COMM"]


def test_a_members_name_is_stored_only_encrypted_and_never_published(app: Any, tmp_path: Path) -> None:
    board = app.establish_committee(COORD, "evaluation_committee", "協働事業評価委員会", None)
    board = app.appoint_member(COORD, None, board.id, "m-1", "鈴木 一子", APRIL, MARCH)
    assert app.member_name(board.terms[0]) == "鈴木 一子"
    stored = b"".join(f.read_bytes() for f in tmp_path.glob("r.sqlite*"))
    assert "鈴木".encode() not in stored
    contracts = [
        c
        for n in app.recorder.select_notifications(start=1, limit=100)
        for c in to_contracts(app.mapper.to_domain_event(n))
    ]
    assert {type(c).__name__ for c in contracts} == {"CommitteeEstablished", "CommitteeMemberAppointed"}
    assert all("鈴木" not in json.dumps(c.model_dump(mode="json"), ensure_ascii=False) for c in contracts)
    assert app.vault.erase("m-1", datetime.now(UTC) + timedelta(days=11 * 365))
    assert app.member_name(app.get_committee(board.id).terms[0]) is None


def test_refuses_an_appointment_without_leaving_a_key_behind(app: Any) -> None:
    board = app.establish_committee(COORD, "review_board", "協働事業審査会", None)
    app.appoint_member(COORD, None, board.id, "m-1", "鈴木 一子", APRIL, MARCH)
    with refused("overlapping_term"):
        app.appoint_member(COORD, None, board.id, "m-1", "鈴木 一子", APRIL, MARCH)
    assert app.get_committee(board.id).version == 2
    assert app.vault.erasable_from("m-9") is None


def test_every_published_org_contract_is_produced_by_some_event(app: Any) -> None:
    group = uuid.uuid4()
    dept = app.create_department(COORD, "COMM", "協働コミュニティ課", None).id
    app.assign_staff(COORD, None, dept, "s-1", "主査", None)
    app.assign_staff(COORD, None, dept, "s-2", "主事", None)
    app.appoint_liaison(COORD, None, dept, "s-1", None)
    app.unassign_staff(COORD, None, dept, "s-2", None)
    app.join_team(COORD, None, "s-1", dept, None)
    app.leave_team(COORD, None, "s-1", None)
    board = app.establish_committee(COORD, "review_board", "協働事業審査会", None)
    app.appoint_member(COORD, None, board.id, "m-1", "鈴木 一子", APRIL, MARCH)
    app.change_officers(COORD, None, board.id, "m-1", None, None)
    app.elect_acting_chair(COORD, None, board.id, "proposals:call:c-1", "m-1", ["m-1"], None)
    app.end_membership(COORD, None, board.id, "m-1", None, "resigned")
    _, declaration = app.declare_interest(actor("m-1"), None, "m-1", group, "member", None)
    app.withdraw_interest(actor("m-1"), None, "m-1", declaration, "退会")
    _, declaration = app.declare_department_interest(actor("m-1"), None, "m-1", dept, "other", None)
    app.withdraw_interest(actor("m-1"), None, "m-1", declaration, "異動")
    produced = {
        type(c)
        for n in app.recorder.select_notifications(start=1, limit=100)
        for c in to_contracts(app.mapper.to_domain_event(n))
    }
    assert produced == set(PUBLISHED)
