"""The register of declared ties on the portal's group pages (`bus/ties.py`): fed with real contract envelopes
through info-hub's registry handlers, one message per transaction, into a database migrated by info-hub's lineage
(SQLite file and a fresh PostgreSQL database)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from kyodo_contracts import Contract
from kyodo_contracts import registry as r
from kyodo_info_hub.bus.ties import DeclaredTie, ties_of
from kyodo_shared.store.db import Database

from support.registry_feed import apply, migrated_database

GROUP, OTHER = uuid.UUID(int=0x61), uuid.UUID(int=0x62)
TIE_A, TIE_B, TIE_C = uuid.UUID(int=0xA), uuid.UUID(int=0xB), uuid.UUID(int=0xC)
PROFILE = r.GroupProfile(name="本町子ども食堂", purpose="子どもの居場所", fields_of_activity=["子育て"], area="本町")


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest) -> Iterator[Database]:
    yield from migrated_database(request)


def declared(tie: uuid.UUID, group: uuid.UUID, kind: r.TieKind, counterpart: str) -> r.GroupTieDeclared:
    return r.GroupTieDeclared(group_id=group, tie_id=tie, kind=kind, counterpart=counterpart)


def test_a_group_s_register_lists_the_ties_in_force_with_when_they_were_declared_in_tokyo(db: Database) -> None:
    apply(
        db,
        [
            r.GroupRegistered(group_id=GROUP, profile=PROFILE, representative_sub="rep-a"),
            declared(TIE_A, GROUP, r.TieKind.COMMERCIAL, "本町商店会"),
            declared(TIE_B, GROUP, r.TieKind.RELIGIOUS, "本町寺"),
            declared(TIE_C, OTHER, r.TieKind.POLITICAL, "別団体の関係先"),
            r.GroupTieWithdrawn(group_id=GROUP, tie_id=TIE_B),
        ],
    )
    assert ties_of(db, str(GROUP)) == [
        DeclaredTie(str(TIE_A), "commercial", "本町商店会", "2026-06-01T10:00:00+09:00"),
    ]
    assert [tie.counterpart for tie in ties_of(db, str(OTHER))] == ["別団体の関係先"]


def test_the_history_applied_again_from_the_beginning_keeps_one_row_per_tie(db: Database) -> None:
    # info_hub_0011 makes the registry consumer read its stream again: every declaration arrives a second time.
    history: list[Contract] = [
        declared(TIE_A, GROUP, r.TieKind.OTHER, "自治会"),
        declared(TIE_B, GROUP, r.TieKind.OTHER, "PTA"),
    ]
    apply(db, history)
    apply(db, history)
    assert [tie.counterpart for tie in ties_of(db, str(GROUP))] == ["自治会", "PTA"]


def test_a_dissolved_group_leaves_its_register_with_its_directory_row(db: Database) -> None:
    apply(
        db,
        [
            r.GroupRegistered(group_id=GROUP, profile=PROFILE, representative_sub="rep-a"),
            declared(TIE_A, GROUP, r.TieKind.COMMERCIAL, "本町商店会"),
            declared(TIE_C, OTHER, r.TieKind.POLITICAL, "別団体の関係先"),
            r.GroupDissolved(group_id=GROUP, reason="解散総会の議決"),
        ],
    )
    assert ties_of(db, str(GROUP)) == []
    assert len(ties_of(db, str(OTHER))) == 1
