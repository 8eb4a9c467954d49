"""The event store's PostgreSQL settings resolve a part the DSN leaves out as libpq does for the service's own pool
(from PGHOST, PGPORT, PGDATABASE, PGUSER), and refuse at start what libpq would only decide when it connects."""

from __future__ import annotations

import pytest

from kyodo_shared.settings import StoreSettings
from kyodo_shared.store import eventstore
from kyodo_shared.store.eventstore import eventsourcing_env

LIBPQ_VARIABLES = ("PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD", "PGSERVICE")


@pytest.fixture
def schemas(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """No libpq variable from the machine, and no connection: the schemas eventsourcing_env would create."""
    for variable in LIBPQ_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    created: list[str] = []
    monkeypatch.setattr(eventstore, "ensure_pg_schema", lambda dsn, schema: created.append(schema))
    return created


def postgres(dsn: str) -> StoreSettings:
    return StoreSettings(backend="postgres", pg_dsn=dsn, pg_schema="registry")


def test_parts_the_dsn_omits_come_from_the_libpq_environment(
    schemas: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGHOST", "/run/postgresql")
    monkeypatch.setenv("PGPORT", "6543")
    monkeypatch.setenv("PGDATABASE", "kyodo")
    monkeypatch.setenv("PGUSER", "registry")
    monkeypatch.setenv("PGPASSWORD", "from-the-environment")
    env = eventsourcing_env(postgres("postgresql://"))
    assert (
        env["POSTGRES_HOST"],
        env["POSTGRES_PORT"],
        env["POSTGRES_DBNAME"],
        env["POSTGRES_USER"],
        env["POSTGRES_PASSWORD"],
    ) == ("/run/postgresql", "6543", "kyodo", "registry", "from-the-environment")
    assert schemas == ["registry"]


def test_parts_the_dsn_names_win_over_the_environment(schemas: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGHOST", "elsewhere.example")
    monkeypatch.setenv("PGDATABASE", "other")
    env = eventsourcing_env(postgres("postgresql://registry:secret@db.example:5433/kyodo"))
    assert (env["POSTGRES_HOST"], env["POSTGRES_PORT"], env["POSTGRES_DBNAME"]) == ("db.example", "5433", "kyodo")
    assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"]) == ("registry", "secret")


def test_an_omitted_port_is_libpqs_default_port(schemas: list[str]) -> None:
    assert eventsourcing_env(postgres("postgresql://registry@db.example/kyodo"))["POSTGRES_PORT"] == "5432"


@pytest.mark.parametrize(
    ("dsn", "missing"),
    [
        ("postgresql:///kyodo", "no host"),
        ("postgresql://registry@db.example", "no dbname"),
        ("postgresql://", "no host and no dbname"),
    ],
)
def test_a_host_or_database_named_nowhere_is_refused_before_any_connection(
    schemas: list[str], dsn: str, missing: str
) -> None:
    with pytest.raises(ValueError, match="KYODO_STORE__PG_DSN names " + missing) as refused:
        eventsourcing_env(postgres(dsn))
    assert "name the" in str(refused.value)
    assert schemas == []
