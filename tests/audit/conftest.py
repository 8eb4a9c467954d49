"""Fixtures for audit tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from kyodo_registry.app import RegistryApplication
from kyodo_shared.audit.chain import ChainStore
from kyodo_shared.audit.checkpointer import Checkpointer
from kyodo_shared.audit.keys import SigningKeys
from kyodo_shared.audit.verify import PinFile
from kyodo_shared.settings import StoreSettings
from kyodo_shared.store.db import SqliteDatabase

from support.audit import History
from support.recompute import KEY_ID
from support.registry import registry_app


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    path = tmp_path / "registry.sqlite"
    app: RegistryApplication = registry_app(
        StoreSettings(backend="sqlite", sqlite_path=path), tmp_path / "vault.sqlite"
    )
    db = SqliteDatabase(path)
    chain = ChainStore(db)
    chain.migrate()
    keys = SigningKeys.load_or_create(tmp_path / "keys")
    checkpointer = Checkpointer(
        service="registry",
        application=app,
        chain=chain,
        keys=keys,
        every_events=1000,
        every_seconds=3600,
        clock=lambda: datetime(2026, 11, 26, tzinfo=UTC),
    )
    h = History(path, app, db, chain, keys, checkpointer, PinFile(tmp_path / "pins.json"))
    try:
        yield h
    finally:
        app.close()
        db.close()


@pytest.fixture
def key() -> Ed25519PrivateKey:
    """The receipt signing key of the recompute tests' hand-written histories."""
    return Ed25519PrivateKey.generate()


@pytest.fixture
def keys(key: Ed25519PrivateKey) -> dict[str, Ed25519PublicKey]:
    return {KEY_ID: key.public_key()}
