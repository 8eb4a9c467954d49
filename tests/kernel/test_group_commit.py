"""Group commit (store/group_commit.py) on a real PostgreSQL: commands that arrive while another is being written
share one transaction, keep their events together and in order, and a version conflict fails only its own command.

The first writer is held inside its transaction until the others have queued, so the batching is certain rather
than left to timing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError
from eventsourcing.postgres import PostgresApplicationRecorder

from kyodo_shared.settings import StoreSettings
from kyodo_shared.store.eventstore import eventsourcing_env
from kyodo_shared.store.group_commit import GroupCommitRecorder


class Tally(Aggregate):
    @event("Opened")
    def __init__(self, name: str) -> None:
        self.name = name
        self.marks: list[int] = []

    @event("Marked")
    def mark(self, n: int) -> None:
        self.marks.append(n)


class Tallies(Application[Any]):
    pass


@pytest.fixture
def app(pg_database: str) -> Iterator[Tallies]:
    settings = StoreSettings(backend="postgres", pg_dsn=pg_database, pg_schema="group_commit", pg_pool_size=8)
    env = eventsourcing_env(settings)
    application = Tallies(env=env | {"CREATE_TABLE": "true"})
    yield application
    application.close()


class HeldFirstWrite:
    """Holds the first transaction the recorder writes until `release()`; counts the transactions written."""

    def __init__(self, recorder: GroupCommitRecorder, monkeypatch: pytest.MonkeyPatch) -> None:
        self.release_first = threading.Event()
        self.first_started = threading.Event()
        self.written: list[int] = []
        original = PostgresApplicationRecorder.insert_events

        def insert(recorder_self: Any, stored_events: Any, **kwargs: Any) -> Any:
            if not self.first_started.is_set():
                self.first_started.set()
                self.release_first.wait(timeout=30)
            self.written.append(len(stored_events))
            return original(recorder_self, stored_events, **kwargs)

        monkeypatch.setattr(PostgresApplicationRecorder, "insert_events", insert)
        self.recorder = recorder

    def queued(self) -> int:
        with self.recorder._changed:
            return len(self.recorder._queue)


def save_in_threads(app: Tallies, aggregates: list[Tally], held: HeldFirstWrite) -> list[BaseException | None]:
    outcomes: list[BaseException | None] = [None] * len(aggregates)

    def save(i: int) -> None:
        try:
            app.save(aggregates[i])
        except BaseException as exc:
            outcomes[i] = exc

    first = threading.Thread(target=save, args=(0,))
    first.start()
    assert held.first_started.wait(timeout=30)
    others = [threading.Thread(target=save, args=(i,)) for i in range(1, len(aggregates))]
    for thread in others:
        thread.start()
    deadline = time.monotonic() + 30
    while held.queued() < len(others):  # every other command is waiting behind the held write
        assert time.monotonic() < deadline, f"only {held.queued()} of {len(others)} queued"
        time.sleep(0.005)
    held.release_first.set()
    for thread in [first, *others]:
        thread.join(timeout=30)
    return outcomes


def test_commands_arriving_during_a_write_are_written_together_each_contiguous_and_in_arrival_order(
    app: Tallies, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = app.recorder
    assert isinstance(recorder, GroupCommitRecorder)
    held = HeldFirstWrite(recorder, monkeypatch)
    tallies = []
    for i in range(6):
        tally = Tally(name=f"t{i}")
        tally.mark(i)
        tally.mark(i + 100)
        tallies.append(tally)

    outcomes = save_in_threads(app, tallies, held)

    assert outcomes == [None] * 6
    # The held command alone, then the five that queued behind it in one transaction (3 events each).
    assert held.written == [3, 15]
    notifications = recorder.select_notifications(start=None, limit=100)
    assert len(notifications) == 18
    by_aggregate: dict[Any, list[int]] = {}
    for position, n in enumerate(notifications):
        by_aggregate.setdefault(n.originator_id, []).append(position)
    for positions in by_aggregate.values():
        # Each command's three events sit side by side, in version order.
        assert positions == list(range(positions[0], positions[0] + 3))
    for tally in tallies:
        assert app.repository.get(tally.id).marks == tally.marks


def test_a_version_conflict_in_a_batch_fails_only_the_conflicting_command(
    app: Tallies, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = app.recorder
    assert isinstance(recorder, GroupCommitRecorder)
    shared = Tally(name="shared")
    app.save(shared)
    held = HeldFirstWrite(recorder, monkeypatch)
    first = Tally(name="first")
    # Two commands on the same version of `shared`: whichever is written second must fail, and only it.
    one, two = app.repository.get(shared.id), app.repository.get(shared.id)
    one.mark(1)
    two.mark(2)
    bystanders = [Tally(name=f"b{i}") for i in range(3)]

    outcomes = save_in_threads(app, [first, one, *bystanders, two], held)

    assert outcomes[0] is None
    assert all(o is None for o in outcomes[2:5])
    # The five queued commands were tried as one transaction, which the conflict rolled back; then each alone.
    assert held.written == [1, 5, 1, 1, 1, 1, 1]
    failed = [i for i in (1, 5) if outcomes[i] is not None]
    assert len(failed) == 1
    assert isinstance(outcomes[failed[0]], IntegrityError)
    assert app.repository.get(shared.id).marks == ([2] if failed == [1] else [1])
    for tally in [first, *bystanders]:
        assert app.repository.get(tally.id).name == tally.name


def test_without_group_commit_the_store_uses_eventsourcings_recorder(pg_database: str) -> None:
    settings = StoreSettings(backend="postgres", pg_dsn=pg_database, pg_schema="no_group_commit", group_commit=False)
    application = Tallies(env=eventsourcing_env(settings) | {"CREATE_TABLE": "true"})
    try:
        assert type(application.recorder) is PostgresApplicationRecorder
    finally:
        application.close()
