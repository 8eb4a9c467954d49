"""P7: pages (issue 19). A real info-hub (`kyodo serve info-hub` through the launcher `bench/p7_serve.py`, which adds
two floor pages to its pages app), served by uvicorn through the gateway (`mount_services`: pages by path, the API
under `/api/info-hub`), its `directory_groups` read model filled directly with N groups of Japanese text (P6's rows).

Closed-loop clients (8, keep-alive) on each path in turn, in alternating rounds (so a change in the machine's load
spreads over all of them); requests/s, p50/p95/p99 latency and the server's CPU per request, of:

- the HTML pages `/` (home), `/groups` (first page), `/groups?q=…` (a search), `/groups/{id}`;
- baselines in the same run: the API's JSON of the same lists (`/api/info-hub/groups`, same query) and of the same
  group, and the floor — a bare minimal Jinja2 page rendered in the same process (`/bench-p7/floor`); plus a
  diagnostic `/bench-p7/floor-list`: the directory's same read (20 rows) written by a bare Jinja2 template.

Every path is read back once before it is measured (status, and what it must show); then each answer's status.
PostgreSQL only: the pages' cost is in the process, the backends' read is P6's subject.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack
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
from bench.p6_open_data import seed
from bench.p7_serve import FLOOR, FLOOR_LIST, MARKER

CLIENTS = 8
API = "/api/info-hub"
QUERY = "本町"  # an area: one group in 12 (P6's rows), so the search's first page is full
GROUP_N = 151  # the group whose page is read (P6's row 151)
QUERY_ENC = "%E6%9C%AC%E7%94%BA"


def group_id(n: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"kyodo-bench-p6-{n}"))


def paths() -> dict[str, str]:
    gid = group_id(GROUP_N)
    return {
        "page_home": "/",
        "page_groups": "/groups",
        "page_groups_search": f"/groups?q={QUERY_ENC}",
        "page_group": f"/groups/{gid}",
        "api_groups": f"{API}/groups",
        "api_groups_search": f"{API}/groups?q={QUERY_ENC}",
        "api_group": f"{API}/groups/{gid}",
        "floor": FLOOR,
        "floor_list": FLOOR_LIST,
        "floor_list_search": f"{FLOOR_LIST}?q={QUERY_ENC}",
    }


# Each page beside its baseline: (page, API of the same list, floor).
PAIRS = {
    "page_home": (None, "floor"),
    "page_groups": ("api_groups", "floor"),
    "page_groups_search": ("api_groups_search", "floor"),
    "page_group": ("api_group", "floor"),
}


async def _get(port: int, path: str) -> Any:
    conn = await HttpConnection(LOOPBACK, port).open()
    try:
        return await conn.request("GET", path)
    finally:
        await conn.close()


def check(port: int, kind: str, path: str, groups: int) -> dict[str, Any]:
    """One answer read back: 200, and what the path must show. Returns its size and what was found."""
    response = asyncio.run(_get(port, path))
    body = response.body.decode()
    if response.status != 200:
        raise RuntimeError(f"GET {path}: {response.status} {body[:300]!r}")
    found: dict[str, Any] = {"bytes": len(response.body), "content_type": response.headers.get("content-type")}
    if kind.startswith("api_groups"):
        data = json.loads(body)
        found |= {"total": data["total"], "items": len(data["items"])}
        if len(data["items"]) != 20 or (kind == "api_groups" and data["total"] != groups):
            raise RuntimeError(f"GET {path}: {found}")
    elif kind == "api_group":
        if json.loads(body)["id"] != group_id(GROUP_N):
            raise RuntimeError(f"GET {path}: {body[:200]!r}")
    elif kind in ("page_groups", "page_groups_search", "floor_list", "floor_list_search"):
        found["group_links"] = body.count('href="/groups/')
        if found["group_links"] != 20 or (kind.endswith("search") and body.count(QUERY) < 20):
            raise RuntimeError(f"GET {path}: {found} {body[:300]!r}")
    elif kind == "page_group":
        if f"第{GROUP_N}号" not in body:
            raise RuntimeError(f"GET {path}: the group's name not on its page")
    elif kind == "floor" and MARKER not in body:
        raise RuntimeError(f"GET {path}: not the floor page")
    if kind.startswith("page_") and "<html" not in body[:200]:
        raise RuntimeError(f"GET {path}: not a page {body[:200]!r}")
    return found


async def clients(port: int, path: str, seconds: float) -> tuple[list[float], list[str]]:
    """CLIENTS closed-loop clients on keep-alive connections; latencies (ms) of the answers after a short warm-up."""
    latencies: list[float] = []
    wrong: list[str] = []
    begin = time.perf_counter() + min(1.0, seconds / 4)
    end = begin + seconds

    async def one() -> None:
        conn = await HttpConnection(LOOPBACK, port).open()
        try:
            while (now := time.perf_counter()) < end:
                response = await conn.request("GET", path)
                if response.status != 200:
                    wrong.append(f"{response.status} {path}")
                elif now >= begin:
                    latencies.append((time.perf_counter() - now) * 1000)
        finally:
            await conn.close()

    await asyncio.gather(*(one() for _ in range(CLIENTS)))
    return latencies, wrong


def measure(pid: int, port: int, rounds: int, seconds: float) -> dict[str, Any]:
    """`rounds` rounds; in each, every path for `seconds`. Latencies pooled over the rounds."""
    todo = paths()
    pooled: dict[str, list[float]] = {k: [] for k in todo}
    cpu_s: dict[str, float] = dict.fromkeys(todo, 0.0)
    busy: dict[str, list[float]] = {k: [] for k in todo}
    other: dict[str, list[float]] = {k: [] for k in todo}
    for _ in range(rounds):
        for kind, path in todo.items():
            meter = CpuMeter({"server": [pid], "bench": [os.getpid()]})
            meter.start()
            latencies, wrong = asyncio.run(clients(port, path, seconds))
            cpu = meter.stop()
            if wrong:
                raise RuntimeError(f"{len(wrong)} answers not 200: {wrong[:3]}")
            pooled[kind] += latencies
            cpu_s[kind] += cpu["cores_used"]["server"] * cpu["wall_s"]
            busy[kind].append(cpu["machine_busy_pct"])
            other[kind].append(cpu["cores_used"]["other"])
    out: dict[str, Any] = {}
    for kind, latencies in pooled.items():
        # The measured window is `seconds` a round; the server's CPU includes the short warm-up (same for all).
        out[kind] = {
            "path": todo[kind],
            "requests_per_s": len(latencies) / (seconds * rounds),
            "latency_ms": percentiles(latencies, (50, 95, 99)),
            "requests": len(latencies),
            "server_cpu_ms_per_request": 1000 * cpu_s[kind] / max(1, len(latencies)),
            "machine_busy_pct": busy[kind],
            "other_cores": other[kind],
        }
    return out


def ratios(measured: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for page, (api, floor) in PAIRS.items():
        rps = measured[page]["requests_per_s"]
        entry = {"to_floor": rps / measured[floor]["requests_per_s"]}
        if api:
            entry["to_api"] = rps / measured[api]["requests_per_s"]
            entry["p50_over_api_p50"] = measured[page]["latency_ms"]["p50"] / measured[api]["latency_ms"]["p50"]
        out[page] = entry
    return out


def run_p7(servers: Servers, *, quick: bool, groups: int = 2_000, profile: Path | None = None) -> dict[str, Any]:
    from kyodo_shared.store.db import PostgresDatabase

    groups, rounds, seconds = (300, 1, 1.0) if quick else (groups, 2, 5.0)
    result: dict[str, Any] = {
        "quick": quick,
        "groups": groups,
        "clients": CLIENTS,
        "rounds": rounds,
        "seconds": seconds,
        "uptime_at_start": _uptime(),
    }
    with ExitStack() as stack:
        folder = Path(stack.enter_context(workdir("p7")))
        dsn = stack.enter_context(bench_database(servers.pg_dsn))
        namespace = stack.enter_context(bench_namespace(servers.nats_url))
        env = serve_env(
            "info-hub",
            "info_hub",
            dsn,
            servers.nats_url,
            namespace,
            Issuer(folder / "issuer"),
            KYODO_LOG_LEVEL="WARNING",
        )
        svc = stack.enter_context(kyodo_serve("info-hub", env, folder, launcher=["-m", "bench.p7_serve"]))
        db = PostgresDatabase(dsn, "info_hub")
        stack.callback(db.close)
        result["seed_s"] = seed(db, 0, groups)
        result["answers"] = {kind: check(svc.port, kind, path, groups) for kind, path in paths().items()}
        result["measured"] = measure(svc.process.pid, svc.port, rounds, seconds)
        result["ratios"] = ratios(result["measured"])
        if profile is not None:
            # The group's page (the page furthest from its API) and the home page (nearly only the kit's layout).
            result["profile"] = [
                profile_page(svc.process.pid, svc.port, profile, 2.0 if quick else 12.0, kind)
                for kind in ("page_group", "page_home")
            ]
        result["server_pid"] = svc.process.pid
    result["uptime_at_end"] = _uptime()
    out: dict[str, Any] = rounded(result, 3)
    return out


def profile_page(pid: int, port: int, folder: Path, seconds: float, kind: str = "page_groups") -> dict[str, Any]:
    """py-spy (`--gil`: the thread holding the GIL, `--nonblocking`; bench/profiling.py) of the server while the
    clients read one page; collapsed stacks in `folder/p7-<kind>.txt`, summarised."""
    from bench.profiling import PySpy

    os.environ.setdefault("PY_SPY", str(Path(sys.executable).with_name("py-spy")))  # the venv's, off PATH
    spy = PySpy(pid, folder / f"p7-{kind}.txt")
    time.sleep(1.0)  # py-spy attached
    latencies, wrong = asyncio.run(clients(port, paths()[kind], seconds))
    summary = spy.stop()
    if wrong:
        raise RuntimeError(f"{len(wrong)} answers not 200 while profiling: {wrong[:3]}")
    return {"kind": kind, "requests": len(latencies), **summary}


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
