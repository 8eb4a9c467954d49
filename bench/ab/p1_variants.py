"""P1's HTTP part alone (16 keep-alive clients, 3 s warm-up, 20 s measured, `POST /api/registry/groups`) for a list
of `kyodo serve` variants (bench/ab/sitecustomize.py), each on a fresh database and registry process, same servers,
in the order given. Also per accepted command, over the whole load: the registry's user and system CPU and the
context switches of all its threads.

    cd <worktree> && PYTHONPATH=/work/main/bench/ab:<worktree code dirs> \\
        .venv/bin/python /work/main/bench/ab/p1_variants.py OUT.json "shipped;asyncio_pool"

The bench package, tests and kyodo code are the worktree's (the current directory and PYTHONPATH).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, os.getcwd())

from bench.common import (
    Issuer,
    bench_database,
    bench_namespace,
    kyodo_serve,
    machine_info,
    serve_env,
    server_groups,
    servers,
)
from bench.p1_http import _http_load

PG_DSN = os.environ.get("BENCH_PG_DSN", "postgresql://root@127.0.0.1:5432/postgres")
CLK = os.sysconf("SC_CLK_TCK")


def proc_stats(pid: int) -> dict[str, float]:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    voluntary = nonvoluntary = threads = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            for line in (task / "status").read_text().splitlines():
                if line.startswith("voluntary_ctxt_switches"):
                    voluntary += int(line.split()[1])
                elif line.startswith("nonvoluntary_ctxt_switches"):
                    nonvoluntary += int(line.split()[1])
            threads += 1
        except OSError:
            pass
    return {
        "utime": int(fields[11]) / CLK,
        "stime": int(fields[12]) / CLK,
        "vol": voluntary,
        "nonvol": nonvoluntary,
        "threads": threads,
    }


def main() -> None:
    out_path, variants = sys.argv[1], sys.argv[2].split(";")
    report: dict[str, Any] = {"machine": machine_info(), "runs": []}
    with servers(None, PG_DSN) as srv:
        sg = server_groups(srv)
        for variant in variants:
            os.environ["KYODO_BENCH_VARIANT"] = "" if variant == "shipped" else variant
            load = os.getloadavg()
            with bench_database(srv.pg_dsn) as dsn, bench_namespace(srv.nats_url) as ns:
                root = Path(tempfile.mkdtemp(prefix="kyodo-bench-ab-"))
                issuer = Issuer(root / "issuer")
                env = serve_env("registry", "registry", dsn, srv.nats_url, ns, issuer)
                with kyodo_serve("registry", env, root) as svc:
                    pid = svc.process.pid
                    before = proc_stats(pid)
                    http = _http_load(svc, issuer, 3.0, 20.0, 16, sg, None)
                    after = proc_stats(pid)
            reg = http["cpu"]["cores_used"]["registry (uvicorn)"]
            n = http["accepted_total"]
            row = {
                "variant": variant,
                "loadavg_at_start": load,
                "per_second": http["per_second"],
                "latency_ms": http["latency_ms"],
                "registry_cores": reg,
                "cpu_ms_per_command": 1000 * reg / http["per_second"],
                "cpu": http["cpu"],
                "statuses_total": http["statuses_total"],
                "whole_load_per_accepted_command": {
                    "user_ms": 1000 * (after["utime"] - before["utime"]) / n,
                    "system_ms": 1000 * (after["stime"] - before["stime"]) / n,
                    "voluntary_ctxt_switches": (after["vol"] - before["vol"]) / n,
                    "nonvoluntary_ctxt_switches": (after["nonvol"] - before["nonvol"]) / n,
                    "threads_after": after["threads"],
                },
            }
            keys = ("variant", "per_second", "registry_cores", "cpu_ms_per_command", "whole_load_per_accepted_command")
            print(json.dumps({k: row[k] for k in keys}), flush=True)
            report["runs"].append(row)
    Path(out_path).write_text(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
