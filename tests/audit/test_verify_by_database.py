"""An auditor with database access: an untouched history verifies, and every kind of tampering is found."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kyodo_registry.app import RegistryApplication
from kyodo_shared.audit.chain import GENESIS, Chainer, ChainStore, next_link, state_hash
from kyodo_shared.audit.history import StoredHistory
from kyodo_shared.audit.local import verify_local
from kyodo_shared.audit.verify import PinFile
from kyodo_shared.settings import StoreSettings
from kyodo_shared.store.db import SqliteDatabase
from kyodo_shared.store.eventstore import eventsourcing_env

from support.audit import History, on_both_backends
from support.registry import apply_directly, registry_app


def build(history: History, groups: int = 3) -> None:
    for n in range(groups):
        history.add_group(f"g{n}")
    history.chain_and_sign()


@on_both_backends
def test_an_untouched_history_verifies_clean(history: History) -> None:
    build(history)
    report = history.verify()
    assert report.ok, report.as_dict()
    # Three applications, then the checkpoint log's two events (opened, signed).
    assert report.events == 5
    assert report.checkpoints_valid == 1


@on_both_backends
def test_an_altered_event_is_reported_at_its_position(history: History) -> None:
    build(history)
    history.alter_state(2, "g1", "gX")
    report = history.verify()
    assert not report.ok
    assert (report.findings[0].position, report.findings[0].kind) == (2, "altered")


@on_both_backends
def test_a_deleted_event_is_reported_at_its_position(history: History) -> None:
    build(history)
    history.delete_event(2)
    report = history.verify()
    assert (report.first_problem, report.findings[0].kind) == (2, "deleted")


@on_both_backends
def test_two_swapped_events_are_reported_as_reordered(history: History) -> None:
    build(history)
    history.swap(1, 3)
    report = history.verify()
    assert (report.first_problem, report.findings[0].kind) == (1, "reordered")


@on_both_backends
def test_an_event_inserted_into_a_gap_is_reported(history: History) -> None:
    history.add_group("g0")
    history.add_group("g1")
    # Positions 2–9 never used (as after lost 409 races): a gap, which is not a deletion.
    history.leave_gap(2, to=10)
    history.chain_and_sign()
    assert history.verify().ok
    originator = history.stored_events()[0][1]
    history.insert_event(5, originator, 2, "kyodo_registry.domain:Group.Registered", b"{}")
    report = history.verify()
    assert (report.first_problem, report.findings[0].kind) == (5, "inserted")


@on_both_backends
def test_an_alteration_with_every_stored_link_rewritten_is_caught_by_the_signed_checkpoint(history: History) -> None:
    build(history)
    history.alter_state(2, "g1", "gX")
    # The attacker recomputes the whole chain table so that it matches the altered events.
    link = GENESIS
    for position, originator, version, topic, state in history.stored_events():
        hashed = state_hash(state)
        link = next_link(link, position, str(originator), version, topic, hashed)
        history.sql(
            "UPDATE kyodo_audit_chain SET state_hash = %s, link = %s WHERE notification_id = %s",
            (hashed.hex(), link.hex(), position),
        )
    report = history.verify()
    assert [f.kind for f in report.findings] == ["checkpoint_mismatch"]
    assert report.findings[0].position == 3


def test_a_snapshot_that_differs_from_its_events_is_reported(tmp_path: Path) -> None:
    store = StoreSettings(backend="sqlite", sqlite_path=tmp_path / "snap.sqlite")
    app: RegistryApplication = registry_app(store, tmp_path / "vault.sqlite")
    app.close()
    env = {**eventsourcing_env(store), "IS_SNAPSHOTTING_ENABLED": "y"}
    snapshotting = RegistryApplication(
        env=env, vault=app.vault, clock=app.clock, timers=app.timers, documents=app.documents, db=app.db
    )
    db = SqliteDatabase(store.sqlite_path)
    chain = ChainStore(db)
    chain.migrate()
    try:
        group_id = apply_directly(snapshotting, "g", "rep", {"name": "x"}).id
        snapshotting.take_snapshot(group_id)
        Chainer(snapshotting, chain).extend()
        pins = PinFile(tmp_path / "pins.json")
        assert verify_local("registry", snapshotting, chain, {}, pins).ok
        with sqlite3.connect(store.sqlite_path) as conn:
            conn.execute(
                "UPDATE stored_snapshots SET state = "
                "CAST(REPLACE(CAST(state AS TEXT), 'under_review', 'registered') AS BLOB)"
            )
        report = verify_local("registry", snapshotting, chain, {}, pins)
        assert [f.kind for f in report.findings] == ["snapshot_differs"]
    finally:
        snapshotting.close()
        db.close()


@on_both_backends
def test_a_live_store_verifies_clean_while_events_are_written_and_chained(history: History) -> None:
    history.add_group("g0")
    history.chain_and_sign()
    calls = 0

    def write_meanwhile(position: int) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            # The service stores and chains more events while the verifier is reading the history.
            history.add_group("written-meanwhile")
            Chainer(history.app, history.chain).extend()

    report = verify_local(
        "registry", history.app, history.chain, dict(history.keys.public), history.pins, on_progress=write_meanwhile
    )
    assert calls >= 1
    assert report.ok, report.as_dict()
    assert report.events == 3  # the range fixed when the verification began


def test_the_walk_reads_a_store_in_a_folder_named_with_uri_characters(history: History, tmp_path: Path) -> None:
    # '?' and '#' end a file: URI's path, '%' escapes, a space is not allowed: the walk must open this very file.
    build(history)
    folder = tmp_path / "data #1? 100% full"
    folder.mkdir()
    copy = folder / "registry.sqlite"
    with sqlite3.connect(history.path) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    with sqlite3.connect(copy) as conn:
        conn.execute(
            "UPDATE stored_events SET state = CAST(REPLACE(CAST(state AS TEXT), 'g1', 'gX') AS BLOB) WHERE rowid = 2"
        )
    db = SqliteDatabase(copy)
    try:
        walked = list(StoredHistory(db, history.app.recorder).walk(0, 5))
    finally:
        db.close()
    original = list(StoredHistory(history.db, history.app.recorder).walk(0, 5))
    assert len(walked) == 5
    # The copy's own content: its altered event hashes differently, everything else as in the original.
    assert [row[0] for row in walked if row != original[row[0] - 1]] == [2]
    assert walked[1][4] != original[1][4]
