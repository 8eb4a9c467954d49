"""Child processes for crash tests: `kyodo serve` and the probe consumer, stopped by PID."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve_env(service: str, sqlite_path: Path, nats_url: str, namespace: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "KYODO_STORE__BACKEND": "sqlite",
            "KYODO_STORE__SQLITE_PATH": str(sqlite_path),
            "KYODO_BUS__NATS_URL": nats_url,
            "KYODO_BUS__NAMESPACE": namespace,
            "KYODO_AUTH__ISSUER": "https://id.test.invalid",
            "KYODO_AUTH__AUDIENCE": "kyodo",
            "KYODO_AUTH__JWKS_URL": "file:///nonexistent/jwks.json",
            "KYODO_LOG_FORMAT": "json",
            "KYODO_LEASES__TTL_SECONDS": "2",
            "KYODO_AUDIT__KEYS_DIR": str(sqlite_path.parent / "keys"),
            "KYODO_PRIVACY__VAULT_PATH": str(sqlite_path.parent / f"{service}-vault.sqlite"),
            # /metrics on the public port, as the tests read it: replicas sharing this environment would otherwise all
            # bind the default metrics port. tests/e2e/test_metrics_port.py passes a port of its own.
            "KYODO_METRICS__PORT": "0",
        }
    )
    env.update(extra)
    return env


@contextmanager
def child(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


def kyodo_serve(service: str, port: int) -> list[str]:
    return [sys.executable, "-m", "kyodo_shared.cli.main", "serve", service, "--host", "127.0.0.1", "--port", str(port)]


def probe_process(sqlite_path: Path, nats_url: str, namespace: str) -> tuple[list[str], dict[str, str]]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(TESTS_DIR), env.get("PYTHONPATH", "")])
    return [sys.executable, "-m", "support.run_probe", str(sqlite_path), nats_url, namespace], env
