"""Group commit at the application: concurrent commands' events are written in one store transaction.

Why: eventsourcing keeps commit order = notification order by taking `LOCK TABLE ... IN EXCLUSIVE MODE` in every
transaction that inserts events, so inserts are serialised through each commit's WAL flush, and every command pays
its own BEGIN, LOCK, NOTIFY, INSERT and COMMIT. While one transaction is being written, the commands that arrive
queue here instead of at the table lock; the next writer takes them all and writes them as one transaction, in
arrival order (one INSERT of all their events, one lock, one flush). The guarantees are the store's own: the events
of one command stay contiguous and in order, commit order is still notification order, commit is synchronous, and
nothing returns before its transaction committed.

A command the database refuses (a version conflict: another command saved the same aggregate first) fails the
batch's fast path, which then changes nothing; the batch is written again in one transaction with each command in
its own savepoint, so only the refused command fails, with the error eventsourcing would have raised for it alone
(hot aggregates — a call's gate in its last hour — pay one wasted attempt, not one transaction per command). The
database or connection failing (after eventsourcing's own retries) fails every command of the batch, each with its
own exception. A command alone in the queue is written at once: no waiting for company.

Applies to the application recorder on PostgreSQL (named by `APPLICATION_RECORDER_TOPIC`, store/eventstore.py).
Writes with tracking (a consumer's process recorder) go through eventsourcing's path unchanged.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import psycopg
from eventsourcing import persistence
from eventsourcing.persistence import InterfaceError, OperationalError, PersistenceError, StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder, PostgresApplicationRecorder

from kyodo_shared.store.breaker import StoreUnavailable

# A save whose events hold more than this is written outside psycopg's pipeline mode (`_insert_without_pipeline`).
PIPELINE_LIMIT_BYTES = 1024 * 1024
# Errors that say nothing about one command's events: the batch as a whole failed (StoreUnavailable: the breaker
# refused before anything was sent).
_WHOLE_BATCH = (OperationalError, InterfaceError, StoreUnavailable)
# psycopg's per-statement refusals, as eventsourcing names them (its datastore translates them the same way).
_REFUSALS: tuple[tuple[type[psycopg.Error], type[PersistenceError]], ...] = (
    (psycopg.IntegrityError, persistence.IntegrityError),
    (psycopg.DataError, persistence.DataError),
    (psycopg.InternalError, persistence.InternalError),
    (psycopg.ProgrammingError, persistence.ProgrammingError),
    (psycopg.NotSupportedError, persistence.NotSupportedError),
)


class _Pending:
    """One command's events, waiting to be written; then its notification ids, or its error."""

    __slots__ = ("done", "error", "events", "ids", "written")

    def __init__(self, events: list[StoredEvent]) -> None:
        self.events = events
        self.ids: Sequence[int] | None = None
        self.error: BaseException | None = None
        self.written = False
        self.done = False

    def outcome(self) -> Sequence[int] | None:
        if self.error is not None:
            raise self.error
        if not self.written:
            # The writer stopped without an answer (interrupted): whether these events committed is unknown.
            raise PersistenceError("the group commit's writer stopped before answering; outcome unknown")
        return self.ids


def _own_copy(error: Exception) -> Exception:
    """The batch's error for one more command: its own exception object (threads must not share a traceback)."""
    try:
        copy = type(error)(*error.args)
    except Exception:  # noqa: BLE001 - an exception type with another constructor
        copy = PersistenceError(str(error))
    copy.__cause__ = error
    return copy


class GroupCommitRecorder(PostgresApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._changed = threading.Condition()
        self._queue: list[_Pending] = []
        self._writing = False

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        # eventsourcing passes `tracking=None` with every application save; anything more is not batched.
        if any(value is not None for value in kwargs.values()) or not stored_events:
            ids: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
            return ids
        if sum(len(event.state) for event in stored_events) > PIPELINE_LIMIT_BYTES:
            return self._insert_without_pipeline(stored_events)
        pending = _Pending(list(stored_events))
        with self._changed:
            self._queue.append(pending)
            while self._writing and not pending.done:
                self._changed.wait()
            if pending.done:
                return pending.outcome()
            # No writer: this thread writes everything queued so far, in arrival order.
            self._writing = True
            batch, self._queue = self._queue, []
        try:
            self._write(batch)
        finally:
            with self._changed:
                for item in batch:
                    item.done = True
                self._writing = False
                self._changed.notify_all()
        return pending.outcome()

    def _write(self, batch: list[_Pending]) -> None:
        try:
            ids = super().insert_events([event for item in batch for event in item.events])
        except _WHOLE_BATCH as exc:
            self._fail(batch, exc)
            return
        except PersistenceError as exc:
            if len(batch) == 1:
                # Alone, the command's own refusal is its answer, exactly as eventsourcing raised it.
                batch[0].error, batch[0].written = exc, True
            else:
                self._each_in_its_savepoint(batch)
            return
        position = 0
        for item in batch:
            if ids is not None:
                item.ids = ids[position : position + len(item.events)]
            item.written = True
            position += len(item.events)

    def _insert_without_pipeline(self, stored_events: Sequence[StoredEvent]) -> Sequence[int] | None:
        """One large save (an inventory import of thousands of rows) in a plain transaction: the same table lock,
        notification and insert as eventsourcing's, but not in psycopg's pipeline mode, where a statement of several
        MB can deadlock — psycopg 3.3's last send before the sync leaves bytes unsent while it waits to read, and the
        server waits for them, holding the table lock for every other writer (bench/RESULTS.md, issue 15: 6 MB hung
        3 of 5 times, 8 MB always). It is written alone; concurrent commands queue behind its table lock as usual."""
        try:
            with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
                self._lock_table(curs)
                self._notify_channel(curs)
                PostgresAggregateRecorder._insert_stored_events(self, curs, stored_events)
                ids: Sequence[int] | None = self._fetch_ids_after_insert_events(curs, stored_events)
                return ids
        except psycopg.Error as exc:
            refusal = next((ours for theirs, ours in _REFUSALS if isinstance(exc, theirs)), None)
            if refusal is None:
                raise
            raise refusal(str(exc)) from exc

    def _each_in_its_savepoint(self, batch: list[_Pending]) -> None:
        """One transaction again, each command in its own savepoint: a refused command is rolled back alone."""
        try:
            with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
                self._lock_table(curs)
                self._notify_channel(curs)
                for item in batch:
                    try:
                        with conn.transaction():  # SAVEPOINT ... RELEASE, or ROLLBACK TO on an error
                            PostgresAggregateRecorder._insert_stored_events(self, curs, item.events)
                            item.ids = self._fetch_ids_after_insert_events(curs, item.events)
                    except psycopg.Error as exc:
                        refusal = next((ours for theirs, ours in _REFUSALS if isinstance(exc, theirs)), None)
                        if refusal is None:
                            raise
                        item.error = refusal(str(exc))
                        item.error.__cause__ = exc
                        item.ids = None
        except Exception as exc:  # noqa: BLE001 - the transaction failed as a whole: every command hears why
            for item in batch:
                item.ids = None
            self._fail(batch, exc)
            return
        for item in batch:
            item.written = True

    @staticmethod
    def _fail(batch: list[_Pending], error: Exception) -> None:
        for index, item in enumerate(batch):
            item.error = error if index == 0 else _own_copy(error)
            item.written = True
