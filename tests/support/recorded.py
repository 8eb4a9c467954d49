"""A Database whose transactions note each statement they run, for tests that assert what a store operation sends
(or that pause it at a chosen statement to let another thread in)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pytest

from kyodo_shared.store.db import Database, Row, Tx

# Called after each statement has run: (whether the transaction is read-only, the statement).
AfterStatement = Callable[[bool, str], None]


class Recorded:
    """A transaction that notes each statement it runs."""

    def __init__(self, tx: Tx, read_only: bool, statements: list[str], after: AfterStatement | None) -> None:
        self.backend, self._tx, self._read_only = tx.backend, tx, read_only
        self._statements, self._after = statements, after

    def _ran(self, statement: str) -> None:
        self._statements.append(statement)
        if self._after is not None:
            self._after(self._read_only, statement)

    def execute(self, statement: str, params: Sequence[Any] = ()) -> int:
        count = self._tx.execute(statement, params)
        self._ran(statement)
        return count

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        self._tx.executemany(statement, rows)
        self._ran(statement)

    def fetchone(self, statement: str, params: Sequence[Any] = ()) -> Row | None:
        row = self._tx.fetchone(statement, params)
        self._ran(statement)
        return row

    def fetchall(self, statement: str, params: Sequence[Any] = ()) -> list[Row]:
        rows = self._tx.fetchall(statement, params)
        self._ran(statement)
        return rows


Log = list[tuple[bool, list[str]]]


def recording(db: Database, monkeypatch: pytest.MonkeyPatch, after: AfterStatement | None = None) -> Log:
    """From now on, each transaction of `db` as (read_only, its statements); `after` runs after each statement."""
    log: Log = []
    original = db.transaction

    @contextmanager
    def transaction(*, read_only: bool = False) -> Iterator[Recorded]:
        statements: list[str] = []
        log.append((read_only, statements))
        with original(read_only=read_only) as tx:
            yield Recorded(tx, read_only, statements, after)

    monkeypatch.setattr(db, "transaction", transaction)
    return log


def shape(log: Log) -> list[tuple[bool, list[str]]]:
    """Each transaction as (read_only, the first word of each statement)."""
    return [(read_only, [s.split()[0] for s in statements]) for read_only, statements in log]
