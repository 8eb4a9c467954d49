"""P1's shape for a command on an existing group (where issue 10 saved a read): 16 keep-alive clients, closed
loop, 3 s warm-up + 20 s measured, `POST /api/registry/groups/{id}/assessments` (200) with If-Match, each client
walking the six criteria of its own seeded groups in order (the sixth registers the group). Groups are seeded
through the worktree's RegistryApplication (not timed). Variants as in p1_variants.py.

    cd <worktree> && PYTHONPATH=/work/main/bench/ab:<worktree code dirs> \\
        .venv/bin/python /work/main/bench/ab/p1_assess.py OUT.json "shipped;count_reads"
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, os.getcwd())

from bench.common import (
    CpuMeter,
    Issuer,
    bench_database,
    bench_namespace,
    kyodo_serve,
    machine_info,
    percentiles,
    sealed_representative,
    serve_env,
    server_groups,
    servers,
)
from bench.httpclient import HttpConnection

from support.registry import application

PG_DSN = os.environ.get("BENCH_PG_DSN", "postgresql://root@127.0.0.1:5432/postgres")
CRITERIA = (
    "public_interest",
    "non_profit_distributing",
    "private",
    "voluntary",
    "formally_organized",
    "self_governing",
)
CLIENTS = 16


def seed(dsn: str, count: int) -> list[str]:
    from kyodo_registry.domain import Group
    from kyodo_shared.settings import StoreSettings

    store = StoreSettings(backend="postgres", pg_dsn=dsn, pg_schema="registry")
    try:
        from bench.common import registry_application  # after issue 10: every dependency a constructor argument

        app = registry_application(store, Path(tempfile.mkdtemp(prefix="kyodo-bench-vault-")) / "vault.sqlite")
    except ImportError:
        from kyodo_registry.app import RegistryApplication
        from kyodo_shared.store import eventsourcing_env  # type: ignore[attr-defined]

        app = RegistryApplication(env=eventsourcing_env(store))
    body = application(name="ベンチ・審査の会")
    profile = {k: body[k] for k in ("name", "purpose", "fields_of_activity", "area")}
    declarations = {c: d["evidence"] for c, d in body["criteria"].items()}
    bylaws = {"sha256": "0" * 64, "filename": "会則.txt", "media_type": "text/plain", "size": 1}
    sealed = sealed_representative(body["representative"])
    trace = {"correlation_id": "bench-seed", "causation_id": "bench-seed", "actor": "bench"}
    ids: list[str] = []
    pending: list[Any] = []
    for i in range(count):
        group = Group(uuid.uuid4(), {**profile, "name": f"{profile['name']} {i}"}, f"rep-{i}", sealed,
                      declarations, bylaws, [], trace, secrets.token_hex(16))  # fmt: skip
        pending.append(group)
        ids.append(str(group.id))
        if len(pending) == 100:
            app.save(*pending)
            pending.clear()
    if pending:
        app.save(*pending)
    app.close()
    return ids


async def load(port: int, token: str, groups: list[str], warmup: float, duration: float, meter: CpuMeter) -> dict:
    conns = [await HttpConnection("127.0.0.1", port).open() for _ in range(CLIENTS)]
    t0 = time.perf_counter()
    window_start, window_end = t0 + warmup, t0 + warmup + duration
    samples: list[tuple[float, float, int]] = []
    statuses: dict[int, int] = {}

    async def worker(i: int) -> None:
        for gid in groups[i::CLIENTS]:
            for version, criterion in enumerate(CRITERIA, start=1):
                started = time.perf_counter()
                if started >= window_end:
                    return
                body = json.dumps({"criterion": criterion, "met": True, "reason": "会則と活動実績で確認"}).encode()
                headers = {"Authorization": f"Bearer {token}", "If-Match": f'"{version}"'}
                path = f"/api/registry/groups/{gid}/assessments"
                response = await conns[i].request("POST", path, body=body, headers=headers)
                ended = time.perf_counter()
                statuses[response.status] = statuses.get(response.status, 0) + 1
                samples.append((ended, ended - started, response.status))
        raise RuntimeError("ran out of seeded groups")

    async def window() -> dict:
        await asyncio.sleep(max(0.0, window_start - time.perf_counter()))
        meter.start()
        await asyncio.sleep(max(0.0, window_end - time.perf_counter()))
        return meter.stop()

    cpu, *_ = await asyncio.gather(window(), *(worker(i) for i in range(CLIENTS)))
    for conn in conns:
        await conn.close()
    ok = [d * 1000 for e, d, s in samples if window_start <= e < window_end and s == 200]
    return {
        "per_second": len(ok) / duration,
        "latency_ms": percentiles(ok, (50, 90, 99)),
        "statuses_total": {str(k): v for k, v in statuses.items()},
        "accepted_total": statuses.get(200, 0),
        "cpu": cpu,
    }


def main() -> None:
    out_path, variants = sys.argv[1], sys.argv[2].split(";")
    report: dict[str, Any] = {"machine": machine_info(), "runs": []}
    with servers(None, PG_DSN) as srv:
        sg = server_groups(srv)
        for variant in variants:
            os.environ["KYODO_BENCH_VARIANT"] = "" if variant == "shipped" else variant
            loadavg = os.getloadavg()
            with bench_database(srv.pg_dsn) as dsn, bench_namespace(srv.nats_url) as ns:
                ids = seed(dsn, 1500)
                root = Path(tempfile.mkdtemp(prefix="kyodo-bench-assess-"))
                issuer = Issuer(root / "issuer")
                env = serve_env("registry", "registry", dsn, srv.nats_url, ns, issuer)
                with kyodo_serve("registry", env, root) as svc:
                    groups = {"registry (uvicorn)": [svc.process.pid], "bench (client)": [os.getpid()], **sg}
                    token = issuer.token("bench-coordinator", "coordinator")
                    result = asyncio.run(load(svc.port, token, ids, 3.0, 20.0, CpuMeter(groups=groups)))
            reg = result["cpu"]["cores_used"]["registry (uvicorn)"]
            per_command = 1000 * reg / result["per_second"] if result["per_second"] else None
            row = {"variant": variant, "loadavg_at_start": loadavg, **result, "registry_cores": reg,
                   "cpu_ms_per_command": per_command}  # fmt: skip
            keys = ("variant", "per_second", "latency_ms", "statuses_total", "registry_cores", "cpu_ms_per_command")
            print(json.dumps({k: row[k] for k in keys}), flush=True)
            report["runs"].append(row)
    Path(out_path).write_text(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
