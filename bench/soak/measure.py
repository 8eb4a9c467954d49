"""The soak's samples (RSS, open file descriptors and threads of each watched process, from /proc) and its verdict:
least-squares slopes over the samples after the warm-up, against the thresholds below.

A metric is flat when its fitted growth over the judged window (slope × window length) stays under its threshold:

- RSS: at most max(RSS_FLOOR_MIB, RSS_SHARE × the window's mean) — a leak of 1 KiB per request at 10 requests/s
  grows 12 MiB in 20 minutes;
- open file descriptors: at most FD_GROWTH (a descriptor lost per N requests climbs without bound);
- threads: at most THREAD_GROWTH;
- PostgreSQL's process tree (postmaster and backends): its anonymous memory as RSS above, its number of processes
  at most THREAD_GROWTH, its descriptors at most max(4 × FD_GROWTH, TREE_FD_SHARE × the mean) (autovacuum workers
  come and go; a backend opens a table's files when it first reads it, ~25 each over ~90 processes);
- latency, per kind of request, of the per-minute p50 / p95 / p99: at most max(LATENCY_FLOOR_MS, share × the
  series' median) with the share LATENCY_SHARE[p] (p99 from a minute's few dozen requests is close to its max:
  noisier). Latency on a shared machine moves with other people's work: the load average is sampled beside it.
"""

from __future__ import annotations

import functools
import os
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import percentiles

RSS_FLOOR_MIB = 12.0
RSS_SHARE = 0.05
FD_GROWTH = 4.0
THREAD_GROWTH = 2.0
LATENCY_FLOOR_MS = 10.0
LATENCY_SHARE = {"p50": 0.5, "p95": 0.5, "p99": 1.0}
TREE_FD_SHARE = 0.02
MIN_POINTS = 3


def _status(pid: int) -> dict[str, int] | None:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    if "VmRSS" not in fields:
        return None  # a zombie
    return {
        "rss_kib": int(fields["VmRSS"].split()[0]),
        "anon_kib": int(fields["RssAnon"].split()[0]),
        "threads": int(fields["Threads"]),
    }


def _fds(pid: int) -> int | None:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def probe(target: int | Callable[[], list[int]]) -> dict[str, Any] | None:
    """One process (pid) or a process tree (a callable listing pids, summed): RSS (MiB), fds, threads."""
    pids = target() if callable(target) else [target]
    rss = anon = fds = threads = 0
    alive = 0
    for pid in pids:
        status, count = _status(pid), _fds(pid)
        if status is None or count is None:
            continue
        alive += 1
        rss += status["rss_kib"]
        anon += status["anon_kib"]
        threads += status["threads"]
        fds += count
    if not alive:
        return None
    return {
        "rss_mib": round(rss / 1024, 2),
        "anon_mib": round(anon / 1024, 2),
        "fds": fds,
        "threads": threads,
        "processes": alive,
    }


