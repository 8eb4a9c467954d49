"""Kyodo benchmark entry point: P1 (HTTP commands/s against a plain CRUD endpoint), P2 (command → info-hub latency),
P3 (relay drain), P4 (read-model rebuild from the stream), P5 (the auditor: audit API and verification), P6 (open data
exports: the groups CSV and its 304 poll), P7 (pages: the portal's HTML beside the API's JSON and a bare Jinja2 page).

    .venv/bin/python bench/run.py                      # all three, servers spawned from the pip wheels
    .venv/bin/python bench/run.py --only P1,P3 --nats-url nats://127.0.0.1:4222 \
        --pg-dsn postgresql://root@127.0.0.1:5432/postgres
    .venv/bin/python bench/run.py --quick              # tiny smoke run (seconds, not minutes)

Each figure is printed beside its raw baseline measured in the same run; `--json PATH` writes everything.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import traceback
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # Run as a script: make `bench` and the tests' `support` importable.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    dump,
    machine_info,
    nats_server_version,
    pg_server_version,
    rounded,
    servers,
)

# P1: the goal is 1.0× the plain endpoint; 0.5× is the floor the issue sets (bench/RESULTS.md, issue 14).
TARGETS = {
    "P1": ("ratio", ">=", 1.0),
    "P2": ("p99_ms", "<=", 50.0),
    "P3": ("ratio", ">=", 0.5),
    "P4": ("ratio", ">=", 0.5),
    # P5 has several goals (API p99, verification by database and by URL): its summary line gives each.
    "P5": ("", "", 0.0),
    # P6 has no target: each figure stands beside its baseline (its summary line gives them).
    "P6": ("", "", 0.0),
    # P7 neither: each page stands beside the API's JSON of the same list and a bare Jinja2 page (its summary line).
    "P7": ("", "", 0.0),
}
ORDER = ("P1", "P2", "P3", "P4", "P5", "P6", "P7")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="P1,P2,P3", help="comma-separated subset of P1,P2,P3,P4,P5,P6,P7")
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    parser.add_argument("--nats-url", default=None, help="use this NATS server (default: spawn one)")
    parser.add_argument("--pg-dsn", default=None, help="use this PostgreSQL server (default: spawn one)")
    parser.add_argument("--json", type=Path, default=None, help="write all results to this file")
    parser.add_argument("--p1-duration", type=float, default=20.0)
    parser.add_argument("--p2-rate", type=float, default=100.0)
    parser.add_argument("--p2-duration", type=float, default=20.0)
    parser.add_argument("--p3-events", type=int, default=100_000)
    parser.add_argument("--p4-events", type=int, default=1_000_000)
    parser.add_argument("--p5-events", type=int, default=1_000_000)
    parser.add_argument(
        "--p3-batch-sizes", default="500,2000", help="RelaySettings.batch_size values to time (first = default)"
    )
    parser.add_argument(
        "--p2-variants",
        default="kernel",
        help="comma list: kernel (as shipped) and/or patched (bench/patched_serve.py: the fixes proposed in "
        "RESULTS.md, applied by monkeypatching a child process; shared/ is untouched)",
    )
    parser.add_argument(
        "--p2-scenarios",
        default="register,mixed",
        help="register: only the measured registrations; mixed: plus one new application per 10 (first = headline)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="py-spy (GIL samples) the registry in P1, the relay in P3, info-hub's directory page in P7",
    )
    parser.add_argument("--profile-dir", type=Path, default=Path("bench/out"), help="where py-spy writes")
    return parser


def _save(args: argparse.Namespace, report: dict[str, Any]) -> None:
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rounded(report, 3), indent=2, ensure_ascii=False, default=str))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    only = {p.strip().upper() for p in args.only.split(",") if p.strip()}
    unknown = only - set(TARGETS)
    if unknown:
        print(f"unknown benchmark(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    report: dict[str, Any] = {"machine": machine_info(), "argv": sys.argv[1:], "quick": args.quick}
    with servers(args.nats_url, args.pg_dsn) as srv:
        report["servers"] = srv.describe() | {
            "postgres_version": pg_server_version(srv.pg_dsn),
            "nats_version": asyncio.run(nats_server_version(srv.nats_url)),
        }
        print(dump({"machine": report["machine"], "servers": report["servers"]}), flush=True)
        for name in ORDER:
            if name not in only:
                continue
            started = time.monotonic()
            try:
                report[name] = _RUNNERS[name](srv, args)
            except Exception:
                # One failed benchmark must not lose the others' figures.
                report[name] = {"error": traceback.format_exc()}
                print(report[name]["error"], file=sys.stderr, flush=True)
            report[name]["elapsed_s"] = time.monotonic() - started
            _save(args, report)
            if "error" not in report[name]:
                _summary(name, report[name])
    print("\n==== summary ====")
    for name in ORDER:
        if name in report:
            print(_line(name, report[name]) if "error" not in report[name] else f"{name} failed (see above)")
    _save(args, report)
    if args.json:
        print(f"results written to {args.json}")
    return 1 if any("error" in report.get(n, {}) for n in ORDER) else 0


def _p1(srv: Any, args: argparse.Namespace) -> dict[str, Any]:
    from bench.p1_http import run_p1

    profile = args.profile_dir / "p1-registry.txt" if args.profile else None
    if args.quick:
        return run_p1(srv, warmup=1.0, duration=3.0, diag_duration=2.0, profile=profile, two_processes_duration=2.0)
    return run_p1(
        srv, warmup=3.0, duration=args.p1_duration, diag_duration=10.0, profile=profile, two_processes_duration=10.0
    )


def _p2(srv: Any, args: argparse.Namespace) -> dict[str, Any]:
    from bench.p2_latency import run_p2

    variants = [v.strip() for v in args.p2_variants.split(",") if v.strip()]
    scenarios = [v.strip() for v in args.p2_scenarios.split(",") if v.strip()]
    if args.quick:
        return run_p2(srv, rate=50.0, warmup=1.0, duration=3.0, variants=variants, scenarios=scenarios)
    return run_p2(srv, rate=args.p2_rate, warmup=2.0, duration=args.p2_duration, variants=variants, scenarios=scenarios)


def _p3(srv: Any, args: argparse.Namespace) -> dict[str, Any]:
    from bench.p3_relay import run_p3

    sizes = [int(s) for s in args.p3_batch_sizes.split(",") if s.strip()]
    events = 2_000 if args.quick else args.p3_events
    return run_p3(srv, events=events, batch_sizes=sizes, profile=args.profile_dir if args.profile else None)


def _p4(srv: Any, args: argparse.Namespace) -> dict[str, Any]:
    from bench.p4_replay import run_p4

    # Quick: enough messages for the two-process path `kyodo replay` takes from 20,000 on (bus/replay.py).
    return run_p4(srv, events=25_000 if args.quick else args.p4_events)


def _p5(srv: Any, args: argparse.Namespace) -> dict[str, Any]:
    from bench.p5_audit import run_p5

    return run_p5(srv, events=args.p5_events, quick=args.quick)


def _p6(srv: Any, args: argparse.Namespace) -> dict[str, Any]:
    from bench.p6_open_data import run_p6

    return run_p6(srv, quick=args.quick)


def _p7(srv: Any, args: argparse.Namespace) -> dict[str, Any]:
    from bench.p7_pages import run_p7

    return run_p7(srv, quick=args.quick, profile=args.profile_dir if args.profile else None)


_RUNNERS = {"P1": _p1, "P2": _p2, "P3": _p3, "P4": _p4, "P5": _p5, "P6": _p6, "P7": _p7}


def _met(name: str, result: dict[str, Any]) -> bool:
    _, op, target = TARGETS[name]
    if not op:
        return False
    value = result["variants"][0]["accepted_to_visible_ms"]["p99"] if name == "P2" else result["ratio"]
    return value >= target if op == ">=" else value <= target


def _line(name: str, result: dict[str, Any]) -> str:
    met = "MET" if _met(name, result) else "NOT MET"
    if name == "P1":
        line = (
            f"P1 {result['http']['per_second']:.0f} commands/s vs plain endpoint "
            f"{result['plain']['per_second']:.0f} req/s → {result['ratio']:.2f}× (goal ≥ 1.0×: {met}; floor 0.5×: "
            f"{'MET' if result['ratio'] >= 0.5 else 'NOT MET'})"
        )
        if "diag_ratio_to_plain_outbox" in result:
            line += (
                f"; plain with an outbox published to JetStream {result['diag_plain_outbox']['per_second']:.0f} "
                f"req/s → {result['diag_ratio_to_plain_outbox']:.2f}× (diagnostic)"
            )
        if "ratio_two_processes" in result:
            line += (
                f"; two processes {result['http_two_processes']['per_second']:.0f} vs "
                f"{result['plain_two_processes']['per_second']:.0f} → {result['ratio_two_processes']:.2f}×"
            )
        return line + f"; raw PG {result['raw_pg']['per_second']:.0f} commits/s (diagnostic)"
    if name == "P2":
        parts = []
        for v in result["variants"]:
            lat = v["accepted_to_visible_ms"]
            parts.append(f"{v['scenario']}/{v['variant']}: p50 {lat['p50']:.1f} ms p99 {lat['p99']:.1f} ms")
        raw = result["raw_jetstream"]["latency_ms"]
        return (
            f"P2 accepted→visible {'; '.join(parts)} | raw JetStream p50 {raw['p50']:.2f} ms p99 {raw['p99']:.2f} ms "
            f"(target p99 ≤ 50 ms: {met})"
        )
    if name == "P4":
        return (
            f"P4 rebuild {result['replay_per_s']} msgs/s vs raw ordered consumer {result['raw_ordered_consumer_per_s']}"
            f" msgs/s → {result['ratio']:.2f}× (target ≥ 0.5×: {met})"
        )
    if name == "P5":
        return "P5 " + json.dumps({k: v for k, v in result.items() if k in ("api", "verify_db", "verify_url")})[:600]
    if name == "P7":
        return "P7 " + _p7_line(result)
    if name == "P6":
        return "P6 " + "; ".join(_p6_line(result[b], result["sizes"]) for b in ("postgres", "sqlite") if b in result)
    best = result["relay"][0]
    return (
        f"P3 relay {best['per_second']:.0f} events/s (batch_size {best['batch_size']}) vs raw publish_async "
        f"{result['raw_publish']['per_second']:.0f} msgs/s → {result['ratio']:.2f}× (target ≥ 0.5×: {met})"
    )


def _p6_line(r: dict[str, Any], sizes: list[int]) -> str:
    parts = []
    for size in sizes:
        e = r[f"export_{size}"]
        parts.append(
            f"{size} rows: CSV {e['export']['rows_per_s']:.0f} rows/s (+{e['export']['peak_growth_mib']:.1f} MiB) vs "
            f"plain {e['baseline_plain_csv']['rows_per_s']:.0f} (+{e['baseline_plain_csv']['peak_growth_mib']:.1f}"
            f" MiB) → {e['ratio']:.2f}×"
        )
    poll, base = r["poll"]["csv_if_none_match_304"]["latency_ms"], r["poll"]["baseline_route_304"]["latency_ms"]
    return (
        f"{r['backend']}: {', '.join(parts)}; 304 p50 {poll['p50']:.1f} ms p99 {poll['p99']:.1f} ms vs bare 304 "
        f"p50 {base['p50']:.1f} ms p99 {base['p99']:.1f} ms"
    )


def _p7_line(r: dict[str, Any]) -> str:
    m, parts = r["measured"], []
    for kind, value in m.items():
        lat = value["latency_ms"]
        parts.append(f"{kind} {value['requests_per_s']:.0f} req/s p50 {lat['p50']:.1f} p95 {lat['p95']:.1f} ms")
    ratios = "; ".join(
        f"{page} {v['to_api']:.2f}× API, {v['to_floor']:.2f}× floor"
        if "to_api" in v
        else f"{page} {v['to_floor']:.2f}× floor"
        for page, v in r["ratios"].items()
    )
    return f"{r['groups']} groups, {r['clients']} clients: " + "; ".join(parts) + f" | {ratios}"


def _summary(name: str, result: dict[str, Any]) -> None:
    print(f"\n==== {name} ====\n{dump(result)}\n{_line(name, result)}", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
