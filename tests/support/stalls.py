"""Registry and info-hub as real `kyodo serve` processes on a test's own NATS, for the operator-facing health tests:
start, stop (SIGTERM, by PID), register groups over HTTP, read /readyz and /metrics, run `kyodo` commands."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import nats

from kyodo_contracts import stream_name
from kyodo_shared.web.devissuer import DevIssuer

from support.cli import run_kyodo
from support.harness import eventually
from support.procs import free_port, kyodo_serve, serve_env
from support.registry import CRITERIA, application

ISSUER = "https://id.test.invalid"
SERVICES = ("registry", "info-hub")


@dataclass
class Site:
    """Two services of one deployment: their data, ports and running processes."""

    root: Path
    nats_url: str
    namespace: str
    issuer: DevIssuer
    extra_env: dict[str, str] = field(default_factory=dict)
    # Settings of one service only (say, its store on PostgreSQL).
    service_env: dict[str, dict[str, str]] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def env(self, service: str) -> dict[str, str]:
        return serve_env(service, self.sqlite(service), self.nats_url, self.namespace) | {
            "KYODO_AUTH__ISSUER": ISSUER,
            "KYODO_AUTH__JWKS_URL": f"file://{self.issuer.jwks_path}",
            **self.extra_env,
            **self.service_env.get(service, {}),
        }

    def sqlite(self, service: str) -> Path:
        return self.root / f"{service}.sqlite"

    def base(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}/api/{service}"

    def start(self, service: str) -> None:
        port = self.ports.setdefault(service, free_port())
        with (self.root / f"{service}.log").open("ab") as out:
            self.procs[service] = subprocess.Popen(
                kyodo_serve(service, port), env=self.env(service), stdout=out, stderr=subprocess.STDOUT
            )

    def stop(self, service: str) -> None:
        proc = self.procs.pop(service)
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)

    def stop_all(self) -> None:
        for service in list(self.procs):
            self.stop(service)

    def log(self, service: str) -> str:
        return (self.root / f"{service}.log").read_text(errors="replace")

    def kyodo(self, service: str, *args: str) -> subprocess.CompletedProcess[str]:
        """A `kyodo` command with the service's settings, as an operator runs it (the service stopped)."""
        return run_kyodo(*args, env=self.env(service))

    def token(self, sub: str, *roles: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.mint(sub, list(roles), extra_claims={'iss': ISSUER})}"}

    async def up(self, service: str, timeout: float = 30.0) -> None:
        async def answers() -> bool:
            try:
                async with httpx.AsyncClient(timeout=2) as client:
                    return (await client.get(f"{self.base(service)}/healthz")).status_code == 200
            except httpx.HTTPError:
                return False

        await eventually(answers, timeout=timeout, interval=0.2)

    async def readyz(self, service: str) -> tuple[int, dict[str, Any]]:
        async with httpx.AsyncClient(timeout=5) as client:
            response = await client.get(f"{self.base(service)}/readyz")
        body: dict[str, Any] = response.json()
        return response.status_code, body

    async def metrics(self, service: str) -> str:
        async with httpx.AsyncClient(timeout=5) as client:
            return (await client.get(f"{self.base(service)}/metrics")).text

    async def blocked_reason(self, service: str, task: str) -> dict[str, Any] | None:
        status, body = await self.readyz(service)
        for entry in body.get("blocked", []):
            if entry["task"] == task and status == 503:
                found: dict[str, Any] = entry
                return found
        return None

    async def group_status(self, group_id: str) -> int:
        async with httpx.AsyncClient(base_url=self.base("registry"), timeout=10) as client:
            response = await client.get(f"/groups/{group_id}", headers=self.token("coord", "coordinator"))
        return response.status_code

    async def register(self, name: str) -> str:
        """Apply and pass every criterion: the group is registered and info-hub lists it."""
        async with httpx.AsyncClient(base_url=self.base("registry"), timeout=10) as client:
            created = await client.post(
                "/groups", json=application(name=name), headers=self.token(f"rep-{name}", "group")
            )
            assert created.status_code == 201, created.text
            group_id, etag = created.json()["id"], created.headers["ETag"]
            for criterion in CRITERIA:
                response = await client.post(
                    f"/groups/{group_id}/assessments",
                    json={"criterion": criterion, "met": True, "reason": "確認"},
                    headers={**self.token("coord", "coordinator"), "If-Match": etag},
                )
                assert response.status_code == 200, response.text
                etag = response.headers["ETag"]
        return str(group_id)

    def directory(self) -> list[str]:
        """info-hub's listed group ids, read from its database (with the service stopped or running)."""
        path = self.sqlite("info-hub")
        if not path.exists():
            return []
        with sqlite3.connect(path) as conn:
            try:
                return [str(row[0]) for row in conn.execute("SELECT group_id FROM directory_groups ORDER BY group_id")]
            except sqlite3.OperationalError:
                return []

    async def listed(self, count: int, timeout: float = 30.0) -> None:
        await eventually(lambda: len(self.directory()) == count, timeout=timeout, interval=0.2)

    async def stream_last(self, service: str = "registry") -> int:
        nc = await nats.connect(self.nats_url, connect_timeout=5, max_reconnect_attempts=0)
        try:
            return int((await nc.jetstream().stream_info(stream_name(self.namespace, service))).state.last_seq)
        finally:
            await nc.close()

    async def delete_stream(self, service: str = "registry") -> None:
        nc = await nats.connect(self.nats_url, connect_timeout=5, max_reconnect_attempts=0)
        try:
            await nc.jetstream().delete_stream(stream_name(self.namespace, service))
        finally:
            await nc.close()


@contextmanager
def site(root: Path, nats_url: str, namespace: str, **extra_env: str) -> Iterator[Site]:
    """A site whose processes are all stopped (by PID) on exit, whatever the test did."""
    with ExitStack() as stack:
        running = Site(root, nats_url, namespace, DevIssuer.load_or_create(root / "issuer"), dict(extra_env))
        stack.callback(running.stop_all)
        yield running


def sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database (its WAL included), as a backup tool makes one."""
    # The target is replaced whole: backing up into an old WAL-mode file whose -wal/-shm were just removed failed
    # now and then with "disk I/O error"; a fresh file has no such state.
    remove_sqlite(target)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
