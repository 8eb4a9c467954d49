"""Applications before registration as `/me` reads them (`bus/applications.py`): fed with real contract envelopes
through info-hub's registry handlers, one message per transaction, into a database migrated by info-hub's lineage
(SQLite file and a fresh PostgreSQL database)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from kyodo_contracts import Contract
from kyodo_contracts import registry as r
from kyodo_info_hub.bus.applications import applications_of, awaiting_assessment
from kyodo_info_hub.people_view import PeopleView
from kyodo_shared.store.db import Database

from support.registry_feed import apply, migrated_database

ASKED, WAITING, REJECTED = uuid.UUID(int=0x71), uuid.UUID(int=0x72), uuid.UUID(int=0x73)
PROFILE = r.GroupProfile(
    name="恋ヶ窪ひろば", purpose="地域の居場所づくり", fields_of_activity=["子育て"], area="東恋ヶ窪"
)


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest) -> Iterator[Database]:
    yield from migrated_database(request)


def history() -> list[Contract]:
    return [
        r.GroupApplied(group_id=ASKED, profile=PROFILE, representative_sub="rep-asked"),
        r.GroupApplied(group_id=WAITING, profile=PROFILE, representative_sub="rep-waiting"),
        r.GroupApplied(group_id=REJECTED, profile=PROFILE, representative_sub="rep-rejected"),
        r.GroupInformationRequested(group_id=ASKED, criteria=[r.Criterion.SELF_GOVERNING], requested_by_sub="c"),
        r.GroupRejected(group_id=REJECTED, unmet=[r.UnmetCriterion(criterion=r.Criterion.PRIVATE, reason="市の一部")]),
    ]


def stages(db: Database) -> dict[uuid.UUID, str]:
    found = applications_of(db, [str(ASKED), str(WAITING), str(REJECTED)])
    return {uuid.UUID(a.group_id): a.stage for a in found}


def test_an_application_is_assessed_waits_for_information_or_is_rejected_and_its_people_act_for_it(
    db: Database,
) -> None:
    apply(db, history())
    assert stages(db) == {ASKED: "information_requested", WAITING: "assessing", REJECTED: "rejected"}
    (asked,) = applications_of(db, [str(ASKED)])
    assert asked.information_criteria == ["self_governing"]
    assert asked.name == "恋ヶ窪ひろば"
    assert [a.group_id for a in awaiting_assessment(db)] == [str(WAITING)]
    # The application's handler keeps who acts for the group too (one handler per contract).
    assert PeopleView(db).groups_of("rep-asked") == []  # not in the directory yet
    with db.transaction(read_only=True) as tx:
        assert tx.fetchone("SELECT role FROM hub_group_people WHERE sub = 'rep-asked'") == ("representative",)


def test_information_provided_reapplied_registered_rechecked_and_dissolved(db: Database) -> None:
    apply(db, history())
    registered = r.GroupRegistered(group_id=WAITING, profile=PROFILE, representative_sub="rep-waiting")
    later: list[Contract] = [
        r.GroupInformationProvided(group_id=ASKED),
        r.GroupReapplied(group_id=REJECTED, round=2, profile=PROFILE, representative_sub="rep-rejected"),
        registered,
        r.GroupRecheckOpened(group_id=WAITING, criteria=[r.Criterion.SELF_GOVERNING], cause="tie_declared"),
    ]
    apply(db, later, first=len(history()) + 1)
    assert stages(db) == {ASKED: "assessing", WAITING: "registered", REJECTED: "assessing"}
    assert {a.group_id for a in awaiting_assessment(db)} == {str(ASKED), str(REJECTED), str(WAITING)}
    apply(db, [r.GroupRecheckPassed(group_id=WAITING), r.GroupDissolved(group_id=REJECTED, reason="解散")], first=20)
    assert {a.group_id for a in awaiting_assessment(db)} == {str(ASKED)}
    # A dissolved group's application goes with it.
    assert applications_of(db, [str(REJECTED)]) == []


def test_the_history_applied_again_from_the_beginning_changes_nothing(db: Database) -> None:
    apply(db, history())
    before = stages(db)
    apply(db, history())  # the same sequences: a replay after the tracking was forgotten
    assert stages(db) == before
