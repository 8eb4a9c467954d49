"""Group commit at the application: concurrent commands' events are written in one store transaction.

Why: eventsourcing keeps commit order = notification order by taking `LOCK TABLE ... IN EXCLUSIVE MODE` in every
transaction that inserts events, so inserts are serialised through each commit's WAL flush, and every command pays
its own BEGIN, LOCK, NOTIFY, INSERT and COMMIT. While one transaction is being written, the commands that arrive
queue here instead of at the table lock; the next writer takes them all and writes them as one transaction, in
arrival order (one INSERT of all their events, one lock, one flush). The guarantees are the store's own: the events
of one command stay contiguous and in order, commit order is still notification order, commit is synchronous, and
nothing returns before its transaction committed.

A version conflict (another command saved the same aggregate first) fails the whole batch's transaction, which
then changes nothing; each command of that batch is then written alone, so only the conflicting one fails, with
the IntegrityError it would have had without batching. Other errors (the database gone, after eventsourcing's own
retries) reach every command of the batch. A command alone in the queue is written at once: no waiting for company.

Applies to the application recorder on PostgreSQL (named by `APPLICATION_RECORDER_TOPIC`, store/eventstore.py).
Writes with tracking (a consumer's process recorder) go through eventsourcing's path unchanged.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder


class _Pending:
    """One command's events, waiting to be written; then its notification ids, or its error."""

    __slots__ = ("done", "error", "events", "ids")

    def __init__(self, events: list[StoredEvent]) -> None:
        self.events = events
        self.ids: Sequence[int] | None = None
        self.error: BaseException | None = None
        self.done = False

    def outcome(self) -> Sequence[int] | None:
        if self.error is not None:
            raise self.error
        return self.ids


class GroupCommitRecorder(PostgresApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._changed = threading.Condition()
        self._queue: list[_Pending] = []
        self._writing = False
        # Transactions written and commands in them, for the benchmark's accounting (read without the lock).
        self.transactions = 0
        self.commands = 0

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        # eventsourcing passes `tracking=None` with every application save; anything more is not batched.
        if any(value is not None for value in kwargs.values()) or not stored_events:
            ids: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
            return ids
        pending = _Pending(list(stored_events))
        with self._changed:
            self._queue.append(pending)
            while self._writing and not pending.done:
                self._changed.wait()
            if pending.done:
                return pending.outcome()
            # No writer: this thread writes everything queued so far (its own command first among them).
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
        self.transactions += 1
        self.commands += len(batch)
        if len(batch) == 1:
            self._alone(batch[0])
            return
        try:
            ids = super().insert_events([event for item in batch for event in item.events])
        except IntegrityError:
            # Someone's version conflict rolled the batch back: write each alone, so only theirs fails.
            self.transactions += len(batch)
            for item in batch:
                self._alone(item)
            return
        except BaseException as exc:  # noqa: BLE001 - handed to every command of the batch, which re-raises it
            for item in batch:
                item.error = exc
            return
        position = 0
        for item in batch:
            if ids is not None:
                item.ids = ids[position : position + len(item.events)]
            position += len(item.events)

    def _alone(self, item: _Pending) -> None:
        try:
            item.ids = super().insert_events(item.events)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the command's own thread
            item.error = exc
