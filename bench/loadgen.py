"""Closed-loop HTTP load generator, run as its own process so it does not share the server's interpreter.

`python -m bench.loadgen --port P --concurrency 16 --warmup 3 --duration 20` with the bearer token in
BENCH_TOKEN. Prints `MEASURE_START` / `MEASURE_END` lines when the measured window opens and closes, then one
JSON line with the results.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import time
import uuid
from collections import Counter

from bench.common import percentiles
from bench.httpclient import HttpConnection

from support.registry import BYLAWS, application, bylaws


async def run(args: argparse.Namespace) -> dict[str, object]:
    # One representative per client (BENCH_TOKENS, comma-separated; else BENCH_TOKEN for all): April's load comes
    # from many groups, and one person's rows (their key, their retention) would serialise every client on them.
    tokens = os.environ.get("BENCH_TOKENS", os.environ.get("BENCH_TOKEN", "")).split(",")
    template = application(name="ベンチ市民の会")

    def body() -> bytes:
        # Every application carries bylaws of its own (a stored document per command, as in real use).
        template["bylaws"] = bylaws(BYLAWS + f"\n# {uuid.uuid4()}\n".encode())
        return json.dumps(template).encode()

    ports = [int(p) for p in str(args.port).split(",")]
    # Worker i talks to ports[i % len(ports)]: several server processes share the clients evenly.
    conns = [await HttpConnection(args.host, ports[i % len(ports)]).open() for i in range(args.concurrency)]
    t0 = time.perf_counter()
    window_start = t0 + args.warmup
    window_end = window_start + args.duration
    samples: list[tuple[float, float, int]] = []
    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()

    async def worker(conn: HttpConnection, token: str) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        while True:
            started = time.perf_counter()
            if started >= window_end:
                return
            try:
                response = await conn.request("POST", args.path, body=body(), headers=headers)
            except (OSError, asyncio.IncompleteReadError) as exc:
                errors[type(exc).__name__] += 1
                await conn.close()
                continue
            ended = time.perf_counter()
            statuses[response.status] += 1
            samples.append((started, ended, response.status))

    async def marks() -> None:
        await asyncio.sleep(max(0.0, window_start - time.perf_counter()))
        print("MEASURE_START", flush=True)
        await asyncio.sleep(max(0.0, window_end - time.perf_counter()))
        print("MEASURE_END", flush=True)

    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    await asyncio.gather(marks(), *(worker(c, tokens[i % len(tokens)]) for i, c in enumerate(conns)))
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    for conn in conns:
        await conn.close()
    in_window = [(s, e, st) for s, e, st in samples if window_start <= e < window_end]
    ok = [(s, e) for s, e, st in in_window if st == args.expect]
    latencies = [(e - s) * 1000 for s, e in ok]
    client_cpu = (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)
    return {
        "concurrency": args.concurrency,
        "warmup_s": args.warmup,
        "duration_s": args.duration,
        "ok_in_window": len(ok),
        "non_ok_in_window": len(in_window) - len(ok),
        "per_second": len(ok) / args.duration,
        "latency_ms": percentiles(latencies, (50, 90, 99)),
        "statuses_total": {str(k): v for k, v in statuses.items()},
        "accepted_total": statuses.get(args.expect, 0),
        "errors": dict(errors),
        "client_cpu_cores": client_cpu / (time.perf_counter() - t0),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", required=True, help="a port, or several comma-separated")
    parser.add_argument("--path", default="/api/registry/groups")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--expect", type=int, default=201)
    result = asyncio.run(run(parser.parse_args()))
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
