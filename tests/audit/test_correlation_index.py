"""The audit API's correlation search (issue 14, P5): through the chain's index, with rows chained before the index
existed and events not chained yet still found."""

from __future__ import annotations

from kyodo_shared.audit.chain import Chainer
from kyodo_shared.audit.history import StoredHistory

from support.audit import TRACE, History


def positions(history: History, correlation_id: str) -> list[int]:
    found = StoredHistory(history.db, history.app.recorder).correlated(correlation_id, 0, 100)
    return [row[0] for row in found]


def test_a_correlation_id_is_found_through_the_index_the_chainer_writes(history: History) -> None:
    history.add_group("g0")
    history.add_group("g1")
    Chainer(history.app, history.chain).extend()
    assert history.sql("SELECT correlation_id FROM kyodo_audit_chain ORDER BY notification_id") == [
        (TRACE["correlation_id"],),
        (TRACE["correlation_id"],),
    ]
    assert positions(history, TRACE["correlation_id"]) == [1, 2]
    assert positions(history, "another") == []


def test_rows_chained_before_the_index_are_searched_until_the_chainer_indexes_them(history: History) -> None:
    history.add_group("g0")
    history.add_group("g1")
    Chainer(history.app, history.chain).extend()
    # As a store chained before kernel_0003 holds them.
    history.sql("UPDATE kyodo_audit_chain SET correlation_id = NULL")
    assert positions(history, "another") == [1, 2]  # candidates: the API checks each event's own trace
    assert Chainer(history.app, history.chain).backfill() == 2
    assert Chainer(history.app, history.chain).backfill() == 0
    assert positions(history, "another") == []
    assert positions(history, TRACE["correlation_id"]) == [1, 2]


def test_events_not_chained_yet_are_searched_after_the_chained_ones(history: History) -> None:
    history.add_group("g0")
    Chainer(history.app, history.chain).extend()
    history.add_group("g1")
    assert positions(history, TRACE["correlation_id"]) == [1, 2]
    assert positions(history, "another") == [2]  # unchained: a candidate, checked by its trace
