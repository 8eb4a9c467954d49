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
from eventsourcing.persistence import IntegrityError, OperationalError
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
    """Holds the first transaction the recorder writes until `release()`; records the sizes of the fast-path
    transactions written (eventsourcing's insert), and can make the next one fail as the database would."""

    def __init__(self, recorder: GroupCommitRecorder, monkeypatch: pytest.MonkeyPatch) -> None:
        self.release_first = threading.Event()
        self.first_started = threading.Event()
        self.written: list[int] = []
        self.fail_next: BaseException | None = None
        original = PostgresApplicationRecorder.insert_events

        def insert(recorder_self: Any, stored_events: Any, **kwargs: Any) -> Any:
            if not self.first_started.is_set():
                self.first_started.set()
                self.release_first.wait(timeout=30)
            self.written.append(len(stored_events))
            if self.fail_next is not None and len(self.written) > 1:
                raise self.fail_next
            return original(recorder_self, stored_events, **kwargs)

        monkeypatch.setattr(PostgresApplicationRecorder, "insert_events", insert)
        self.recorder = recorder

    def queued(self) -> int:
        with self.recorder._changed:
            return len(self.recorder._queue)


def wait_for(condition: Any, what: str) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.002)


def save_in_threads(app: Tallies, aggregates: list[Tally], held: HeldFirstWrite) -> list[Any]:
    """The first command's write is held; the others arrive one after another (so their order is known) and queue
    behind it; none may return before the held write is released. Returns each save's recordings or exception."""
    outcomes: list[Any] = [None] * len(aggregates)
    returned = threading.Event()

    def save(i: int) -> None:
        try:
            outcomes[i] = app.save(aggregates[i])
        except BaseException as exc:
            outcomes[i] = exc
        if i > 0:
            returned.set()

    first = threading.Thread(target=save, args=(0,))
    first.start()
    assert held.first_started.wait(timeout=30)
    others = []
    for i in range(1, len(aggregates)):
        thread = threading.Thread(target=save, args=(i,))
        thread.start()
        others.append(thread)
        wait_for(lambda n=i: held.queued() == n, f"command {i} did not queue")
    assert not returned.is_set(), "a queued command returned before the write it waits for"
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

    assert not any(isinstance(o, BaseException) for o in outcomes), outcomes
    # The held command alone, then the five that queued behind it in one transaction (3 events each).
    assert held.written == [3, 15]
    notifications = recorder.select_notifications(start=None, limit=100)
    # In arrival order, each command's three events side by side and in version order.
    assert [(n.originator_id, n.originator_version) for n in notifications] == [
        (t.id, v) for t in tallies for v in (1, 2, 3)
    ]
    # What each save returned names its own events' notification ids.
    ids = {(n.originator_id, n.originator_version): n.id for n in notifications}
    for recordings in outcomes:
        for recording in recordings:
            event = recording.domain_event
            assert recording.notification.id == ids[(event.originator_id, event.originator_version)]
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
    # Two commands on the same version of `shared`: the one that arrives second must fail, and only it.
    one, two = app.repository.get(shared.id), app.repository.get(shared.id)
    one.mark(1)
    two.mark(2)
    bystanders = [Tally(name=f"b{i}") for i in range(3)]

    outcomes = save_in_threads(app, [first, one, *bystanders, two], held)

    # The five queued commands were tried as one transaction, which the conflict rolled back; then written again in
    # one transaction with a savepoint each (not through the fast path again).
    assert held.written == [1, 5]
    assert isinstance(outcomes[5], IntegrityError)
    assert not any(isinstance(o, BaseException) for o in outcomes[:5]), outcomes
    assert app.repository.get(shared.id).marks == [1]
    for tally in [first, *bystanders]:
        assert app.repository.get(tally.id).name == tally.name
    notifications = recorder.select_notifications(start=None, limit=100)
    assert [(n.originator_id, n.originator_version) for n in notifications] == [
        (shared.id, 1),
        (first.id, 1),
        (shared.id, 2),
        *[(b.id, 1) for b in bystanders],
    ]


def test_when_the_database_fails_a_batch_every_command_in_it_fails_with_its_own_exception(
    app: Tallies, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = app.recorder
    assert isinstance(recorder, GroupCommitRecorder)
    held = HeldFirstWrite(recorder, monkeypatch)
    held.fail_next = OperationalError("server closed the connection unexpectedly")
    tallies = [Tally(name=f"t{i}") for i in range(4)]

    outcomes = save_in_threads(app, tallies, held)

    assert not isinstance(outcomes[0], BaseException)
    failures = outcomes[1:]
    assert all(isinstance(f, OperationalError) for f in failures), failures
    assert len({id(f) for f in failures}) == 3
    assert [n.originator_id for n in recorder.select_notifications(start=None, limit=10)] == [tallies[0].id]


def test_without_group_commit_the_store_uses_eventsourcings_recorder(pg_database: str) -> None:
    settings = StoreSettings(backend="postgres", pg_dsn=pg_database, pg_schema="no_group_commit", group_commit=False)
    application = Tallies(env=eventsourcing_env(settings) | {"CREATE_TABLE": "true"})
    try:
        assert type(application.recorder) is PostgresApplicationRecorder
    finally:
        application.close()


def test_a_save_of_several_megabytes_is_written_outside_the_pipeline_whole_and_in_order(app: Tallies) -> None:
    # psycopg's pipeline mode deadlocked on an insert of this size (bench/RESULTS.md, issue 15): 8 MB hung every time.
    recorder = app.recorder
    assert isinstance(recorder, GroupCommitRecorder)
    tallies = [Tally(f"{n:05d}-" + "x" * 2000) for n in range(4000)]
    app.save(*tallies)
    notifications = recorder.select_notifications(start=None, limit=5000)
    assert [n.originator_id for n in notifications] == [t.id for t in tallies]
    # A version conflict in such a save refuses it whole, as eventsourcing's own insert would.
    stale: Tally = app.repository.get(tallies[0].id)
    current: Tally = app.repository.get(tallies[0].id)
    current.mark(1)
    app.save(current)
    stale.mark(2)
    with pytest.raises(IntegrityError):
        app.save(*[Tally(f"again-{n}-" + "x" * 2000) for n in range(600)], stale)
    assert len(recorder.select_notifications(start=None, limit=10000)) == 4001
