"""Fixtures for end-to-end tests: a store backend (SQLite or PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.harness import Backend


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "sqlite":
        return Backend("sqlite", tmp_path)
    dsn: str = request.getfixturevalue("pg_database")
    return Backend("postgres", tmp_path, dsn)
