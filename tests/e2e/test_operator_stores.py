"""Operator commands never fall back to a default store and never create one (issue 11 follow-up).

In the explicit layout they need the store settings `kyodo serve` needs, refused before any connection; a store that
does not exist (a SQLite file, a PostgreSQL schema without the kernel's version table) is refused, not created —
except by `kyodo replay`, whose job is rebuilding a lost read model, and in the embedded layout only inside a Kyodo
data directory. `relay reset` refuses a store without events. Every case runs the real command in a subprocess.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from kyodo_shared.web.devissuer import DevIssuer

from support.cli import run_kyodo
from support.servers import spawn_postgres

# Reaches nothing (RFC 2606): a command that tried to connect would fail on it, not on the machine's servers.
NOWHERE_NATS = "nats://kyodo-test-nowhere.invalid:4222"


def kyodo(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KYODO_")}
    return run_kyodo(*args, env=clean | {"COLUMNS": "200", "PGCONNECT_TIMEOUT": "3"} | env)


def answered(done: subprocess.CompletedProcess[str], code: int, *phrases: str) -> None:
    assert done.returncode == code, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    for phrase in phrases:
        assert phrase in done.stdout + done.stderr, done.stdout + done.stderr


@pytest.mark.parametrize(
    "command",
    [["dlq", "list", "--service", "info-hub"], ["audit", "verify", "registry"], ["replay", "info-hub"]],
    ids=" ".join,
)
def test_a_postgres_store_without_a_dsn_is_refused_naming_the_variable_before_any_connection(
    command: list[str],
) -> None:
    # No PostgreSQL is running for this test at all: the refusal must come before psycopg is asked to connect
    # (the default DSN is the machine's own postgres@127.0.0.1:5432, where tables were once created by mistake).
    done = kyodo(*command, KYODO_STORE__BACKEND="postgres", KYODO_BUS__NATS_URL=NOWHERE_NATS)
    answered(done, 2, "KYODO_STORE__PG_DSN", "refusing to guess")
    assert "KYODO_AUTH__" not in done.stderr, "operator commands verify no token"


def test_a_sqlite_store_without_its_path_and_a_bus_command_without_its_url_are_refused(tmp_path: Path) -> None:
    answered(kyodo("dlq", "list", KYODO_STORE__BACKEND="sqlite"), 2, "KYODO_STORE__SQLITE_PATH")
    store = str(tmp_path / "registry.sqlite")
    reset = kyodo("relay", "reset", "registry", KYODO_STORE__BACKEND="sqlite", KYODO_STORE__SQLITE_PATH=store)
    answered(reset, 2, "KYODO_BUS__NATS_URL")
    # Only the bus was missing: the store-only command needs none.
    assert (
        "KYODO_BUS__NATS_URL"
        not in kyodo("dlq", "list", KYODO_STORE__BACKEND="sqlite", KYODO_STORE__SQLITE_PATH=store).stderr
    )
    assert not Path(store).exists()


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    with spawn_postgres() as dsn:
        yield dsn


def schemas(dsn: str) -> set[str]:
    with psycopg.connect(dsn) as conn:
        return {str(r[0]) for r in conn.execute("SELECT schema_name FROM information_schema.schemata").fetchall()}


@pytest.mark.slow
def test_a_postgres_schema_without_the_kernel_s_tables_is_refused_and_left_uncreated(postgres: str) -> None:
    env = {"KYODO_STORE__BACKEND": "postgres", "KYODO_STORE__PG_DSN": postgres, "KYODO_STORE__PG_SCHEMA": "typo"}
    answered(kyodo("audit", "verify", "registry", **env), 2, "no kyodo_schema_kernel table", "KYODO_STORE__PG_SCHEMA")
    answered(kyodo("relay", "reset", "registry", KYODO_BUS__NATS_URL=NOWHERE_NATS, **env), 2, "kyodo_schema_kernel")
    assert "typo" not in schemas(postgres)


@pytest.mark.slow
def test_replay_may_create_a_lost_postgres_store_and_then_relay_reset_refuses_it_for_holding_no_events(
    postgres: str,
) -> None:
    env = {
        "KYODO_STORE__BACKEND": "postgres",
        "KYODO_STORE__PG_DSN": postgres,
        "KYODO_STORE__PG_SCHEMA": "registry_lost",
        "KYODO_BUS__NATS_URL": NOWHERE_NATS,
    }
    # The registry consumes no stream: its replay rebuilds its projections and needs no bus.
    answered(kyodo("replay", "registry", "--from-scratch", **env), 0, "consumes no stream")
    assert "registry_lost" in schemas(postgres)
    # The store now exists but holds no events: a reset would delete the stream and re-publish nothing.
    answered(kyodo("relay", "reset", "registry", **env), 3, "holds no events")


def test_explicit_sqlite_relay_reset_refuses_a_missing_store_and_one_without_events(tmp_path: Path) -> None:
    store = tmp_path / "registry.sqlite"
    env = {
        "KYODO_STORE__BACKEND": "sqlite",
        "KYODO_STORE__SQLITE_PATH": str(store),
        "KYODO_BUS__NATS_URL": NOWHERE_NATS,
        "KYODO_AUDIT__KEYS_DIR": str(tmp_path / "keys"),
        "KYODO_PRIVACY__VAULT_PATH": str(tmp_path / "vault.sqlite"),
    }
    answered(kyodo("relay", "reset", "registry", **env), 2, f"registry has no store at {store}")
    assert not store.exists()
    answered(kyodo("replay", "registry", **env), 0, "consumes no stream")
    assert store.exists()
    answered(kyodo("relay", "reset", "registry", **env), 3, "holds no events")


def test_embedded_replay_creates_a_store_only_inside_a_kyodo_data_directory(tmp_path: Path) -> None:
    typo = tmp_path / "kyodoo"
    answered(kyodo("--data-dir", str(typo), "replay", "registry"), 2, "registry has no store in")
    assert not typo.exists(), "a mistyped --data-dir is left as it was"
    data_dir = tmp_path / "data"
    DevIssuer.load_or_create(data_dir / "issuer")  # what `kyodo up` leaves in every data directory
    answered(kyodo("--data-dir", str(data_dir), "replay", "registry"), 0, "registry has no store", "creates it")
    assert (data_dir / "registry.sqlite").exists()
