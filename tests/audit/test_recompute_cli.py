"""The recompute's loader (from an eventsourcing notification log, by published type) and its command-line verdict."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.utils import get_topic, register_topic

from kyodo_recompute import cli, events_for_call
from kyodo_shared.audit.keys import public_key_text
from kyodo_shared.audit.visibility import VisibilityPolicy

from support.recompute import CALL_ID, KEY_ID, REVIEW_ID, scored_call


class Probe(Aggregate):
    """Stands in for the call and its review: the loader keeps events by originator, whatever their class."""

    @staticmethod
    def create_id(ident: UUID) -> UUID:
        return ident

    def __init__(self, ident: UUID) -> None:
        self.notes: list[Any] = []

    @event("Noted")
    def note(self, ref: UUID, at: datetime, tags: tuple[str, ...]) -> None:
        self.notes.append(ref)


# The probe's events published as `test.Probe.*`, as a service's visibility policy names its aggregates.
PROBE_TYPES = VisibilityPolicy(aggregates={get_topic(Probe): "test.Probe"})
WHEN = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def save_probes(app: Application, *idents: UUID) -> None:
    for ident in idents:
        probe = Probe(ident)
        probe.note(ref=ident, at=WHEN, tags=("x",))
        app.save(probe)


def test_the_loader_keeps_the_call_s_and_its_review_s_events_as_plain_json() -> None:
    app = Application()
    save_probes(app, UUID(CALL_ID), uuid4(), UUID(REVIEW_ID))
    events = events_for_call(app, PROBE_TYPES.type_of, CALL_ID.upper())
    assert [(e["originator_id"], e["originator_version"]) for e in events] == [
        (CALL_ID, 1), (CALL_ID, 2), (REVIEW_ID, 1), (REVIEW_ID, 2),
    ]  # fmt: skip
    noted = events[1]
    assert noted["type"] == "test.Probe.Noted"
    assert "topic" not in noted  # the recompute gets no Python topic to lean on
    assert (noted["state"]["ref"], noted["state"]["at"], noted["state"]["tags"]) == (CALL_ID, WHEN.isoformat(), ["x"])
    json.dumps(events)
    # An event nobody named reaches the recompute without a type, which it then ignores.
    assert {e["type"] for e in events_for_call(app, VisibilityPolicy().type_of, CALL_ID)} == {None}


def test_events_stored_under_a_module_since_renamed_load_with_the_same_type_names(tmp_path: Path) -> None:
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "store.sqlite")}
    app = Application(env=env)
    save_probes(app, UUID(CALL_ID), UUID(REVIEW_ID))
    app.close()
    # As if the probe's module had been renamed since these were stored: the store holds the old topics, which
    # resolve because the move is registered (as the kernel does for ConsumerOperations).
    old = "kyodo_tests_renamed.somewhere:Probe"
    with sqlite3.connect(tmp_path / "store.sqlite") as conn:
        moved = conn.execute("UPDATE stored_events SET topic = replace(topic, ?, ?)", (get_topic(Probe), old))
        assert moved.rowcount == 4
    register_topic(old, Probe)
    app = Application(env=env)
    try:
        events = events_for_call(app, PROBE_TYPES.type_of, CALL_ID)
    finally:
        app.close()
    assert [e["type"] for e in events] == ["test.Probe.Created", "test.Probe.Noted"] * 2


class FakeKernel:
    def __init__(self, key: Ed25519PrivateKey) -> None:
        self.application = None
        self.visibility = VisibilityPolicy()
        self.key = key

    def published_keys(self) -> dict[str, str]:
        return {KEY_ID: public_key_text(self.key.public_key())}

    def close(self) -> None:
        pass


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def test_the_command_prints_a_bilingual_verdict_and_exits_by_the_result(
    key: Ed25519PrivateKey, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "open_kernel", lambda service, data_dir: FakeKernel(key))
    monkeypatch.setattr(cli, "events_for_call", lambda app, type_of, call_id: scored_call(key).events())
    assert cli.recompute_command(CALL_ID, "proposals", tmp_path, None) == 0
    assert "AGREES" in capsys.readouterr().out
    assert cli.recompute_command(CALL_ID, "proposals", tmp_path, None, as_json=True) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    # Keys from another service's endpoint do not sign these receipts.
    keys_file = tmp_path / "keys.json"
    other = public_key_text(Ed25519PrivateKey.generate().public_key())
    keys_file.write_text(json.dumps({"service": "proposals", "keys": {KEY_ID: other}}))
    assert cli.recompute_command(CALL_ID, "proposals", tmp_path, keys_file) == 1
    out = capsys.readouterr().out
    assert "receipt_signature_invalid" in out
    assert "問題" in out
    assert cli.recompute_command("not-a-call", "proposals", tmp_path, None) == 1
