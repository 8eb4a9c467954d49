"""P1: HTTP commands/s of the registry (`kyodo serve registry` on PostgreSQL) with 16 concurrent clients, beside
the plain CRUD endpoint a city would otherwise write (`bench/p1_plain.py`) under the same load, measured in the same
run, with one process on each side and then two.

Diagnostics (not targets) help say what bounds the figure:
- raw single-row PostgreSQL commits/s at the same concurrency (no Python service can approach it);
- the same raw inserts but each transaction first takes eventsourcing's `LOCK TABLE ... IN EXCLUSIVE MODE`
  (and NOTIFY), which is how the store keeps commit order = notification order;
- `apply_for_registration` called directly on the application from 16 threads (no HTTP, no auth, no relay).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg

from bench.common import (
    AUDIENCE,
    BENCH_ISSUER,
    REPO,
    TESTS,
    CpuMeter,
    Issuer,
    Servers,
    Service,
    bench_database,
    bench_namespace,
    free_port,
    kyodo_serve,
    metric,
    percentiles,
    serve_env,
    server_groups,
    stop_process,
    wait_ready,
    wait_until,
    workdir,
)
from bench.p1_account import account
from bench.profiling import PySpy


def run_p1(
    servers: Servers,
    *,
    warmup: float,
    duration: float,
    diag_duration: float,
    concurrency: int = 16,
    profile: Path | None = None,
    two_processes_duration: float = 0.0,
) -> dict:
    result: dict[str, Any] = {"concurrency": concurrency, "warmup_s": warmup, "duration_s": duration}
    with workdir("p1") as tmp, bench_database(servers.pg_dsn) as dsn, bench_namespace(servers.nats_url) as ns:
        root = Path(tmp)
        issuer = Issuer(root / "issuer")
        sg = server_groups(servers)
        env = serve_env("registry", "registry", dsn, servers.nats_url, ns, issuer)
        # Order Kyodo, plain, plain, Kyodo (one process, then two), so neither side always runs first on a fresh
        # database (autovacuum of a new table, checkpoints); a checkpoint before each phase starts it level.
        with kyodo_serve("registry", env, root) as svc:
            _checkpoint(dsn)
            result["http"] = _http_load(svc, issuer, warmup, duration, concurrency, sg, profile)
            accepted = result["http"]["accepted_total"]
            # Correctness check: every accepted command's event reached the stream, in order (the relay checks
            # stream sequence == source sequence on every batch).
            waited = wait_until(
                lambda: metric(svc.metrics(), "kyodo_relay_sequence") >= accepted,
                timeout=60,
                what="relay caught up",
            )
            result["http"]["relay_sequence_after"] = metric(svc.metrics(), "kyodo_relay_sequence")
            result["http"]["relay_catch_up_s"] = waited
            # The chain and the query tables may still be catching up with the window's commands: the plain phase
            # starts once they have (the time it took is work the window's figure did not pay for).
            result["http"]["chain_and_projections_catch_up_s"] = wait_until(
                lambda: _settled(dsn), timeout=120, what="chain and projections caught up"
            )
            _checkpoint(dsn)
            result["plain"] = _plain_load(root, dsn, issuer, 1, warmup, duration, concurrency, sg)
            result["ratio"] = result["http"]["per_second"] / result["plain"]["per_second"]
            # Diagnostic beside the baseline: the plain endpoint with a transactional outbox published to JetStream.
            _checkpoint(dsn)
            outbox = (servers.nats_url, f"{ns}.plain.outbox")
            result["diag_plain_outbox"] = _plain_load(root, dsn, issuer, 1, warmup, duration, concurrency, sg, outbox)
            result["diag_ratio_to_plain_outbox"] = (
                result["http"]["per_second"] / result["diag_plain_outbox"]["per_second"]
            )
            if two_processes_duration:
                _checkpoint(dsn)
                two_plain = _plain_load(root, dsn, issuer, 2, min(warmup, 2.0), two_processes_duration, concurrency, sg)
                result["plain_two_processes"] = two_plain
                # A second registry process (relay disabled: one relay per stream) beside the first, the 16
                # clients split between them, against two plain processes.
                env2 = {**env, "KYODO_RELAY__ENABLED": "false"}
                with kyodo_serve("registry", env2, root) as svc2:
                    _checkpoint(dsn)
                    two = _http_load(
                        [svc, svc2], issuer, min(warmup, 2.0), two_processes_duration, concurrency, sg, None
                    )
                    accepted2 = accepted + two["accepted_total"]
                    wait_until(
                        lambda: metric(svc.metrics(), "kyodo_relay_sequence") >= accepted2,
                        timeout=60,
                        what="relay caught up (two processes)",
                    )
                    two["relay_sequence_after"] = metric(svc.metrics(), "kyodo_relay_sequence")
                    two["what"] = "two `kyodo serve registry` processes (second: relay disabled), 8 clients each"
                    result["http_two_processes"] = two
                result["ratio_two_processes"] = two["per_second"] / two_plain["per_second"]
        state_size = _avg_state_size(dsn)
        result["stored_event_state_bytes"] = state_size
        payload = os.urandom(int(state_size))
        result["raw_pg"] = raw_commits(dsn, payload, concurrency, warmup, duration, sg, locked=False)
        result["diag_ratio_to_raw_pg"] = result["http"]["per_second"] / result["raw_pg"]["per_second"]
        result["diag_raw_pg_with_es_table_lock"] = raw_commits(
            dsn, payload, concurrency, min(warmup, 2.0), diag_duration, sg, locked=True
        )
        result["diag_app_direct"] = app_direct(dsn, concurrency, min(warmup, 2.0), diag_duration, sg)
    return result


def _settled(dsn: str) -> bool:
    """Every stored event chained and applied to every query table."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            "SELECT (SELECT max(notification_id) FROM registry.registry_events), "
            "(SELECT max(notification_id) FROM registry.kyodo_audit_chain), "
            "(SELECT min(position) FROM registry.kyodo_projection_position)"
        ).fetchone()
    return row is not None and row[0] is not None and row[0] == row[1] and (row[2] is None or row[2] >= row[0])


