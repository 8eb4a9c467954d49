"""Fixtures for end-to-end tests: a dev issuer and a store backend (SQLite or PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kyodo_shared.devissuer import DevIssuer

from support.harness import Backend


@pytest.fixture
def issuer(tmp_path: Path) -> DevIssuer:
    return DevIssuer.load_or_create(tmp_path / "issuer")


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "sqlite":
        return Backend("sqlite", tmp_path)
    dsn: str = request.getfixturevalue("pg_database")
    return Backend("postgres", tmp_path, dsn)
