"""Two real replica processes of the registry on one store: the relay's lease moves on a crash within seconds,
and a paused holder that lost its lease appends nothing when it wakes up.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import nats
import psycopg
import pytest

from kyodo_contracts import stream_name
from kyodo_shared.bus.cloudevents import H_ID, H_SEQUENCE
from kyodo_shared.web.devissuer import DevIssuer

from support.harness import eventually
from support.procs import child, free_port, kyodo_serve, serve_env
from support.registry import application

ISSUER = "https://id.test.invalid"


@dataclass
class Replica:
    proc: object
    base: str
    log: Path

    @property
    def replica_id(self) -> str:
        for line in self.log.read_text().splitlines():
            if '"kernel_started"' in line:
                return str(json.loads(line)["replica"])
        return ""

    def published(self) -> float:
        text = httpx.get(f"{self.base}/metrics", timeout=5).text
        for line in text.splitlines():
            if line.startswith("kyodo_relay_published_total{"):
                return float(line.rsplit(" ", 1)[1])
        return 0.0


@pytest.fixture(params=["sqlite", "postgres"])
def store_env(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """Both replicas share one store: a SQLite file, or a PostgreSQL schema."""
    if request.param == "sqlite":
        return {}
    return {
        "KYODO_STORE__BACKEND": "postgres",
        "KYODO_STORE__PG_DSN": request.getfixturevalue("pg_database"),
        "KYODO_STORE__PG_SCHEMA": "registry",
    }


@contextmanager
def two_replicas(
    tmp_path: Path, nats_url: str, namespace: str, issuer: DevIssuer, store_env: dict[str, str]
) -> Iterator[list[Replica]]:
    env = (
        serve_env("registry", tmp_path / "registry.sqlite", nats_url, namespace)
        | {
            "KYODO_AUTH__ISSUER": ISSUER,
            "KYODO_AUTH__JWKS_URL": f"file://{issuer.jwks_path}",
        }
        | store_env
    )
    with ExitStack() as stack:
        replicas = []
        for name in ("a", "b"):
            port = free_port()
            log = tmp_path / f"{name}.log"
            proc = stack.enter_context(child(kyodo_serve("registry", port), env, log))
            replicas.append(Replica(proc, f"http://127.0.0.1:{port}/api/registry", log))
        yield replicas


_store: dict[str, str] = {}


def lease_holder(tmp_path: Path) -> str | None:
    query = "SELECT holder FROM kyodo_leases WHERE role = 'relay:registry'"
    if _store.get("KYODO_STORE__BACKEND") == "postgres":
        with psycopg.connect(_store["KYODO_STORE__PG_DSN"]) as conn:
            try:
                row = conn.execute(query.replace("kyodo_leases", "registry.kyodo_leases")).fetchone()
            except psycopg.errors.UndefinedTable:
                return None
    else:
        try:
            with sqlite3.connect(tmp_path / "registry.sqlite") as conn:
                row = conn.execute(query).fetchone()
        except sqlite3.OperationalError:
            return None
    return str(row[0]) if row else None


def _sqlite_writable(tmp_path: Path) -> bool:
    """Whether another process can take SQLite's write lock now (nobody is inside a write transaction)."""
    conn = sqlite3.connect(tmp_path / "registry.sqlite", timeout=0.5, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        conn.close()


def _pg_outside_transactions() -> bool:
    """Whether no session of the test's PostgreSQL database but this one is inside a transaction. A process paused
    inside one (the relay's position written under its lease, the chain) keeps its row locks — the lease row's among
    them — until it resumes, so the standby's take of the lease would wait for it."""
    with psycopg.connect(_store["KYODO_STORE__PG_DSN"]) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%%'"
        ).fetchone()
    return row is not None and int(row[0]) == 0


def _outside_a_write(tmp_path: Path) -> bool:
    if _store.get("KYODO_STORE__BACKEND") == "postgres":
        # A statement the paused process sent finishes on the server: the session then shows its transaction.
        time.sleep(0.1)
        return _pg_outside_transactions()
    return _sqlite_writable(tmp_path)


def _stopped(pid: int) -> bool:
    """Whether every thread of the process is in the stopped state (`T` in /proc/<pid>/task/*/stat)."""
    tasks = Path(f"/proc/{pid}/task")
    return all((t / "stat").read_text().rsplit(")", 1)[1].split()[0] in ("T", "t") for t in tasks.iterdir())


async def pause_outside_a_write(holder: Replica, tmp_path: Path) -> None:
    """SIGSTOP the holder at a moment it holds no write lock. A process paused *inside* a write transaction (the
    chain, a projection, a checkpoint or a lease renewal after an event) keeps its locks until it resumes — on SQLite
    the database's single write lock (a known limit of SQLite with several replicas; see README), on PostgreSQL the
    rows it wrote, the lease's among them: no lease can be taken from it. Such a pause is undone and tried again,
    rather than hoping the holder was idle."""
    pid = holder.proc.pid  # type: ignore[attr-defined]
    for _ in range(100):
        os.kill(pid, signal.SIGSTOP)
        # kill() returns before every thread has stopped: a thread still running could take a lock just after the
        # check below. Look only once the kernel shows each thread stopped.
        await eventually(lambda: _stopped(pid), timeout=10, interval=0.005)
        if await asyncio.to_thread(_outside_a_write, tmp_path):
            return
        os.kill(pid, signal.SIGCONT)
        await asyncio.sleep(0.05)  # poll interval: let it finish the write it was in
    raise AssertionError("the holder never paused outside a write transaction")


