"""Soak (issue 22): every service as its own `kyodo serve` process under a steady mixed load for a long time; the
memory (RSS), open file descriptors and threads of every process and the latency of every kind of request must stay
flat. Not a CI test: a script whose result is recorded in bench/RESULTS.md.

    .venv/bin/python -m bench.soak                          # 30 min at 10 requests/s, 10 min warm-up, sample/min
    .venv/bin/python -m bench.soak --duration 10s --sample-every 2s --warmup 0 --json /tmp/soak.json   # smoke

Servers: a spawned nats-server and PostgreSQL (from the pip wheels) unless --nats-url / --pg-dsn name existing ones;
then a database `kyodo_bench_<hex>` and a namespace `b<hex8>` of its own, dropped / deleted afterwards. The
workload: bench/soak/workload.py (screening's and evaluation's kinds: bench/soak/city.py); samples and the verdict's
thresholds: bench/soak/measure.py.

Exit status: 0 every verdict PASS (or n/a), 3 a FAIL, 4 requests answered unexpectedly or a service exited (the
workload or the platform broke); 1 is Python's own (an exception).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import machine_info, servers, workdir
from bench.soak import measure
from bench.soak.platform import platform, run_seed
from bench.soak.tally import Tally
from bench.soak.workload import CYCLE, MIX, drive


def seconds(text: str) -> float:
    """'30m', '90s', '1.5m' or a number of seconds."""
    units = {"s": 1.0, "m": 60.0, "h": 3600.0}
    if text[-1:] in units:
        return float(text[:-1]) * units[text[-1]]
    return float(text)


def parse(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=seconds, default=seconds("30m"), help="load time (default 30m)")
    ap.add_argument("--rate", type=float, default=10.0, help="requests per second, open loop (default 10)")
    ap.add_argument("--warmup", type=seconds, default=seconds("10m"), help="not judged (default 10m)")
    ap.add_argument("--sample-every", type=seconds, default=seconds("1m"), help="process samples (default 1m)")
    ap.add_argument("--nats-url", help="an existing NATS server (default: spawn one)")
    ap.add_argument("--pg-dsn", help="an existing PostgreSQL server, superuser DSN (default: spawn one)")
    ap.add_argument("--json", type=Path, help="write the raw samples and the summary here")
    ap.add_argument(
        "--trace-memory",
        default="",
        help="services to run under tracemalloc (comma-separated; reports in --trace-dir; bench/soak/traced.py)",
    )
    ap.add_argument("--trace-dir", type=Path, default=Path("soak-traces"), help="(default ./soak-traces)")
    return ap.parse_args(argv)


def summary_lines(report: dict[str, Any]) -> list[str]:
    config, requests = report["config"], report["requests"]
    lines = [
        f"soak: {config['duration_min']:.1f} min at {config['rate']:g} req/s, judged from minute "
        f"{config['warmup_min']:g}; requests {requests['total']}, unexpected {requests['unexpected']}, "
        f"ticks skipped {requests['skipped']}"
    ]
    loads = [s["loadavg"][0] for s in report["samples"]]
    lines.append(f"load average (1 min) over the run: min {min(loads):.1f}, max {max(loads):.1f}")
    for name, metrics in report["verdicts"]["processes"].items():
        for metric, v in metrics.items():
            if v["verdict"] == "n/a":
                lines.append(f"  n/a   {name:<26} {metric:<8} {v['why']}")
                continue
            lines.append(
                f"  {v['verdict']:<5} {name:<26} {metric:<8} {v['first']:>9} -> {v['last']:>9} {v['unit']:<7} "
                f"fitted growth {v['growth']:+.2f} (limit {v['limit']:.2f})"
            )
    for kind, ps in report["verdicts"]["latency"].items():
        parts = []
        for p, v in ps.items():
            if v["verdict"] == "n/a":
                parts.append(f"{p} n/a")
            else:
                parts.append(
                    f"{p} {v['verdict']} {v['first']:.0f}->{v['last']:.0f} ms ({v['growth']:+.1f}/{v['limit']:.0f})"
                )
        lines.append(f"  {kind:<32} " + "; ".join(parts))
    for kind, statuses in report["requests"]["errors"].items():
        lines.append(f"  unexpected answers {kind}: {statuses}")
    lines.append("verdict: " + ("FAIL " + ", ".join(report["failures"]) if report["failures"] else "PASS"))
    return lines


def run(args: argparse.Namespace) -> dict[str, Any]:
    info = machine_info()
    traced = {name: args.trace_dir.resolve() for name in args.trace_memory.split(",") if name}
    phases: dict[str, float] = {}
    t0 = time.monotonic()
    with servers(args.nats_url, args.pg_dsn) as srv, workdir("soak") as tmp, platform(srv, Path(tmp), traced) as p:
        phases["start_s"] = time.monotonic() - t0
        started = time.monotonic()
        run_seed(p)
        phases["seed_s"] = time.monotonic() - started
        tally = Tally()
        sampler = measure.Sampler(p.processes(), args.sample_every, lambda: (time.monotonic() - tally.started) / 60)
        sampler.start()
        try:
            asyncio.run(drive(p, tally, args.rate, args.duration))
        finally:
            sampler.stop()
        exits = {name: svc.process.poll() for name, svc in p.services.items()}
        stopping = time.monotonic()
    phases["stop_s"] = time.monotonic() - stopping
    warmup_min = args.warmup / 60
    series = measure.latency_by_minute(tally.latencies)
    process_verdicts = measure.judge_processes(sampler.samples, warmup_min)
    latency_verdicts = measure.judge_latency(series, warmup_min, int(args.duration // 60))
    unexpected = sum(sum(s.values()) for s in tally.errors.values())
    return {
        "machine": info,
        "servers": srv.describe(),
        "config": {
            "duration_min": args.duration / 60,
            "rate": args.rate,
            "warmup_min": warmup_min,
            "sample_every_s": args.sample_every,
            "cycle_ticks": len(CYCLE),
            "mix_per_cycle": MIX,
            "thresholds": {
                "rss": f"growth <= max({measure.RSS_FLOOR_MIB} MiB, {measure.RSS_SHARE:.0%} of mean)",
                "fds": f"growth <= {measure.FD_GROWTH}",
                "threads": f"growth <= {measure.THREAD_GROWTH}",
                "latency": f"growth <= max({measure.LATENCY_FLOOR_MS} ms, share x median), "
                f"share {measure.LATENCY_SHARE}",
            },
        },
        "phases": {k: round(v, 1) for k, v in phases.items()},
        "service_exit_codes_before_stop": exits,
        "requests": {
            "total": sum(tally.counts.values()),
            "by_kind": dict(tally.counts),
            "unexpected": unexpected,
            "errors": {k: dict(v) for k, v in tally.errors.items()},
            "skipped": tally.skipped,
        },
        "samples": sampler.samples,
        "latency_per_minute": series,
        "verdicts": {"processes": process_verdicts, "latency": latency_verdicts},
        "failures": measure.failures(process_verdicts) + measure.failures(latency_verdicts),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    report = run(args)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False, default=str))
    print("\n".join(summary_lines(report)))
    if report["requests"]["unexpected"] or any(
        code is not None for code in report["service_exit_codes_before_stop"].values()
    ):
        return 4
    return 3 if report["failures"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
