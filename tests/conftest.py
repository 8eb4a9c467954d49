"""Shared fixtures: real NATS JetStream and PostgreSQL servers, throwaway databases and bus namespaces.

Servers come from KYODO_TEST_NATS_URL / KYODO_TEST_PG_DSN, else testcontainers (Docker), else the pip wheels.
"""

from __future__ import annotations

import functools
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from kyodo_shared.web.devissuer import DevIssuer

from support.harness import Backend
from support.servers import delete_streams_sync, spawn_nats, spawn_postgres, temporary_database

NATS_URL_ENV = "KYODO_TEST_NATS_URL"
PG_DSN_ENV = "KYODO_TEST_PG_DSN"
NATS_IMAGE = "nats:2.11-alpine"
POSTGRES_IMAGE = "postgres:16-alpine"


@functools.cache
def docker_engine_answers() -> bool:
    """Whether a Docker engine answers within 3 s; the client library alone is not enough for containers."""
    try:
        import docker

        client = docker.from_env(timeout=3)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


def pytest_configure(config: pytest.Config) -> None:
    # The services a test starts as processes (`kyodo serve`, `kyodo up`, operator commands) run on throwaway
    # namespaces nobody provisions with `kyodo bus init`: each makes its own part of the bus, with the same
    # definitions (bus/topology.py). Tests of the production mode set KYODO_BUS__PROVISION=check themselves.
    os.environ.setdefault("KYODO_BUS__PROVISION", "create")


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


@pytest.fixture(scope="session")
def nats_url() -> Iterator[str]:
    """URL of a JetStream-enabled NATS server for the whole session."""
    if (url := _env(NATS_URL_ENV)) is not None:
        yield url
        return
    with ExitStack() as stack:
        if docker_engine_answers():
            from testcontainers.community.nats import NatsContainer

            container = stack.enter_context(NatsContainer(NATS_IMAGE, jetstream=True))
            yield container.nats_uri()
        else:
            yield stack.enter_context(spawn_nats())


@pytest.fixture(scope="session")
def pg_dsn() -> Iterator[str]:
    """libpq URL of a PostgreSQL server (database `postgres`) where tests may CREATE DATABASE."""
    if (dsn := _env(PG_DSN_ENV)) is not None:
        yield dsn
        return
    with ExitStack() as stack:
        if docker_engine_answers():
            from testcontainers.community.postgres import PostgresContainer

            container = stack.enter_context(
                PostgresContainer(POSTGRES_IMAGE, username="kyodo", password="kyodo", dbname="postgres", driver=None)
            )
            yield container.get_connection_url()
        else:
            yield stack.enter_context(spawn_postgres())


def require_answering(url: str, what: str, default_port: int) -> None:
    """End the whole run, saying why, when a server the session uses has stopped answering: every later test would
    wait on it (a service's first connection waits its `connect_wait_seconds`), and CI would run out of time."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=5):
            return
    except OSError as exc:
        pytest.exit(
            f"{what} at {url} stopped answering during the test run ({exc}); the tests after this one cannot pass. "
            "Restart it (the machine's servers: ../shared/MACHINE.md) and run the suite again.",
            returncode=3,
        )


@pytest.fixture
def pg_database(pg_dsn: str) -> Iterator[str]:
    """DSN of a fresh, uniquely named empty database, dropped (WITH FORCE) after the test."""
    require_answering(pg_dsn, "PostgreSQL", 5432)
    with temporary_database(pg_dsn) as dsn:
        yield dsn


@pytest.fixture
def bus_namespace(nats_url: str) -> Iterator[str]:
    """A unique bus namespace `t<hex8>`; its streams (`<NAMESPACE>_*`) are deleted after the test."""
    require_answering(nats_url, "NATS", 4222)
    namespace = f"t{uuid.uuid4().hex[:8]}"
    yield namespace
    delete_streams_sync(nats_url, f"{namespace.upper()}_")


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    """Path of a not-yet-existing SQLite file in the test's own temporary directory."""
    return tmp_path / "store.sqlite"


@pytest.fixture
def issuer(tmp_path: Path) -> DevIssuer:
    """The embedded development token issuer, with its keys in the test's own directory."""
    return DevIssuer.load_or_create(tmp_path / "issuer")


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """Where a test's services keep their stores: SQLite files, or a fresh PostgreSQL database (one run of each)."""
    if request.param == "sqlite":
        return Backend("sqlite", tmp_path)
    dsn: str = request.getfixturevalue("pg_database")
    return Backend("postgres", tmp_path, dsn)