async def taken_by(standby: Replica, holder: Replica, tmp_path: Path) -> None:
    """Wait for the standby to hold the relay's lease; if it never does, say what both replicas last logged."""
    try:
        await eventually(lambda: lease_holder(tmp_path) == standby.replica_id, timeout=15)
    except AssertionError:
        tails = {r.replica_id: r.log.read_text().splitlines()[-15:] for r in (standby, holder)}
        raise AssertionError(f"the standby never took the lease (held by {lease_holder(tmp_path)}): {tails}") from None


async def stream(nats_url: str, namespace: str) -> list[tuple[int, str]]:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        name = stream_name(namespace, "registry")
        try:
            last = int((await js.stream_info(name)).state.last_seq)
        except Exception:
            return []
        return [
            (int(m.headers[H_SEQUENCE]), m.headers[H_ID])
            for m in [await js.get_msg(name, s) for s in range(1, last + 1)]
            if m.headers
        ]
    finally:
        await nc.close()


async def apply_via(replica: Replica, token: str, n: int) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            f"{replica.base}/groups", json=application(name=f"複製{n}"), headers={"Authorization": f"Bearer {token}"}
        )
    assert response.status_code == 201, response.text


def serving(replica: Replica) -> bool:
    """Whether the replica answers HTTP: its kernel starts (and logs `kernel_started`) before uvicorn binds."""
    try:
        return httpx.get(f"{replica.base}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


async def roles(tmp_path: Path, replicas: list[Replica]) -> tuple[Replica, Replica]:
    async def held() -> str | None:
        return lease_holder(tmp_path) if all(r.replica_id for r in replicas) else None

    holder_id = await eventually(held, timeout=30)
    await eventually(lambda: all(serving(r) for r in replicas), timeout=30)
    holder = next(r for r in replicas if r.replica_id == holder_id)
    return holder, next(r for r in replicas if r is not holder)


async def test_killing_the_lease_holder_moves_publishing_to_the_other_replica_within_10_seconds(
    tmp_path: Path, nats_url: str, bus_namespace: str, store_env: dict[str, str]
) -> None:
    _store.clear()
    _store.update(store_env)
    issuer = DevIssuer.load_or_create(tmp_path / "issuer")
    token = issuer.mint("rep-1", ["group"], extra_claims={"iss": ISSUER})
    with two_replicas(tmp_path, nats_url, bus_namespace, issuer, store_env) as replicas:
        holder, standby = await roles(tmp_path, replicas)
        for n in range(5):
            await apply_via(standby, token, n)
        await eventually(lambda: stream(nats_url, bus_namespace), timeout=20)
        os.kill(holder.proc.pid, signal.SIGKILL)  # type: ignore[attr-defined]
        killed_at = time.monotonic()
        for n in range(5, 10):
            await apply_via(standby, token, n)

        async def all_published() -> bool:
            return len(await stream(nats_url, bus_namespace)) == 10

        await eventually(all_published, timeout=15)
        assert time.monotonic() - killed_at < 10
        messages = await stream(nats_url, bus_namespace)
        assert [seq for seq, _ in messages] == list(range(1, 11))
        assert len({msg_id for _, msg_id in messages}) == 10


async def test_a_paused_holder_that_lost_its_lease_appends_nothing_when_it_resumes(
    tmp_path: Path, nats_url: str, bus_namespace: str, store_env: dict[str, str]
) -> None:
    _store.clear()
    _store.update(store_env)
    issuer = DevIssuer.load_or_create(tmp_path / "issuer")
    token = issuer.mint("rep-1", ["group"], extra_claims={"iss": ISSUER})
    with two_replicas(tmp_path, nats_url, bus_namespace, issuer, store_env) as replicas:
        holder, standby = await roles(tmp_path, replicas)
        await apply_via(standby, token, 0)

        async def first() -> bool:
            return len(await stream(nats_url, bus_namespace)) == 1

        await eventually(first, timeout=20)
        published_before = await asyncio.to_thread(holder.published)
        await pause_outside_a_write(holder, tmp_path)
        try:
            await taken_by(standby, holder, tmp_path)
            for n in range(1, 4):
                await apply_via(standby, token, n)

            async def taken_over() -> bool:
                return len(await stream(nats_url, bus_namespace)) == 4

            await eventually(taken_over, timeout=15)
        finally:
            os.kill(holder.proc.pid, signal.SIGCONT)  # type: ignore[attr-defined]
        for n in range(4, 6):
            await apply_via(standby, token, n)

        async def six() -> bool:
            return len(await stream(nats_url, bus_namespace)) == 6

        await eventually(six, timeout=15)
        await asyncio.sleep(2)
        assert await asyncio.to_thread(holder.published) == published_before
        assert lease_holder(tmp_path) == standby.replica_id
        messages = await stream(nats_url, bus_namespace)
        assert [seq for seq, _ in messages] == list(range(1, 7))
