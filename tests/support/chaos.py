"""A platform for chaos runs: the run's own PostgreSQL and nats-server, which it can stop, kill and start again on
the same port and data, and every service as a `kyodo serve` child process, killed by PID and started again.

Faults go only into what this module started; the machine's shared PostgreSQL and NATS are never touched.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from kyodo_shared.service import discover
from kyodo_shared.web.devissuer import DevIssuer

from support.procs import free_port, kyodo_serve, serve_env
from support.servers import (
    LOOPBACK,
    ServerStartError,
    _embedded_postgres,
    _postgres_bin_dir,
    _postgres_os_user,
    _wait_until_ready,
    nats_server_binary,
    stop_process,
    wait_for_port,
)

ISSUER = "https://id.test.invalid"
SERVICES = ("registry", "screening", "proposals", "evaluation", "info-hub")


class Postgres:
    """An embedded PostgreSQL cluster of the run's own, on one port for its whole life: stopped and started again
    (the fault the services must ride out), its data kept across."""

    def __init__(self, root: Path) -> None:
        self.root, self.port = root, free_port()
        self.pgdata, self.log = root / "data", root / "postgres.log"
        self.os_user = _postgres_os_user()
        self.process: subprocess.Popen[bytes] | None = None
        ep = _embedded_postgres()
        if self.os_user is not None:
            import pwd

            entry = pwd.getpwnam(self.os_user)
            os.chown(root, entry.pw_uid, entry.pw_gid)
        args = ["--auth=trust", "--encoding=UTF8", "--locale=C", "-U", "postgres", "--no-sync", "--no-instructions"]
        ep.initdb(args, pgdata=self.pgdata, timeout=120, user=self.os_user, cwd=str(root))

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@{LOOPBACK}:{self.port}/postgres"

    def start(self) -> None:
        binary = str(_postgres_bin_dir() / "postgres")
        # fsync off: the cluster is throwaway; an immediate stop still exercises crash recovery on the next start.
        args = [binary, "-D", str(self.pgdata), "-h", LOOPBACK, "-p", str(self.port), "-k", str(self.root)]
        args += ["-c", "fsync=off", "-c", "max_connections=300"]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, user=self.os_user, cwd=self.root
            )
        _wait_until_ready(self.pgdata, self.process, 60)

    def stop(self) -> None:
        """Stop the server at once (`immediate`: no checkpoint, open sessions cut), as a crash or failover would."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGQUIT)  # PostgreSQL's immediate shutdown
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # PostgreSQL's fast shutdown: sessions are ended, not awaited
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


@contextmanager
def own_postgres() -> Iterator[Postgres]:
    """A started `Postgres` in a temporary folder, stopped and removed on exit."""
    root = Path(tempfile.mkdtemp(prefix="kyodo-pg-"))
    os.chmod(root, 0o711)  # noqa: S103 - PostgreSQL may run as its own user (servers._postgres_os_user)
    try:
        postgres = Postgres(root)
        postgres.start()
        try:
            yield postgres
        finally:
            postgres.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)


class Nats:
    """A JetStream nats-server of the run's own, killed with SIGKILL and started again on its port and store."""

    def __init__(self, root: Path) -> None:
        self.port, self.store, self.log = free_port(), root / "jetstream", root / "nats-server.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://{LOOPBACK}:{self.port}"

    def start(self) -> None:
        args = [str(nats_server_binary()), "-a", LOOPBACK, "-p", str(self.port), "-js", "-sd", str(self.store)]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        wait_for_port(LOOPBACK, self.port, 30, self.process)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def close(self) -> None:
        if self.process is not None:
            stop_process(self.process)


