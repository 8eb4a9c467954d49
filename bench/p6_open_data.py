"""P6: open data exports (issue 18). A real info-hub (`kyodo serve info-hub` through the launcher `bench/p6_serve.py`,
which adds two baseline routes to the same app), its `directory_groups` read model filled directly with N groups of
Japanese text, then, each beside a baseline served by the same uvicorn from the same database in the same run:

(a) `GET …/open-data/datasets/groups.csv`: rows/s and the server's peak RSS growth during one export (peak reset
    through /proc/PID/clear_refs before it), at two sizes (is memory bounded?); baseline `GET …/bench-p6/plain.csv`:
    the same SELECT in one cursor (PostgreSQL: a server-side cursor) written through Python's csv module;
(b) the conditional poll `If-None-Match` → 304 on that CSV, p50/p99 under 8 concurrent closed-loop clients;
    baseline `GET …/bench-p6/not-modified` (a 304, nothing done; same route class) and the kernel's `/healthz`;
plus a diagnostic: the first and the last JSON page (`.json?per_page=100`) at the larger size.

Both backends (PostgreSQL, SQLite). The baseline routes and the launcher are in `bench/p6_serve.py`.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import subprocess
import time
import uuid
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import (
    LOOPBACK,
    CpuMeter,
    Issuer,
    Servers,
    bench_database,
    bench_namespace,
    kyodo_serve,
    percentiles,
    rounded,
    serve_env,
    workdir,
)
from bench.httpclient import HttpConnection
from bench.p6_serve import COLUMNS, HUB, NOTHING, PLAIN

CLIENTS = 8
EXPORT = f"{HUB}/open-data/datasets/groups.csv"
INSERT = (
    f"INSERT INTO directory_groups ({COLUMNS}, search_text, fields_key, area_key, source_sequence) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
AREAS = ("本町", "南町", "東元町", "西元町", "泉町", "戸倉", "日吉町", "内藤", "富士本", "光町", "高木町", "恋ヶ窪")
FIELDS = [
    "保健・医療・福祉",
    "社会教育",
    "まちづくり",
    "学術・文化・芸術・スポーツ",
    "環境の保全",
    "災害救援",
    "地域安全",
    "国際協力",
    "子どもの健全育成",
    "男女共同参画",
]

# ---------------------------------------------------------------------------------------- seeding


def group_row(n: int) -> tuple[Any, ...]:
    from kyodo_shared.domain.calendar import TOKYO
    from kyodo_shared.store.search import search_keys

    area = AREAS[n % len(AREAS)]
    fields = sorted({FIELDS[n % len(FIELDS)], FIELDS[(n * 7 + 3) % len(FIELDS)]})
    name = f"{area}{fields[0].split('・')[0]}の会 第{n}号"
    purpose = f"{area}を中心に「{fields[-1]}」の分野で地域の皆さんと協働し、世代を超えた交流の場をつくります。"
    if n % 97 == 0:
        purpose = '=HYPERLINK("https://example.invalid","詳しくはこちら")'  # neutralised in the CSV
    registered = datetime(2020, 4, 1, tzinfo=UTC) + timedelta(minutes=n)
    status, reason = ("suspended", "会計報告が未提出のため") if n % 50 == 0 else ("registered", "")
    return (
        str(uuid.uuid5(uuid.NAMESPACE_URL, f"kyodo-bench-p6-{n}")),
        name,
        purpose,
        json.dumps(fields, ensure_ascii=False),
        area,
        None if n % 10 == 0 else date(1980 + n % 45, 1 + n % 12, 1 + n % 28).isoformat(),
        None if n % 11 == 0 else 5 + n % 300,
        None if n % 3 == 0 else f"https://example.jp/groups/{n}",
        status,
        reason,
        date(2027, 1 + n % 12, 1).isoformat(),
        registered.astimezone(TOKYO).isoformat(timespec="seconds"),
        *search_keys([name, purpose, area, *fields], fields, area),
        n,
    )


def seed(db: Any, start: int, stop: int) -> float:
    """Groups start+1..stop written into `directory_groups` (the read model), 1,000 per transaction; seconds."""
    began = time.perf_counter()
    for low in range(start, stop, 1000):
        with db.transaction() as tx:
            tx.executemany(INSERT, [group_row(n) for n in range(low + 1, min(stop, low + 1000) + 1)])
    return time.perf_counter() - began


# ---------------------------------------------------------------------------------------- measuring


def _kib(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{key} not in /proc/{pid}/status")


async def _get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[Any, float]:
    conn = await HttpConnection(LOOPBACK, port).open()
    try:
        started = time.perf_counter()
        response = await conn.request("GET", path, headers=headers)
        return response, time.perf_counter() - started
    finally:
        await conn.close()


def export_once(pid: int, port: int, path: str, rows: int) -> dict[str, Any]:
    """One export: rows/s, and the server's peak RSS above its RSS before (peak reset just before)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := VmRSS
    before = _kib(pid, "VmRSS")
    response, seconds = asyncio.run(_get(port, path))
    peak = _kib(pid, "VmHWM")
    if response.status != 200 or not response.body.startswith("\ufeff".encode()):
        raise RuntimeError(f"GET {path}: {response.status} {response.body[:200]!r}")
    read = list(csv.reader(io.StringIO(response.body.decode("utf-8-sig"), newline="")))
    if len(read) - 1 != rows:
        raise RuntimeError(f"GET {path}: {len(read) - 1} CSV rows, {rows} seeded")
    return {
        "rows_per_s": rows / seconds,
        "seconds": seconds,
        "mib": len(response.body) / 2**20,
        "rss_before_mib": before / 1024,
        "peak_growth_mib": (peak - before) / 1024,
    }