class Sampler:
    """Samples every `every` seconds in a thread (from t=0) until stopped; each sample has the load average."""

    def __init__(self, watched: dict[str, Any], every: float, minute: Callable[[], float]) -> None:
        self.watched, self.every, self.elapsed = watched, every, minute
        self.samples: list[dict[str, Any]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="soak-sampler", daemon=True)

    def sample(self) -> None:
        load = os.getloadavg()
        processes = {name: probe(target) for name, target in self.watched.items()}
        sample = {
            "t_min": round(self.elapsed(), 3),
            "utc": time.strftime("%H:%M:%S", time.gmtime()),
            "loadavg": [round(x, 2) for x in load],
            "processes": processes,
        }
        self.samples.append(sample)
        # A long run shows its course as it goes (MiB/fds/threads per process).
        shown = " | ".join(
            f"{name.removeprefix('kyodo serve ')} {p['rss_mib']:.0f}/{p['fds']}/{p['threads']}"
            for name, p in processes.items()
            if p
        )
        print(f"[soak {sample['utc']} t={sample['t_min']:.1f} min load {load[0]:.1f}] {shown}", flush=True)

    def _run(self) -> None:
        while True:
            self.sample()
            if self._stop.wait(self.every):
                return

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        self.sample()  # the end of the run


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of y over x (per unit of x)."""
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else 0.0


def _verdict(points: list[tuple[float, float]], limit_of: Callable[[list[float]], float], unit: str) -> dict[str, Any]:
    if len(points) < MIN_POINTS:
        return {"verdict": "n/a", "why": f"{len(points)} points (< {MIN_POINTS})"}
    per_min = slope(points)
    window = points[-1][0] - points[0][0]
    growth = per_min * window
    values = [y for _, y in points]
    limit = limit_of(values)
    return {
        "verdict": "PASS" if growth <= limit else "FAIL",
        "slope_per_min": round(per_min, 4),
        "growth": round(growth, 3),
        "limit": round(limit, 3),
        "first": values[0],
        "last": values[-1],
        "min": min(values),
        "max": max(values),
        "unit": unit,
        "points": len(points),
    }


def judge_processes(samples: list[dict[str, Any]], warmup_min: float) -> dict[str, dict[str, Any]]:
    """A process: its RSS. A process tree (PostgreSQL's postmaster and backends): the sum of its members' anonymous
    memory (RSS counts the shared buffers once per backend that touched them) and its number of processes."""
    judged = [s for s in samples if s["t_min"] >= warmup_min]
    memory: Callable[[list[float]], float] = lambda v: max(RSS_FLOOR_MIB, RSS_SHARE * statistics.fmean(v))  # noqa: E731
    limits: dict[str, tuple[str, Callable[[list[float]], float]]] = {
        "rss_mib": ("MiB", memory),
        "fds": ("fds", lambda v: FD_GROWTH),
        "threads": ("threads", lambda v: THREAD_GROWTH),
    }
    tree_limits: dict[str, tuple[str, Callable[[list[float]], float]]] = {
        "anon_mib": ("MiB", memory),
        "processes": ("procs", lambda v: THREAD_GROWTH),
        "fds": ("fds", lambda v: max(FD_GROWTH * 4, TREE_FD_SHARE * statistics.fmean(v))),
    }
    names = {name for s in samples for name in s["processes"]}
    out: dict[str, dict[str, Any]] = {}
    for name in sorted(names):
        out[name] = {}
        tree = any((s["processes"].get(name) or {}).get("processes", 1) > 1 for s in samples)
        for metric, (unit, limit) in (tree_limits if tree else limits).items():
            points = [
                (s["t_min"], float(s["processes"][name][metric]))
                for s in judged
                if metric in (s["processes"].get(name) or {})  # a report written before the metric was sampled
            ]
            out[name][metric] = _verdict(points, limit, unit)
    return out


def latency_by_minute(latencies: dict[int, dict[str, list[float]]]) -> dict[str, list[dict[str, Any]]]:
    """kind -> [{minute, n, p50, p95, p99, max}] (ms)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for minute in sorted(latencies):
        for kind, values in sorted(latencies[minute].items()):
            row = percentiles(values)
            out.setdefault(kind, []).append(
                {"minute": minute, "n": len(values), **{k: round(row[k], 2) for k in ("p50", "p95", "p99", "max")}}
            )
    return out


def judge_latency(series: dict[str, list[dict[str, Any]]], warmup_min: float, last_minute: int) -> dict[str, Any]:
    """Only whole minutes after the warm-up count (the last minute, cut short by the end, does not)."""
    out: dict[str, Any] = {}
    for kind, rows in series.items():
        judged = [r for r in rows if r["minute"] >= warmup_min and r["minute"] < last_minute]
        out[kind] = {}
        for p, share in LATENCY_SHARE.items():
            points = [(float(r["minute"]), float(r[p])) for r in judged]
            out[kind][p] = _verdict(points, functools.partial(_latency_limit, share), "ms")
    return out


def _latency_limit(share: float, values: list[float]) -> float:
    return max(LATENCY_FLOOR_MS, share * statistics.median(values))


def failures(verdicts: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
    return [f"{name} {metric}" for name, ms in verdicts.items() for metric, v in ms.items() if v["verdict"] == "FAIL"]
