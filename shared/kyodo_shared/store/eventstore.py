"""Event store configuration: the eventsourcing environment for PostgreSQL or SQLite, from settings."""

from __future__ import annotations

import getpass
from typing import Any

from eventsourcing.utils import register_topic
from psycopg import pq
from psycopg.conninfo import conninfo_to_dict

from kyodo_shared.settings import StoreSettings
from kyodo_shared.store.db import ensure_pg_schema

GROUP_COMMIT_RECORDER = "kyodo_shared.store.group_commit:GroupCommitRecorder"


def register_moved_topics() -> None:
    """Stored events name their class by topic (`module:Class.Event`): classes the kernel moved keep loading.

    Idempotent; called before any application reads a store.
    """
    from kyodo_shared.bus.operations import ConsumerOperations

    for old, obj in (("kyodo_shared.operations:ConsumerOperations", ConsumerOperations),):
        register_topic(old, obj)  # a repeated registration of the same class is a no-op


def eventsourcing_env(store: StoreSettings) -> dict[str, str]:
    """The environment an eventsourcing Application reads its persistence settings from."""
    register_moved_topics()
    if store.backend == "sqlite":
        store.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(store.sqlite_path),
            "SQLITE_LOCK_TIMEOUT": "30",
        }
    info = conninfo_to_dict(store.pg_dsn)
    unsupported = sorted(set(info) - {"host", "port", "user", "password", "dbname"})
    if unsupported:
        # eventsourcing builds its own connections from these five parts; anything else would silently apply to
        # only one of the service's two connection paths. libpq environment variables for anything else (PGSSLMODE,
        # PGSSLROOTCERT, ...) reach both, since neither path names those options.
        raise ValueError(
            f"KYODO_STORE__PG_DSN options {', '.join(unsupported)} are not supported; set them as libpq "
            "environment variables instead (for example PGSSLMODE, PGSSLROOTCERT)"
        )
    parts = _connection_parts(info)
    ensure_pg_schema(store.pg_dsn, store.pg_schema)
    group_commit = {"APPLICATION_RECORDER_TOPIC": GROUP_COMMIT_RECORDER} if store.group_commit else {}
    return group_commit | {
        # eventsourcing's PostgreSQL persistence behind the store's circuit breaker (store/breaker.py).
        "PERSISTENCE_MODULE": "kyodo_shared.store.guarded_factory:GuardedPostgresFactory",
        "POSTGRES_DBNAME": parts["dbname"],
        "POSTGRES_HOST": parts["host"],
        "POSTGRES_PORT": parts["port"],
        "POSTGRES_USER": parts["user"],
        # eventsourcing requires a password setting even where the server trusts the connection.
        "POSTGRES_PASSWORD": parts["password"] or "unused",
        "POSTGRES_SCHEMA": store.pg_schema,
        "POSTGRES_POOL_SIZE": str(store.pg_pool_size),
        # Despite its name, how long eventsourcing waits for its pool to give a connection; it tries each statement
        # ten times, so 1 s here lets a request whose store is down end in about 12 s (503 store_unavailable)
        # rather than 100 s.
        "POSTGRES_CONNECT_TIMEOUT": "1",
        "POSTGRES_LOCK_TIMEOUT": "10",
    }


# libpq's environment variable for each part eventsourcing is given explicitly (named in the refusal).
_LIBPQ_ENV = {"host": "PGHOST", "port": "PGPORT", "dbname": "PGDATABASE", "user": "PGUSER", "password": "PGPASSWORD"}


def _connection_parts(info: dict[str, Any]) -> dict[str, str]:
    """The five parts for eventsourcing, each as libpq resolves it for the service's own pool.

    eventsourcing passes every part explicitly, which overrides whatever libpq would otherwise take from its
    environment: so a part the DSN omits is taken here from libpq's own defaults (PQconndefaults, the libpq psycopg
    loaded: PGSERVICE's service file, then PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD, then the compiled-in port
    and the login name), and events reach the same server as the service's other tables. Where libpq would decide
    only when it connects, a host (a Unix socket directory compiled into libpq) or a database (the user's name), the
    DSN must name it: refused rather than guessed.
    """
    parts = {part: str(info.get(part) or _libpq_default(part) or "") for part in _LIBPQ_ENV}
    missing = [part for part in ("host", "dbname") if not parts[part]]
    if missing:
        raise ValueError(
            f"KYODO_STORE__PG_DSN names no {' and no '.join(missing)}, and neither does the environment "
            f"({', '.join(_LIBPQ_ENV[part] for part in missing)}): name the "
            f"{' and the '.join('database' if part == 'dbname' else part for part in missing)} in "
            "KYODO_STORE__PG_DSN (postgresql://USER:PASSWORD@HOST:5432/DBNAME), so the event store and the "
            "service's own tables cannot reach different servers"
        )
    parts["port"] = parts["port"] or "5432"
    parts["user"] = parts["user"] or getpass.getuser()
    return parts


def _libpq_default(keyword: str) -> str | None:
    """libpq's default for a connection option, as it reports it (service file, environment, compiled-in)."""
    for option in pq.Conninfo.get_defaults():
        if option.keyword.decode() == keyword and option.val:
            return option.val.decode()
    return None