def exports(pid: int, port: int, rows: int, rounds: int) -> dict[str, Any]:
    """A warm-up of each, then `rounds` alternating baseline/export; best rows/s and largest growth of each."""
    runs: dict[str, list[dict[str, Any]]] = {"export": [], "baseline_plain_csv": []}
    paths = {"export": EXPORT, "baseline_plain_csv": PLAIN}
    for kind in runs:
        export_once(pid, port, paths[kind], rows)
    meter = CpuMeter({"server": [pid], "bench": [os.getpid()]})
    meter.start()
    for _ in range(rounds):
        for kind in ("baseline_plain_csv", "export"):
            runs[kind].append(export_once(pid, port, paths[kind], rows))
    out: dict[str, Any] = {"rows": rows, "cpu": meter.stop()}
    for kind, done in runs.items():
        out[kind] = {
            "rows_per_s": max(r["rows_per_s"] for r in done),
            "peak_growth_mib": max(r["peak_growth_mib"] for r in done),
            "mib": done[0]["mib"],
            "runs": done,
        }
    out["ratio"] = out["export"]["rows_per_s"] / out["baseline_plain_csv"]["rows_per_s"]
    return out


async def pollers(port: int, path: str, headers: dict[str, str], status: int, seconds: float) -> dict[str, Any]:
    """CLIENTS closed-loop clients on keep-alive connections, each sending the next request when answered."""
    latencies: list[float] = []
    wrong: list[str] = []
    begin = time.perf_counter() + min(2.0, seconds / 4)  # warm-up
    end = begin + seconds

    async def one() -> None:
        conn = await HttpConnection(LOOPBACK, port).open()
        try:
            while (now := time.perf_counter()) < end:
                response = await conn.request("GET", path, headers=headers)
                if response.status != status:
                    wrong.append(f"{response.status} {path}")
                elif now >= begin:
                    latencies.append((time.perf_counter() - now) * 1000)
        finally:
            await conn.close()

    await asyncio.gather(*(one() for _ in range(CLIENTS)))
    if wrong:
        raise RuntimeError(f"{len(wrong)} answers not {status}: {wrong[:3]}")
    return {"latency_ms": percentiles(latencies, (50, 95, 99)), "requests_per_s": len(latencies) / seconds}


