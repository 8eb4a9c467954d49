"""Event store settings: DSN options that could apply to only one connection path are refused."""

from __future__ import annotations

import pytest

from kyodo_shared.settings import StoreSettings
from kyodo_shared.store.eventstore import eventsourcing_env


def test_sqlite_settings_name_the_file(tmp_path: object) -> None:
    env = eventsourcing_env(StoreSettings(backend="sqlite", sqlite_path=tmp_path / "s.sqlite"))  # type: ignore[operator]
    assert env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite"


def test_refuses_dsn_options_that_eventsourcing_would_drop() -> None:
    store = StoreSettings(backend="postgres", pg_dsn="postgresql://u@127.0.0.1:1/db?sslmode=require")
    with pytest.raises(ValueError, match="sslmode"):
        eventsourcing_env(store)


def test_registry_keeps_its_retention_periods_when_another_privacy_setting_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kyodo_registry.settings import DEFAULT_RETENTION_DAYS, RegistrySettings

    monkeypatch.setenv("KYODO_PRIVACY__VAULT_PG_DSN", "postgresql://vault@127.0.0.1/vault")
    assert RegistrySettings().privacy.retention_days == DEFAULT_RETENTION_DAYS
    monkeypatch.setenv("KYODO_PRIVACY__RETENTION_DAYS", '{"group_representative": 30}')
    assert RegistrySettings().privacy.retention_days["group_representative"] == 30