def _outbox_published(dsn: str) -> bool:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            "SELECT (SELECT max(id) FROM bench_plain_outbox), (SELECT last FROM bench_plain_outbox_position)"
        ).fetchone()
    return row is not None and row[0] == row[1]


def _checkpoint(dsn: str) -> None:
    """Flush dirty pages now, not in the middle of the next phase (needs a superuser; skipped otherwise)."""
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("CHECKPOINT")
    except psycopg.Error:
        pass


def _plain_load(
    root: Path,
    dsn: str,
    issuer: Issuer,
    processes: int,
    warmup: float,
    duration: float,
    concurrency: int,
    sg: dict,
    outbox: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """The plain CRUD endpoint (`bench/p1_plain.py`) in `processes` processes, under the same load generator
    (with `outbox` = (NATS URL, subject): its transactional-outbox diagnostic)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(TESTS)])}
    with contextlib.ExitStack() as stack:
        services = []
        for _ in range(processes):
            port = free_port()
            log_path = root / f"plain-{port}.log"
            args = [
                sys.executable,
                "-m",
                "bench.p1_plain",
                "--port",
                str(port),
                "--dsn",
                dsn,
                "--jwks",
                str(issuer.directory / "jwks.json"),
                "--issuer",
                BENCH_ISSUER,
                "--audience",
                AUDIENCE,
                *(["--outbox-nats", outbox[0], "--outbox-subject", outbox[1]] if outbox else []),
            ]
            with log_path.open("ab") as log:
                process = subprocess.Popen(args, env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
            stack.callback(stop_process, process, 10)
            svc = Service("registry", port, process, log_path)
            wait_ready(svc)
            services.append(svc)
        result = _http_load(services if processes > 1 else services[0], issuer, warmup, duration, concurrency, sg, None)
        if outbox:
            # As for Kyodo's relay: every accepted request's outbox row published before the phase ends.
            published = wait_until(lambda: _outbox_published(dsn), timeout=60, what="outbox published")
            result["outbox_catch_up_s"] = published
    result["what"] = (
        f"plain FastAPI + psycopg endpoint (bench/p1_plain.py), {processes} process(es): same uvicorn, JWT, "
        "body validation; one INSERT jsonb per request"
        + ("; plus an outbox row in its transaction, published to JetStream in id order" if outbox else "")
    )
    return result


def _http_load(
    svc: Any, issuer: Issuer, warmup: float, duration: float, concurrency: int, sg: dict, profile: Path | None
) -> dict[str, Any]:
    services = svc if isinstance(svc, list) else [svc]
    svc = services[0]
    env = dict(os.environ)
    env["BENCH_TOKENS"] = ",".join(issuer.token(f"bench-rep-{i}", "group") for i in range(concurrency))
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(TESTS)])
    args = [
        sys.executable,
        "-m",
        "bench.loadgen",
        "--port",
        ",".join(str(s.port) for s in services),
        "--path",
        "/api/registry/groups",
        "--concurrency",
        str(concurrency),
        "--warmup",
        str(warmup),
        "--duration",
        str(duration),
    ]
    proc = subprocess.Popen(args, env=env, cwd=REPO, stdout=subprocess.PIPE, text=True)
    groups: dict[str, Any] = {"registry (uvicorn)": [svc.process.pid]}
    if len(services) > 1:
        groups = {f"registry #{i + 1}": [s.process.pid] for i, s in enumerate(services)}
    meter = CpuMeter(groups={**groups, "loadgen": [proc.pid], **sg})
    result: dict[str, Any] = {}
    spy = None
    assert proc.stdout is not None
    for line in proc.stdout:
        line = line.strip()
        if line == "MEASURE_START":
            meter.start()
            if profile is not None:
                spy = PySpy(svc.process.pid, profile)
        elif line == "MEASURE_END":
            result["cpu"] = meter.stop()
            if spy is not None:
                result["profile"] = spy.stop()
        elif line.startswith("{"):
            result.update(json.loads(line))
    if proc.wait() != 0:
        raise RuntimeError(f"loadgen exited {proc.returncode}")
    if spy is not None and profile is not None and profile.exists():
        cores = result["cpu"]["cores_used"]["registry (uvicorn)"]
        result["account"] = account(profile, result["cpu"]["wall_s"], cores, result.get("per_second", 0.0))
    # A figure from failed requests is no figure: every request of the run must have been answered 201.
    if not result.get("accepted_total") or set(result.get("statuses_total", {})) != {"201"} or result.get("errors"):
        raise RuntimeError(
            f"not every request was accepted: statuses {result.get('statuses_total')}, errors {result.get('errors')}"
        )
    return result


def _avg_state_size(dsn: str) -> float:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT avg(length(state))::float FROM registry.registry_events").fetchone()
    return float(row[0]) if row and row[0] else 1024.0


def raw_commits(
    dsn: str, payload: bytes, concurrency: int, warmup: float, duration: float, sg: dict, *, locked: bool
) -> dict:
    """N connections, each looping INSERT one row + COMMIT (synchronous_commit as the server has it: on)."""
    table = f"bench_raw_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {table} (id bigserial PRIMARY KEY, payload bytea NOT NULL)")
        sync = conn.execute("SHOW synchronous_commit").fetchone()
    t0 = time.perf_counter() + 0.5
    window_start, window_end = t0 + warmup, t0 + warmup + duration
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors: list[str] = []

    def worker(i: int) -> None:
        try:
            with psycopg.connect(dsn) as conn:
                insert = f"INSERT INTO {table} (payload) VALUES (%s)"
                lock = f"LOCK TABLE {table} IN EXCLUSIVE MODE"
                notify = f"NOTIFY {table}"
                while time.perf_counter() < t0:
                    time.sleep(0.001)
                while True:
                    started = time.perf_counter()
                    if started >= window_end:
                        return
                    if locked:
                        conn.execute(lock, prepare=True)
                        conn.execute(notify)
                    conn.execute(insert, (payload,), prepare=True)
                    conn.commit()
                    ended = time.perf_counter()
                    if window_start <= ended < window_end:
                        latencies[i].append((ended - started) * 1000)
        except Exception as exc:
            errors.append(repr(exc))

    meter = CpuMeter(groups={"bench (client threads)": [os.getpid()], **sg})
    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(concurrency)]
    for t in threads:
        t.start()
    time.sleep(max(0.0, window_start - time.perf_counter()))
    meter.start()
    time.sleep(max(0.0, window_end - time.perf_counter()))
    cpu = meter.stop()
    for t in threads:
        t.join()
    flat = [v for per in latencies for v in per]
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"DROP TABLE {table}")
    return {
        "what": "INSERT 1 row + COMMIT" + (" under LOCK TABLE EXCLUSIVE + NOTIFY" if locked else ""),
        "synchronous_commit": sync[0] if sync else "?",
        "payload_bytes": len(payload),
        "per_second": len(flat) / duration,
        "latency_ms": percentiles(flat, (50, 90, 99)),
        "errors": errors[:3],
        "cpu": cpu,
        "duration_s": duration,
    }


def app_direct(dsn: str, concurrency: int, warmup: float, duration: float, sg: dict) -> dict:
    """`RegistryApplication.apply_for_registration` from N threads in this process (what one HTTP command does)."""
    import tempfile

    from bench.common import bylaws_document, registry_application
    from kyodo_shared.domain.actors import Actor, Principal, Role
    from kyodo_shared.settings import StoreSettings

    from support.registry import application

    store = StoreSettings(backend="postgres", pg_dsn=dsn, pg_schema="bench_direct", pg_pool_size=8)
    app = registry_application(store, Path(tempfile.mkdtemp(prefix="kyodo-bench-vault-")) / "vault.sqlite")
    body = application(name="ベンチ直接")
    profile = {k: body[k] for k in ("name", "purpose", "fields_of_activity", "area")}
    declarations = {c: d["evidence"] for c, d in body["criteria"].items()}
    bylaws = bylaws_document(body)
    actor = Actor(
        Principal("bench-rep", frozenset({Role.GROUP})),
        {"correlation_id": "b", "causation_id": "b", "actor": "bench-rep"},
    )
    t0 = time.perf_counter() + 0.5
    window_start, window_end = t0 + warmup, t0 + warmup + duration
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors: list[str] = []

    def worker(i: int) -> None:
        try:
            while time.perf_counter() < t0:
                time.sleep(0.001)
            while True:
                started = time.perf_counter()
                if started >= window_end:
                    return
                app.apply_for_registration(actor, profile, body["representative"], declarations, bylaws, [])
                ended = time.perf_counter()
                if window_start <= ended < window_end:
                    latencies[i].append((ended - started) * 1000)
        except Exception as exc:
            errors.append(repr(exc))

    meter = CpuMeter(groups={"bench (app threads)": [os.getpid()], **sg})
    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(concurrency)]
    for t in threads:
        t.start()
    time.sleep(max(0.0, window_start - time.perf_counter()))
    meter.start()
    time.sleep(max(0.0, window_end - time.perf_counter()))
    cpu = meter.stop()
    for t in threads:
        t.join()
    app.close()
    app.db.close()
    app.vault.db.close()
    flat = [v for per in latencies for v in per]
    return {
        "what": f"apply_for_registration from {concurrency} threads, eventsourcing pool 8, no HTTP/relay",
        "per_second": len(flat) / duration,
        "latency_ms": percentiles(flat, (50, 90, 99)),
        "errors": errors[:3],
        "cpu": cpu,
        "duration_s": duration,
    }