@dataclass
class Service:
    name: str
    env: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://{LOOPBACK}:{self.port}/api/{self.name}"

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                kyodo_serve(self.name, self.port), env=self.env, stdout=out, stderr=subprocess.STDOUT
            )

    def serving(self) -> bool:
        try:
            return httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    def wait_serving(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while not self.serving():
            if self.process is None or self.process.poll() is not None:
                tail = "\n".join(self.log.read_text(errors="replace").splitlines()[-15:])
                raise ServerStartError(f"{self.name} exited before serving:\n{tail}")
            if time.monotonic() > deadline:
                raise ServerStartError(f"{self.name} not serving after {timeout}s (log {self.log})")
            time.sleep(0.1)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def stop(self) -> None:
        """A graceful stop (SIGTERM), as a rollout does: consumers and relay finish what they hold."""
        if self.process is not None:
            stop_process(self.process, timeout=30)


@dataclass
class ChaosPlatform:
    root: Path
    postgres: Postgres
    nats: Nats
    issuer: DevIssuer
    namespace: str
    services: dict[str, Service]

    def token(self, sub: str, *roles: str) -> dict[str, str]:
        # Signed by the dev issuer's key under the issuer the services are configured with (`kyodo serve` refuses
        # the embedded issuer's own name outside `kyodo up`).
        return {"Authorization": f"Bearer {self.issuer.mint(sub, roles, extra_claims={'iss': ISSUER})}"}

    def operator_env(self, name: str) -> dict[str, str]:
        """What `kyodo` commands for the service need: its serve settings, without the test's own KYODO_TEST_*."""
        return {k: v for k, v in self.services[name].env.items() if not k.startswith("KYODO_TEST_")}

    def start_all(self) -> None:
        for service in self.services.values():
            service.start()
        for service in self.services.values():
            service.wait_serving()

    def stop_all(self) -> None:
        for service in self.services.values():
            service.stop()


def service_env(name: str, root: Path, pg_dsn: str, nats_url: str, namespace: str, issuer: DevIssuer) -> dict[str, str]:
    auth = issuer.settings()  # writes the JWKS file the services read
    env = serve_env(name, root / f"{name}.sqlite", nats_url, namespace)
    env |= {
        "KYODO_STORE__BACKEND": "postgres",
        "KYODO_STORE__PG_DSN": pg_dsn,
        "KYODO_STORE__PG_SCHEMA": discover()[name].pg_schema,
        # The vault beside the store, so a store outage reaches it too.
        "KYODO_AUTH__ISSUER": ISSUER,
        "KYODO_AUTH__JWKS_URL": auth.jwks_url,
        "KYODO_AUTH__ALGORITHMS": json.dumps(auth.algorithms),
        "KYODO_AUDIT__CHECKPOINT_EVERY_SECONDS": "5",
        "KYODO_AUDIT__KEYS_DIR": str(root / f"{name}-keys"),
        # Operator commands keep what they remember (audit pins) under the data directory: the run's own.
        "KYODO_DATA_DIR": str(root / "data"),
        # Long enough for a busy machine to renew in time, short enough that a killed holder's roles move soon.
        "KYODO_LEASES__TTL_SECONDS": "5",
        "KYODO_CONSUMER__IDLE_WAIT_SECONDS": "0.5",
        "KYODO_CONSUMER__RETRY_MAX_SECONDS": "5",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("KYODO_PRIVACY__VAULT_PATH")
    return env


@contextmanager
def chaos_platform(services: tuple[str, ...] = SERVICES, *, keep: Path | None = None) -> Iterator[ChaosPlatform]:
    """The run's PostgreSQL, NATS and services, all started; everything stopped (by PID) on exit. Logs stay in
    `keep` when given (the script's record), else in a temporary folder removed afterwards."""
    root = Path(tempfile.mkdtemp(prefix="kyodo-chaos-"))
    os.chmod(root, 0o711)  # noqa: S103 - PostgreSQL may run as its own user (servers._postgres_os_user)
    try:
        with ExitStack() as stack:
            pg_root = root / "pg"
            pg_root.mkdir()
            postgres = Postgres(pg_root)
            postgres.start()
            stack.callback(postgres.close)
            nats = Nats(root)
            nats.start()
            stack.callback(nats.close)
            issuer = DevIssuer.load_or_create(root / "issuer")
            namespace = f"chaos{os.getpid()}"
            made = {
                name: Service(
                    name, service_env(name, root, postgres.dsn, nats.url, namespace, issuer), root / f"{name}.log"
                )
                for name in services
            }
            for service in made.values():
                stack.callback(service.kill)
            platform = ChaosPlatform(root, postgres, nats, issuer, namespace, made)
            platform.start_all()
            yield platform
    finally:
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            for log in root.glob("*.log"):
                shutil.copy(log, keep / log.name)
            with suppress(OSError):
                shutil.copy(root / "pg" / "postgres.log", keep / "postgres.log")
        shutil.rmtree(root, ignore_errors=True)
