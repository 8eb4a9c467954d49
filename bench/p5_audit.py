"""P5: the auditor at a million events. Seeds N stored events (bench/p5_seed.py), then measures, each beside a
baseline from the same run:

(a) the audit API (`kyodo serve registry`, real HTTP, an auditor's JWT) at 8 concurrent auditors: events of one
    aggregate, events of one correlation id; baseline: the public `/audit/keys` under the same load (the app's floor);
(b) `kyodo audit verify` by database (the CLI's own function): events/s; baselines: a plain server-side cursor over
    the same rows hashed with hashlib, and a binary COPY of them hashed the same way;
(c) `kyodo audit verify --url`: events/s; baseline: a plain HTTP pager over `/audit/records` (same page size) hashing
    each page;
and the verifier's peak RSS (`kyodo audit verify` as a child process) on a store a tenth the size.

    .venv/bin/python -m bench.p5_audit --events 1000000 --json bench/results/run-p5.json \
        [--nats-url nats://127.0.0.1:4222] [--pg-dsn postgresql://root@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import (
    LOOPBACK,
    CpuMeter,
    Issuer,
    Servers,
    bench_database,
    bench_namespace,
    dump,
    kyodo_serve,
    machine_info,
    percentiles,
    rounded,
    serve_env,
    servers,
    workdir,
)
from bench.httpclient import HttpConnection
from bench.p5_seed import seed

AUDITORS = 8
# Requests per second of each paced auditor (8 of them: 80 requests/s in all, a busy audit office).
PACED_RATE = 10.0
PAGE = 5000  # the verifier's page of /audit/records (cli/audit.py RECORDS_PAGE)


def cli_env(dsn: str, service: str, folder: Path) -> dict[str, str]:
    """What `kyodo audit verify <service>` reads to find the bench store (as an operator would set it)."""
    from kyodo_shared.service import discover

    return {
        "KYODO_STORE__BACKEND": "postgres",
        "KYODO_STORE__PG_DSN": dsn,
        "KYODO_STORE__PG_SCHEMA": discover()[service].pg_schema,
        "KYODO_AUDIT__KEYS_DIR": str(folder / "keys"),
    }


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Any:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def verify_cli(service: str, url: str | None, folder: Path, pin: Path) -> tuple[dict[str, Any], float]:
    """`kyodo audit verify` in this process (its command function, no bar): the report and the seconds it took."""
    from kyodo_shared.cli.audit import verify_command

    out = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out):
        code = verify_command(service, url, None, pin, folder, as_json=True, shown=False)
    elapsed = time.perf_counter() - started
    report: dict[str, Any] = json.loads(out.getvalue())
    if code != 0 or not report["ok"]:
        raise RuntimeError(f"kyodo audit verify {service} did not verify: {report}")
    return report, elapsed


def sql_cursor_baseline(dsn: str, schema: str, table: str) -> tuple[int, float]:
    """The same rows by a plain server-side cursor, each event's bytes hashed with hashlib."""
    import psycopg

    started = time.perf_counter()
    count = 0
    with psycopg.connect(dsn, options=f"-c search_path={schema}") as conn:
        with conn.cursor("p5_events") as cur:
            cur.execute(f"SELECT * FROM {table} ORDER BY notification_id")
            while rows := cur.fetchmany(5000):
                for row in rows:
                    hashlib.sha256(row[3]).digest()
                count += len(rows)
        with conn.cursor("p5_chain") as cur:
            cur.execute("SELECT * FROM kyodo_audit_chain ORDER BY notification_id")
            while cur.fetchmany(5000):
                pass
    return count, time.perf_counter() - started


def sql_copy_baseline(dsn: str, schema: str, table: str) -> tuple[int, float]:
    """The same rows by binary COPY (what the verifier reads with), each event's bytes hashed with hashlib."""
    import psycopg

    started = time.perf_counter()
    count = 0
    with psycopg.connect(dsn, options=f"-c search_path={schema}") as conn, conn.cursor() as cur:
        query = f"COPY (SELECT * FROM {table} ORDER BY notification_id) TO STDOUT (FORMAT BINARY)"
        with cur.copy(query) as copy:
            copy.set_types(["uuid", "int8", "text", "bytea", "int8"])
            for row in copy.rows():
                hashlib.sha256(row[3]).digest()
                count += 1
        with cur.copy("COPY (SELECT * FROM kyodo_audit_chain ORDER BY notification_id) TO STDOUT (FORMAT BINARY)") as c:
            for _ in c:
                pass
    return count, time.perf_counter() - started