def polls(pid: int, port: int, seconds: float) -> dict[str, Any]:
    head, _ = asyncio.run(_get(port, EXPORT))
    etag = head.headers["etag"]
    kinds = {
        "csv_if_none_match_304": (EXPORT, {"If-None-Match": etag}, 304),
        "baseline_route_304": (NOTHING, {"If-None-Match": etag}, 304),
        "baseline_healthz_200": (f"{HUB}/healthz", {}, 200),
    }
    out: dict[str, Any] = {"clients": CLIENTS, "seconds": seconds, "etag": etag}
    for kind, (path, headers, status) in kinds.items():
        meter = CpuMeter({"server": [pid], "bench": [os.getpid()]})
        meter.start()
        out[kind] = asyncio.run(pollers(port, path, headers, status, seconds))
        out[kind]["cpu"] = meter.stop()
    return out


def json_pages(port: int, rows: int) -> dict[str, Any]:
    """The first and the last page of 100 (best of 3): `Dataset.window` reads the rows up to the page's end."""
    out: dict[str, Any] = {}
    last = -(-rows // 100)
    for label, page in (("first_page_ms", 1), ("last_page_ms", last)):
        times = []
        for _ in range(3):
            response, seconds = asyncio.run(
                _get(port, f"{HUB}/open-data/datasets/groups.json?page={page}&per_page=100")
            )
            body = json.loads(response.body) if response.status == 200 else {}
            if body.get("total") != rows or not body.get("items"):
                raise RuntimeError(f"groups.json page {page}: {response.status} total {body.get('total')}")
            times.append(seconds * 1000)
        out[label] = min(times)
    return out


def run_backend(servers: Servers, backend: str, sizes: Sequence[int], rounds: int, seconds: float) -> dict[str, Any]:
    from kyodo_shared.store.db import PostgresDatabase, SqliteDatabase

    result: dict[str, Any] = {"backend": backend, "uptime_at_start": _uptime()}
    with ExitStack() as stack:
        folder = Path(stack.enter_context(workdir("p6")))
        dsn = stack.enter_context(bench_database(servers.pg_dsn))
        namespace = stack.enter_context(bench_namespace(servers.nats_url))
        extra = {"KYODO_LOG_LEVEL": "WARNING"}
        if backend == "sqlite":
            extra |= {"KYODO_STORE__BACKEND": "sqlite", "KYODO_STORE__SQLITE_PATH": str(folder / "info-hub.sqlite")}
        env = serve_env("info-hub", "info_hub", dsn, servers.nats_url, namespace, Issuer(folder / "issuer"), **extra)
        svc = stack.enter_context(kyodo_serve("info-hub", env, folder, launcher=["-m", "bench.p6_serve"]))
        db = SqliteDatabase(folder / "info-hub.sqlite") if backend == "sqlite" else PostgresDatabase(dsn, "info_hub")
        stack.callback(db.close)
        seeded = 0
        for size in sizes:
            result[f"seed_{size}_s"] = seed(db, seeded, size)
            seeded = size
            result[f"export_{size}"] = exports(svc.process.pid, svc.port, size, rounds)
        result["json_pages"] = json_pages(svc.port, seeded)
        result["poll"] = polls(svc.process.pid, svc.port, seconds)
        result["server_rss_end_mib"] = _kib(svc.process.pid, "VmRSS") / 1024
    result["uptime_at_end"] = _uptime()
    return rounded(result, 3)


def run_p6(servers: Servers, *, quick: bool, sizes: Sequence[int] = (5_000, 20_000)) -> dict[str, Any]:
    sizes, rounds, seconds = ((300, 1_200), 1, 1.0) if quick else (sizes, 3, 10.0)
    result: dict[str, Any] = {"quick": quick, "sizes": list(sizes)}
    for backend in ("postgres", "sqlite"):
        result[backend] = run_backend(servers, backend, sizes, rounds, seconds)
    return result


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
