"""Fixtures for audit tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from support.audit import History, opened_history
from support.recompute import KEY_ID


@pytest.fixture
def history(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[History]:
    """A registry store with its chain and checkpointer: on SQLite, or on each backend for a test marked
    `support.audit.on_both_backends` (PostgreSQL: schema `registry` in a fresh database)."""
    backend = getattr(request, "param", "sqlite")
    pg_dsn: str = request.getfixturevalue("pg_database") if backend == "postgres" else ""
    with opened_history(tmp_path, pg_dsn) as opened:
        yield opened


@pytest.fixture
def key() -> Ed25519PrivateKey:
    """The receipt signing key of the recompute tests' hand-written histories."""
    return Ed25519PrivateKey.generate()


@pytest.fixture
def keys(key: Ed25519PrivateKey) -> dict[str, Ed25519PublicKey]:
    return {KEY_ID: key.public_key()}
