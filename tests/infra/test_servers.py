"""The server fixtures give real, isolated NATS JetStream and PostgreSQL resources."""

from __future__ import annotations

from pathlib import Path

import nats
import psycopg
import pytest
from nats.js.api import StreamConfig
from nats.js.errors import NotFoundError

from support.servers import delete_streams


@pytest.mark.smoke
async def test_nats_fixture_gives_a_jetstream_enabled_server(nats_url: str, bus_namespace: str) -> None:
    stream = f"{bus_namespace.upper()}_REGISTRY"
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        await js.add_stream(StreamConfig(name=stream, subjects=[f"{bus_namespace}.registry.>"]))
        ack = await js.publish(f"{bus_namespace}.registry.created", b"hello")
        assert ack.stream == stream
        assert ack.seq == 1
        stored = await js.get_msg(stream, seq=1)
        assert stored.data == b"hello"
        assert stored.subject == f"{bus_namespace}.registry.created"
    finally:
        await nc.close()


@pytest.mark.smoke
def test_pg_database_fixture_gives_an_empty_writable_database(pg_database: str) -> None:
    with psycopg.connect(pg_database) as conn:
        tables = conn.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'").fetchone()
        assert tables == (0,)
        conn.execute("CREATE TABLE probe (id int PRIMARY KEY, note text)")
        conn.execute("INSERT INTO probe VALUES (1, 'written')")
        assert conn.execute("SELECT note FROM probe").fetchone() == ("written",)
        assert conn.execute("SELECT current_database()").fetchone() == (pg_database.rsplit("/", 1)[-1],)


def test_each_test_gets_its_own_database(pg_dsn: str, pg_database: str) -> None:
    name = pg_database.rsplit("/", 1)[-1]
    assert name.startswith("kyodo_t_")
    with psycopg.connect(pg_dsn) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    assert found == (1,)


async def test_deleting_a_namespace_removes_its_streams_and_no_others(nats_url: str, bus_namespace: str) -> None:
    other = f"{bus_namespace}x"
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        for namespace in (bus_namespace, other):
            await js.add_stream(StreamConfig(name=f"{namespace.upper()}_AUDIT", subjects=[f"{namespace}.audit.>"]))
        await js.add_consumer(f"{bus_namespace.upper()}_AUDIT", durable_name="reader")

        deleted = await delete_streams(nats_url, f"{bus_namespace.upper()}_")

        assert deleted == [f"{bus_namespace.upper()}_AUDIT"]
        with pytest.raises(NotFoundError):
            await js.stream_info(f"{bus_namespace.upper()}_AUDIT")
        assert (await js.stream_info(f"{other.upper()}_AUDIT")).config.name == f"{other.upper()}_AUDIT"
    finally:
        await delete_streams(nats_url, f"{other.upper()}_")
        await nc.close()


def test_bus_namespace_is_a_fresh_lowercase_name(bus_namespace: str) -> None:
    assert bus_namespace.startswith("t")
    assert len(bus_namespace) == 9
    assert bus_namespace == bus_namespace.lower()


def test_sqlite_path_is_a_fresh_file_in_the_tests_tmp_dir(sqlite_path: Path, tmp_path: Path) -> None:
    assert sqlite_path.parent == tmp_path
    assert not sqlite_path.exists()
