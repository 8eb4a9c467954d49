"""Where a P1 command's CPU goes at the system level: one `kyodo serve registry`, P1's load for N seconds, and the
registry process's user and system CPU and context switches (summed over its threads) per command.

    .venv/bin/python -m bench.p1_probe --seconds 10 KYODO_WAKE_COALESCE_MS=0     # settings as NAME=VALUE

Used for A/B of one setting at a time (bench/RESULTS.md, issue 14); the machine PostgreSQL unless --pg-dsn.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.common import REPO, TESTS, Issuer, bench_database, bench_namespace, kyodo_serve, serve_env, servers, workdir


def _cpu(pid: int) -> tuple[float, float]:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def _switches(pid: int) -> tuple[int, int]:
    voluntary = involuntary = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            for line in (task / "status").read_text().splitlines():
                if line.startswith("voluntary_ctxt_switches"):
                    voluntary += int(line.split()[1])
                elif line.startswith("nonvoluntary_ctxt_switches"):
                    involuntary += int(line.split()[1])
        except FileNotFoundError:  # a thread that ended meanwhile
            continue
    return voluntary, involuntary


def probe(seconds: float, pg_dsn: str, settings: dict[str, str]) -> dict[str, Any]:
    with (
        servers(None, pg_dsn) as srv,
        workdir("probe") as tmp,
        bench_database(srv.pg_dsn) as dsn,
        bench_namespace(srv.nats_url) as ns,
    ):
        root = Path(tmp)
        issuer = Issuer(root / "issuer")
        env = serve_env("registry", "registry", dsn, srv.nats_url, ns, issuer, **settings)
        with kyodo_serve("registry", env, root) as svc:
            pid = svc.process.pid
            load_env = {
                **os.environ,
                "BENCH_TOKENS": ",".join(issuer.token(f"bench-rep-{i}", "group") for i in range(16)),
                "PYTHONPATH": os.pathsep.join([str(REPO), str(TESTS)]),
            }
            args = [sys.executable, "-m", "bench.loadgen", "--port", str(svc.port), "--duration", str(seconds)]
            proc = subprocess.Popen(args, env=load_env, cwd=REPO, stdout=subprocess.PIPE, text=True)
            assert proc.stdout is not None
            result: dict[str, Any] = {}
            for line in proc.stdout:
                line = line.strip()
                if line == "MEASURE_START":
                    cpu0, switches0 = _cpu(pid), _switches(pid)
                elif line == "MEASURE_END":
                    cpu1, switches1 = _cpu(pid), _switches(pid)
                elif line.startswith("{"):
                    result = json.loads(line)
            proc.wait()
    commands = result["per_second"] * seconds
    return {
        "settings": settings,
        "commands_per_s": result["per_second"],
        "p50_ms": result["latency_ms"]["p50"],
        "user_ms_per_command": 1000 * (cpu1[0] - cpu0[0]) / commands,
        "system_ms_per_command": 1000 * (cpu1[1] - cpu0[1]) / commands,
        "voluntary_switches_per_command": (switches1[0] - switches0[0]) / commands,
        "involuntary_switches_per_command": (switches1[1] - switches0[1]) / commands,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--pg-dsn", default="postgresql://root@127.0.0.1:5432/postgres")
    parser.add_argument("settings", nargs="*", help="NAME=VALUE environment settings for the registry")
    args = parser.parse_args()
    settings = dict(item.split("=", 1) for item in args.settings)
    print(json.dumps(probe(args.seconds, args.pg_dsn, settings)))


if __name__ == "__main__":
    main()
