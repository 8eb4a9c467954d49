"""The auditor's history pages count and place their pages by SQL when only the aggregate and the type filter
(`audit/pages_paging.py`): the same rows the events API would read, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from kyodo_registry.visibility import POLICY
from kyodo_shared.audit.pages_paging import _counted

from support.audit import History, opened_history


@pytest.fixture(params=["sqlite", "postgres"])
def history(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[History]:
    pg_dsn: str = request.getfixturevalue("pg_database") if request.param == "postgres" else ""
    with opened_history(tmp_path, pg_dsn) as opened:
        yield opened


def test_the_history_pages_count_by_type_and_aggregate_and_find_each_pages_first_position(history: History) -> None:
    for name in ("みどりの会", "子ども食堂", "あおぞらの会"):
        history.add_group(name)
    kernel = SimpleNamespace(chain=history.chain, application=history.app, visibility=POLICY)
    stored = history.stored_events()
    applied = [(position, oid) for position, oid, _, topic, _ in stored if topic.endswith("Group.Applied")]
    assert len(applied) == 3

    by_type = SimpleNamespace(aggregate=None, typed={"type": "registry.Group.Applied"})
    assert _counted(kernel, by_type, 0) == (3, applied[0][0])
    assert _counted(kernel, by_type, 2) == (3, applied[2][0])
    assert _counted(kernel, by_type, 3) == (3, None)
    # A type's other spellings match as the API matches them (the stored topic's tail); an unknown type, nothing.
    assert _counted(kernel, SimpleNamespace(aggregate=None, typed={"type": "Group.Applied"}), 1)[0] == 3
    assert _counted(kernel, SimpleNamespace(aggregate=None, typed={"type": "registry.Group.Nothing"}), 0) == (0, None)

    second = applied[1][1]
    own = [position for position, oid, *_ in stored if oid == second]
    by_aggregate = SimpleNamespace(aggregate=second, typed={"type": ""})
    assert _counted(kernel, by_aggregate, 0) == (len(own), own[0])
    both = SimpleNamespace(aggregate=second, typed={"type": "registry.Group.Applied"})
    assert _counted(kernel, both, 0) == (1, applied[1][0])
    everything = SimpleNamespace(aggregate=None, typed={"type": ""})
    assert _counted(kernel, everything, 0) == (len(stored), stored[0][0])