def measure_database(dsn: str, folder: Path, rounds: int) -> dict[str, Any]:
    """(b) per service, alternating baseline and verifier `rounds` times; the best of each (the least disturbed)."""
    from kyodo_shared.service import discover

    out: dict[str, Any] = {}
    for service in ("registry", "proposals"):
        schema = discover()[service].pg_schema
        table = f"{service}_events"
        runs: dict[str, list[float]] = {"cursor": [], "copy": [], "verify": []}
        events = 0
        for n in range(rounds):
            count, seconds = sql_cursor_baseline(dsn, schema, table)
            runs["cursor"].append(count / seconds)
            count, seconds = sql_copy_baseline(dsn, schema, table)
            runs["copy"].append(count / seconds)
            with environment(cli_env(dsn, service, folder)):
                report, seconds = verify_cli(service, None, folder, folder / f"pins-db-{service}-{n}.json")
            events = report["events"]
            runs["verify"].append(events / seconds)
        out[service] = {
            "events": events,
            "verify_per_s": round(max(runs["verify"])),
            "baseline_sql_cursor_per_s": round(max(runs["cursor"])),
            "baseline_sql_copy_per_s": round(max(runs["copy"])),
            "ratio_to_cursor": round(max(runs["verify"]) / max(runs["cursor"]), 2),
            "runs": {k: [round(v) for v in vs] for k, vs in runs.items()},
        }
    return out


def peak_rss(dsn: str, service: str, folder: Path, pin: Path) -> dict[str, Any]:
    """`kyodo audit verify <service>` as a child process: its events and peak RSS (the child's own rusage)."""
    env = {**os.environ, **cli_env(dsn, service, folder)}
    args = [sys.executable, "-m", "kyodo_shared.cli.main", "audit", "verify", service, "--json", "--no-progress"]
    started = time.perf_counter()
    child = subprocess.Popen(
        [*args, "--pin", str(pin)], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=folder
    )
    assert child.stdout is not None
    stdout = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    child.stdout.close()
    report = json.loads(stdout)
    return {
        "events": report["events"],
        "ok": report["ok"],
        "exit": child.returncode,
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "wall_s": round(time.perf_counter() - started, 1),
    }


def http_pager_baseline(base: str, token: str) -> tuple[int, float]:
    """The same rows over plain HTTP: `/audit/records` paged like the verifier pages it, each page hashed."""
    import httpx

    started = time.perf_counter()
    count, after, params = 0, 0, {"limit": PAGE}
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=120) as client:
        while True:
            response = client.get("/audit/records", params={**params, "after": after})
            response.raise_for_status()
            hashlib.sha256(response.content).digest()
            page = response.json()
            params["stop"] = page["stop"]
            count += len(page["items"])
            if page["next_after"] is None:
                return count, time.perf_counter() - started
            after = page["next_after"]


def measure_url(base: str, token: str, folder: Path, rounds: int) -> dict[str, Any]:
    """(c) alternating the HTTP pager and `kyodo audit verify --url`; the best of each."""
    pager: list[float] = []
    verifier: list[float] = []
    events = records = 0
    for n in range(rounds):
        records, seconds = http_pager_baseline(base, token)
        pager.append(records / seconds)
        with environment({"KYODO_AUDIT_TOKEN": token}):
            report, seconds = verify_cli("registry", base, folder, folder / f"pins-url-{n}.json")
        events = report["events"]
        verifier.append(records / seconds)
    return {
        "records": records,
        "events": events,
        "verify_records_per_s": round(max(verifier)),
        "baseline_http_pager_records_per_s": round(max(pager)),
        "ratio": round(max(verifier) / max(pager), 2),
        "runs": {"verify": [round(v) for v in verifier], "pager": [round(v) for v in pager]},
    }


