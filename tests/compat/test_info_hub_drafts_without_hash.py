"""info_hub_0015 on a store one release behind (at info_hub_0014, its drafts holding the hash the contracts carried
then): the column goes, every row stays with its confirmations, and the consumer goes on marking the latest draft —
on SQLite (batch mode rebuilds the table) and on PostgreSQL (the column dropped in place).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from kyodo_contracts import evaluation as ev
from kyodo_info_hub import migrations
from kyodo_info_hub.bus import SUBSCRIPTIONS
from kyodo_shared.store.db import Database
from kyodo_shared.store.migrations.lineage import current_revision

from support.registry_feed import envelope, migrated_database

PROJECT, OTHER = uuid.UUID(int=0xE1), uuid.UUID(int=0xE2)
(EVALUATION,) = [s for s in SUBSCRIPTIONS if s.source == "evaluation"]


@pytest.fixture(params=["sqlite", "postgres"])
def behind(request: pytest.FixtureRequest) -> Iterator[Database]:
    """info-hub's database at info_hub_0014, with two drafts as that release stored them."""
    for database in migrated_database(request, head="info_hub_0014"):
        with database.transaction() as tx:
            for project, confirmed, sequence in ((PROJECT, "2027-04-01T09:02:00+09:00", 2), (OTHER, None, 3)):
                tx.execute(
                    "INSERT INTO evaluation_drafts (project_id, agreement_version, agreement_hash, amendment, "
                    "drafted_at, group_confirmed_at, department_confirmed_at, source_sequence) "
                    "VALUES (%s, 1, %s, FALSE, '2027-04-01T09:01:00+09:00', %s, NULL, %s)",
                    (str(project), "ab" * 32, confirmed, sequence),
                )
        yield database


def drafts(db: Database) -> list[tuple[object, ...]]:
    with db.transaction(read_only=True) as tx:
        return sorted(tx.fetchall("SELECT * FROM evaluation_drafts"), key=repr)


def test_the_upgrade_drops_the_hash_and_keeps_every_draft_with_its_confirmations(behind: Database) -> None:
    assert current_revision(behind, migrations.LINEAGE) == "info_hub_0014"
    migrations.upgrade(behind)
    assert current_revision(behind, migrations.LINEAGE) == migrations.LINEAGE.head == "info_hub_0015"
    # project_id, agreement_version, amendment, drafted_at, group/department confirmed, source_sequence: no hash.
    assert drafts(behind) == sorted(
        [
            (str(PROJECT), 1, False, "2027-04-01T09:01:00+09:00", "2027-04-01T09:02:00+09:00", None, 2),
            (str(OTHER), 1, False, "2027-04-01T09:01:00+09:00", None, None, 3),
        ],
        key=repr,
    )
    # The consumer after the upgrade: the department confirms the other project's draft (no hash to match).
    confirmed = ev.AgreementConfirmed(project_id=OTHER, partner=ev.Partner.DEPARTMENT)
    with behind.transaction() as tx:
        EVALUATION.handlers[ev.AgreementConfirmed](envelope(confirmed, 4, "evaluation"), tx)
    (other,) = [row for row in drafts(behind) if row[0] == str(OTHER)]
    # The message's time in Tokyo (support.registry_feed.AT): 2026-06-01 10:00.
    assert (other[4], other[5]) == (None, "2026-06-01T10:00:00+09:00")
