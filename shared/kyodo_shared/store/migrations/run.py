"""Running a lineage's revisions with Alembic, programmatically (no alembic.ini, no env.py, no CLI at start).

Concurrency: replicas start together. On PostgreSQL the whole upgrade is one transaction (DDL is transactional
there) that first takes `pg_advisory_xact_lock` on a key of (schema, lineage): the second replica waits, then reads
the version table the first committed and has nothing left to do. A transaction-scoped lock is released by COMMIT
or by the connection dying, so a crashed replica cannot leave it held (unlike the leases, which must survive a
connection and therefore live in a table). On SQLite the upgrade runs in one `BEGIN IMMEDIATE` transaction: the
file's write lock serializes the replicas the same way.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from typing import Any

import psycopg
import sqlalchemy as sa
import structlog
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext, RevisionStep
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.pool import NullPool

from kyodo_shared.store.db import Database, PostgresDatabase, SqliteDatabase
from kyodo_shared.store.migrations.lineage import Lineage, SchemaAhead

log = structlog.get_logger(__name__)


@functools.cache
def script_directory(lineage: Lineage) -> ScriptDirectory:
    """The lineage's revisions (parsed once per process); the template for new ones is shared by all lineages."""
    from kyodo_shared.store import migrations

    return ScriptDirectory(
        str(migrations.HERE), version_locations=[str(lineage.location)], file_template="%(rev)s_%(slug)s"
    )


def lock_key(schema: str, lineage: Lineage) -> int:
    """A stable signed 64-bit advisory-lock key for one lineage in one schema."""
    digest = hashlib.sha256(f"kyodo:schema:{schema}:{lineage.name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _engine(db: Database) -> sa.Engine:
    if isinstance(db, SqliteDatabase):
        # URL.create, not an f-string: a '?' or '#' in the folder's name would cut the path and migrate another file.
        url = sa.engine.URL.create("sqlite", database=str(db.path))
        engine = sa.create_engine(url, poolclass=NullPool, connect_args={"timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _autocommit_driver(dbapi_connection: Any, _record: Any) -> None:
            # pysqlite's own BEGIN would be DEFERRED; SQLAlchemy's "begin" below issues the immediate one instead.
            dbapi_connection.isolation_level = None

        @sa.event.listens_for(engine, "begin")
        def _begin_immediate(connection: sa.Connection) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    assert isinstance(db, PostgresDatabase)
    dsn, schema = db.dsn, db.schema
    return sa.create_engine(
        "postgresql+psycopg://",
        poolclass=NullPool,
        creator=lambda: psycopg.connect(dsn, options=f"-c search_path={schema}"),
    )


def _steps(script: ScriptDirectory, lineage: Lineage, current: Any) -> Iterable[RevisionStep]:
    try:
        return script._upgrade_revs(lineage.head, current)
    except CommandError as exc:
        raise SchemaAhead(
            f"{lineage.version_table} is at {current!r}, which this code does not know (a newer release?): {exc}"
        ) from exc


def run_upgrade(db: Database, lineage: Lineage) -> None:
    """Upgrade the lineage to its head in one locked transaction; adopts tables made before migrations existed."""
    script = script_directory(lineage)
    schema = db.schema if isinstance(db, PostgresDatabase) else None
    engine = _engine(db)
    try:
        with engine.connect() as connection, connection.begin():
            if schema is not None:
                connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(schema, lineage)})
            context = MigrationContext.configure(
                connection,
                opts={
                    "script": script,
                    "fn": lambda current, _context: _steps(script, lineage, current),
                    "version_table": lineage.version_table,
                    "version_table_schema": schema,
                    "transaction_per_migration": False,
                },
            )
            before = context.get_current_revision()
            with Operations.context(context):
                context.run_migrations()
            after = context.get_current_revision()
    finally:
        engine.dispose()
    if before != after:
        log.info("schema_upgraded", lineage=lineage.name, schema=schema, before=before, after=after)
