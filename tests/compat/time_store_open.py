"""How long opening a service's store takes (ServiceStore: the database, the vault and their migrations).

Not a test: `python tests/compat/time_store_open.py [PG_DSN]` prints the median of N opens of a fresh store and of
an existing one, on SQLite and (given a DSN) PostgreSQL, so a change to the start path can be compared.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from kyodo_shared.settings import KernelSettings
from kyodo_shared.store.service_store import ServiceStore
from kyodo_shared.tasks.clock import ServiceClock

RUNS = 30


def _open(settings: KernelSettings) -> float:
    started = time.perf_counter()
    store = ServiceStore(settings, ServiceClock(), replica="timing")
    elapsed = time.perf_counter() - started
    store.close()
    return elapsed


def _report(label: str, fresh: list[float], again: list[float]) -> None:
    print(f"{label}: fresh {statistics.median(fresh) * 1000:.1f} ms, existing {statistics.median(again) * 1000:.1f} ms")


def sqlite() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        fresh, again = [], []
        for i in range(RUNS):
            data = Path(tmp) / str(i)
            settings = KernelSettings.model_validate(
                {"store": {"sqlite_path": data / "s.sqlite"}, "privacy": {"vault_path": data / "v.sqlite"}}
            )
            fresh.append(_open(settings))
            again.append(_open(settings))
        _report("sqlite", fresh, again)


def postgres(dsn: str) -> None:
    import psycopg

    fresh, again = [], []
    schemas = []
    try:
        for _ in range(RUNS // 3):
            schema = f"timing_{uuid.uuid4().hex[:8]}"
            schemas += [schema, f"{schema}_vault"]
            settings = KernelSettings.model_validate(
                {"store": {"backend": "postgres", "pg_dsn": dsn, "pg_schema": schema, "pg_pool_size": 1}}
            )
            fresh.append(_open(settings))
            again.append(_open(settings))
        _report("postgres", fresh, again)
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            for schema in schemas:
                conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")  # type: ignore[arg-type]


if __name__ == "__main__":
    sqlite()
    if len(sys.argv) > 1:
        postgres(sys.argv[1])
