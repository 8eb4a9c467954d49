"""Event store configuration: the eventsourcing environment for PostgreSQL or SQLite, from settings."""

from __future__ import annotations

from eventsourcing.utils import register_topic
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
        # only one of the service's two connection paths. libpq environment variables reach both.
        raise ValueError(
            f"KYODO_STORE__PG_DSN options {', '.join(unsupported)} are not supported; set them as libpq "
            "environment variables instead (for example PGSSLMODE, PGSSLROOTCERT)"
        )
    ensure_pg_schema(store.pg_dsn, store.pg_schema)
    group_commit = {"APPLICATION_RECORDER_TOPIC": GROUP_COMMIT_RECORDER} if store.group_commit else {}
    return group_commit | {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": str(info.get("dbname", "postgres")),
        "POSTGRES_HOST": str(info.get("host", "127.0.0.1")),
        "POSTGRES_PORT": str(info.get("port", "5432")),
        "POSTGRES_USER": str(info.get("user", "postgres")),
        # eventsourcing requires a password setting even where the server trusts the connection.
        "POSTGRES_PASSWORD": str(info.get("password", "")) or "unused",
        "POSTGRES_SCHEMA": store.pg_schema,
        "POSTGRES_POOL_SIZE": str(store.pg_pool_size),
        "POSTGRES_CONNECT_TIMEOUT": "10",
        "POSTGRES_LOCK_TIMEOUT": "10",
    }