def sample_ids(dsn: str, count: int) -> tuple[list[str], list[str]]:
    """Aggregates and correlation ids spread over the registry's whole history."""
    import psycopg

    with psycopg.connect(dsn, options="-c search_path=registry") as conn:
        total = conn.execute("SELECT MAX(notification_id) FROM registry_events").fetchone()
        step = max(1, int(total[0] if total else 1) // count)
        aggregates = conn.execute(
            "SELECT DISTINCT originator_id::text FROM registry_events WHERE notification_id %% %s = 0 "
            "AND topic LIKE 'kyodo_registry.domain:Group.%%' LIMIT %s",
            (step, count),
        ).fetchall()
        correlations = conn.execute(
            "SELECT DISTINCT correlation_id FROM kyodo_audit_chain WHERE notification_id %% %s = 0 "
            "AND correlation_id <> '' LIMIT %s",
            (step, count),
        ).fetchall()
    return [r[0] for r in aggregates], [r[0] for r in correlations]


async def auditors(
    port: int, token: str, paths: list[str], seconds: float, warmup: float, pace: float = 0.0
) -> dict[str, Any]:
    """AUDITORS clients, each on its own keep-alive connection, cycling through `paths`: closed-loop (the next
    request as soon as the answer is in), or with `pace` seconds between one auditor's request starts."""
    headers = {"Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    failures: list[str] = []
    empty = 0
    begin = time.perf_counter() + warmup
    end = begin + seconds

    async def one(worker: int) -> None:
        nonlocal empty
        conn = await HttpConnection(LOOPBACK, port).open()
        try:
            n = worker
            # Paced auditors start spread over one interval, not all at once.
            due = time.perf_counter() + pace * worker / AUDITORS
            while (now := time.perf_counter()) < end:
                if pace:
                    await asyncio.sleep(max(0.0, due - now))
                    due += pace
                    now = time.perf_counter()
                path = paths[n % len(paths)]
                n += AUDITORS
                response = await conn.request("GET", path, headers=headers)
                done = time.perf_counter()
                if response.status != 200:
                    failures.append(f"{response.status} {path}")
                    continue
                if path.startswith("/api/registry/audit/events") and not json.loads(response.body)["items"]:
                    empty += 1
                if now >= begin:
                    latencies.append((done - now) * 1000)
        finally:
            await conn.close()

    await asyncio.gather(*(one(w) for w in range(AUDITORS)))
    return {
        "latency_ms": rounded(percentiles(latencies), 2),
        "requests_per_s": round(len(latencies) / seconds),
        "failures": failures[:5],
        "failed": len(failures),
        "empty_answers": empty,
    }


def measure_api(service: Any, token: str, dsn: str, seconds: float) -> dict[str, Any]:
    """(a) each query kind under AUDITORS concurrent auditors, then the public keys route under the same load."""
    aggregates, correlations = sample_ids(dsn, 300)
    prefix = "/api/registry/audit"
    kinds = {
        "events_of_one_aggregate": [f"{prefix}/events?aggregate={a}" for a in aggregates],
        "events_of_one_correlation_id": [f"{prefix}/events?correlation_id={c}" for c in correlations],
        "baseline_audit_keys": [f"{prefix}/keys"],
    }
    out: dict[str, Any] = {"auditors": AUDITORS, "seconds": seconds, "distinct_ids": len(aggregates)}
    for load, pace in (("closed_loop", 0.0), (f"paced_{PACED_RATE:g}_per_s_each", 1 / PACED_RATE)):
        out[load] = {}
        for kind, paths in kinds.items():
            meter = CpuMeter({"server": [service.process.pid], "bench": [os.getpid()]})
            meter.start()
            result = asyncio.run(auditors(service.port, token, paths, seconds, warmup=2.0, pace=pace))
            result["cpu"] = rounded(meter.stop(), 2)
            out[load][kind] = result
    return out


def run_p5(servers: Servers, *, events: int, quick: bool) -> dict[str, Any]:
    """Seed, then (a), (b), (c) and the verifier's memory; `quick`: ~20k events and short windows (seconds)."""
    events = 20_000 if quick else events
    rounds, seconds = (1, 3.0) if quick else (2, 20.0)
    result: dict[str, Any] = {"events_requested": events, "quick": quick, "uptime_at_start": _uptime()}
    with (
        bench_database(servers.pg_dsn) as dsn,
        bench_database(servers.pg_dsn) as small_dsn,
        workdir("p5") as tmp,
    ):
        folder = Path(tmp)
        started = time.perf_counter()
        result["seed"] = seed(dsn, events, folder / "keys", folder)
        result["seed_s"] = round(time.perf_counter() - started, 1)
        small = folder / "small"
        small.mkdir()
        result["seed_small"] = seed(small_dsn, events // 10, small / "keys", small)
        result["uptime_before_verify_db"] = _uptime()
        result["verify_db"] = measure_database(dsn, folder, rounds)
        result["memory"] = {
            "full": peak_rss(dsn, "registry", folder, folder / "pins-rss.json"),
            "tenth": peak_rss(small_dsn, "registry", small, small / "pins-rss.json"),
        }
        issuer = Issuer(folder / "issuer")
        token = issuer.token("auditor-1", "auditor")
        with bench_namespace(servers.nats_url) as namespace:
            env = serve_env(
                "registry",
                "registry",
                dsn,
                servers.nats_url,
                namespace,
                issuer,
                KYODO_AUDIT__KEYS_DIR=str(folder / "keys"),
                # The seeded events were never published; the relay would spend the run publishing them.
                KYODO_RELAY__ENABLED="false",
                KYODO_LOG_LEVEL="WARNING",
            )
            with kyodo_serve("registry", env, folder) as svc:
                result["uptime_before_api"] = _uptime()
                result["api"] = measure_api(svc, token, dsn, seconds)
                result["uptime_before_verify_url"] = _uptime()
                result["verify_url"] = measure_url(svc.base, token, folder, rounds)
    result["uptime_at_end"] = _uptime()
    return result


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--nats-url", default=None)
    parser.add_argument("--pg-dsn", default=None)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    with servers(args.nats_url, args.pg_dsn) as found:
        report = {
            "machine": machine_info(),
            "servers": found.describe(),
            "P5": run_p5(found, events=args.events, quick=args.quick),
        }
    print(dump(report))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(dump(report) + "\n")


if __name__ == "__main__":
    main()
