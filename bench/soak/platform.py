"""The soak's platform: every service as its own `kyodo serve` process on one throwaway database and bus namespace,
and the few things the workload needs seeded through the public APIs (a review board, an open call, a training, two
departments with the screening team and an open round).

The seeding reuses the services' own demo pieces (`kyodo_*.demo`), called with this run's per-service base URLs and
tokens from the bench issuer (`kyodo serve` refuses the dev issuer `kyodo up` uses).
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    LOOPBACK,
    Issuer,
    Servers,
    Service,
    bench_database,
    bench_namespace,
    kyodo_serve,
    listener_pid,
    pid_tree,
    serve_env,
)

# Every installed service, with its schema (ServiceSpec.pg_schema): each runs as its own process.
SERVICES = {
    "registry": "registry",
    "proposals": "proposals",
    "screening": "screening",
    "evaluation": "evaluation",
    "info-hub": "info_hub",
}
COORDINATOR = "soak-coordinator"


@dataclass
class Platform:
    servers: Servers
    issuer: Issuer
    services: dict[str, Service]
    facts: dict[str, str] = field(default_factory=dict)

    def api(self, service: str) -> str:
        return self.services[service].base

    def site(self, service: str) -> str:
        return f"http://{LOOPBACK}:{self.services[service].port}"

    def headers(self, sub: str, *roles: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.token(sub, *roles)}"}

    def coordinator(self) -> dict[str, str]:
        return self.headers(COORDINATOR, "coordinator")

    def processes(self) -> dict[str, Any]:
        """What the sampler watches: each service's pid, nats-server's, and the PostgreSQL server's process tree."""
        from urllib.parse import urlsplit

        from psycopg.conninfo import conninfo_to_dict

        watched: dict[str, Any] = {f"kyodo serve {name}": svc.process.pid for name, svc in self.services.items()}
        nats_pid = listener_pid(urlsplit(self.servers.nats_url).port or 4222)
        if nats_pid is not None and self.servers.nats_spawned:
            watched["nats-server"] = nats_pid
        pg_pid = listener_pid(int(conninfo_to_dict(self.servers.pg_dsn).get("port") or 5432))
        if pg_pid is not None and self.servers.pg_spawned:
            watched["postgres (tree)"] = lambda pid=pg_pid: pid_tree(pid)
        return watched


@contextmanager
def platform(servers: Servers, workdir: Path, traced: dict[str, Path] | None = None) -> Iterator[Platform]:
    """Five `kyodo serve` children (started together, each waited for) on a fresh database and namespace.

    `traced`: services run under tracemalloc (bench/soak/traced.py), writing their reports to the directory given.
    """
    traced = traced or {}
    with ExitStack() as stack:
        dsn = stack.enter_context(bench_database(servers.pg_dsn))
        namespace = stack.enter_context(bench_namespace(servers.nats_url))
        issuer = Issuer(workdir / "issuer")
        started: dict[str, Any] = {}
        for name, schema in SERVICES.items():
            env = serve_env(
                name,
                schema,
                dsn,
                servers.nats_url,
                namespace,
                issuer,
                KYODO_LOG_LEVEL="WARNING",
                KYODO_AUDIT__KEYS_DIR=str(workdir / f"keys-{name}"),
                **({"KYODO_SOAK_TRACE_DIR": str(traced[name])} if name in traced else {}),
            )
            launcher = ["-m", "bench.soak.traced"] if name in traced else None
            started[name] = kyodo_serve(name, env, workdir, launcher=launcher)
        # Started side by side (each waits for its /readyz): on two cores one after the other took 25 s.
        with ThreadPoolExecutor(len(started)) as pool:
            entered = {name: pool.submit(cm.__enter__) for name, cm in started.items()}
        services: dict[str, Service] = {}
        for name, future in entered.items():
            if future.exception() is None:
                stack.push(started[name].__exit__)
                services[name] = future.result()
        for future in entered.values():
            future.result()  # the first that failed, raised (the others stopped by the stack)
        try:
            yield Platform(servers, issuer, services)
        finally:
            # SIGTERM to all at once, then wait: one after the other took 13 s (each drains for its own seconds).
            for svc in services.values():
                if svc.process.poll() is None:
                    svc.process.terminate()
            for svc in services.values():
                with contextlib.suppress(subprocess.TimeoutExpired):
                    svc.process.wait(25)  # past that, the stack's stop_process kills it


async def seed(p: Platform) -> None:
    """A review board (registry), an open call drawn from it (proposals), an announced training (info-hub); two
    departments, the team and an open screening round (bench/soak/city.py)."""
    from kyodo_proposals import demo as proposals_demo
    from kyodo_registry import demo as registry_demo

    coordinator = p.coordinator()
    async with httpx.AsyncClient(base_url=p.api("registry"), timeout=60) as registry:
        board = await registry_demo._review_board(registry, coordinator)
    p.facts["board_id"] = board
    async with httpx.AsyncClient(base_url=p.api("proposals"), timeout=60) as proposals:
        await proposals_demo._open_call(proposals, coordinator, board)
        # The calls list is a read model, updated just after the command: wait for the call to show (on a loaded
        # machine it took longer than the first read — CI's soak check failed on an empty list).
        for _ in range(300):
            calls = await proposals.get("/calls", headers=coordinator)
            calls.raise_for_status()
            if calls.json()["items"]:
                break
            await asyncio.sleep(0.1)
        else:
            raise RuntimeError("the seeded call did not appear in proposals' calls list within 30 s")
        p.facts["call_id"] = str(calls.json()["items"][0]["id"])
    p.facts["training_id"] = await new_training(p)
    from bench.soak import city  # city imports this module

    await city.seed(p)


async def new_training(p: Platform, capacity: int = 30) -> str:
    """An announced training whose registration is open (the info-hub demo's plan), a fortnight ahead."""
    from kyodo_info_hub import demo as hub_demo

    plan = hub_demo._plan("training", 14, capacity, ["groups", "staff", "citizens"], hub_demo.TRAINING)
    async with httpx.AsyncClient(base_url=p.api("info-hub"), timeout=60) as hub:
        return await hub_demo._announced(hub, p.coordinator(), plan)


def run_seed(p: Platform) -> None:
    asyncio.run(seed(p))
