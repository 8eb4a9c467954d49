"""Which bus and store an operator command reaches, so that it can never reach another deployment's.

Two layouts:

- **explicit** (Kubernetes, `kyodo serve`): `KYODO_STORE__BACKEND` or `KYODO_BUS__NATS_URL` is in the environment;
  commands use the `KYODO_*` settings, as the service does.
- **embedded** (`kyodo up`): neither is set; the data directory decides. While `kyodo up` runs it records its
  ports in `<data-dir>/up.json`; a command takes that NATS. When `up` is stopped, a command that needs the bus
  starts a private nats-server on `<data-dir>/nats` on a free loopback port and stops it when it ends. It never
  falls back to `nats://127.0.0.1:4222`, which may be another deployment's.

Commands that would disturb a running service (`replay`, `relay reset`) refuse while it holds the matching lease.
"""

from __future__ import annotations

import json
import os
import socket
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from kyodo_shared.cli.console import err
from kyodo_shared.cli.errors import REFUSED, USAGE, CliError
from kyodo_shared.settings import KernelSettings
from kyodo_shared.store.db import Database

STATE_FILE = "up.json"
# In the embedded layout with `up` stopped and no bus started: a URL that resolves nowhere (RFC 2606 `.invalid`),
# so a command that should not need the bus cannot reach anybody's by accident.
NO_BUS_URL = "nats://embedded-bus-not-started.invalid:4222"
EXPLICIT_VARIABLES = ("KYODO_STORE__BACKEND", "KYODO_BUS__NATS_URL")


def explicit_layout() -> bool:
    return any(name in os.environ for name in EXPLICIT_VARIABLES)


@dataclass(frozen=True)
class UpState:
    """What a running `kyodo up` says about itself in its data directory."""

    pid: int
    port: int
    nats_port: int
    nats_url: str
    data_dir: str
    started_at: str


def write_up_state(data_dir: Path, port: int, nats_port: int) -> UpState:
    state = UpState(
        pid=os.getpid(),
        port=port,
        nats_port=nats_port,
        nats_url=f"nats://127.0.0.1:{nats_port}",
        data_dir=str(data_dir.resolve()),
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    text = json.dumps(asdict(state), indent=2) + "\n"
    _write(data_dir / STATE_FILE, text)
    # Also by port, per user: a second `up` with another data directory can then say who holds a port it wants.
    for number in (port, nats_port):
        _write(_port_note(number), text)
    return state


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(path)


def _port_note(port: int) -> Path:
    return Path(tempfile.gettempdir()) / f"kyodo-up-{os.getuid()}" / f"port-{port}.json"


def holder_of_port(port: int) -> UpState | None:
    """The running `kyodo up` (any data directory of this user) that uses `port`, if it said so."""
    state = _read(_port_note(port))
    return state if state is not None and port in (state.port, state.nats_port) else None


def remove_up_state(data_dir: Path) -> None:
    # Only our own: a second `up` refused for this directory must not erase the running one's files.
    state = read_up_state(data_dir)
    if state is not None and state.pid == os.getpid():
        for path in (_port_note(state.port), _port_note(state.nats_port), data_dir / STATE_FILE):
            path.unlink(missing_ok=True)


def read_up_state(data_dir: Path) -> UpState | None:
    """The running `kyodo up` of this data directory, or None (no file, unreadable, or its process is gone)."""
    return _read(data_dir / STATE_FILE)


def _read(path: Path) -> UpState | None:
    try:
        state = UpState(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None
    return state if _alive(state.pid) else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def operator_bus(data_dir: Path, settings: KernelSettings) -> Iterator[str]:
    """The NATS URL this command must use: explicit settings, the running `up`'s, or a private server it starts."""
    if explicit_layout():
        if "KYODO_BUS__NATS_URL" not in os.environ:
            raise CliError(
                "KYODO_STORE__BACKEND is set but KYODO_BUS__NATS_URL is not: refusing to guess the bus",
                hint="set KYODO_BUS__NATS_URL to the deployment's NATS (as the service has it), "
                "or unset KYODO_STORE__BACKEND to use the embedded data directory",
                code=USAGE,
            )
        yield settings.bus.nats_url
        return
    state = read_up_state(data_dir)
    if state is not None:
        err.print(f"using the NATS of the running kyodo up for {data_dir} ({state.nats_url})")
        yield state.nats_url
        return
    from kyodo_shared.cli.embedded import nats_server

    port = free_loopback_port()
    with nats_server(data_dir, port) as url:
        err.print(
            f"kyodo up is not running: started the embedded nats-server for {data_dir} on port {port}; "
            "it stops when this command ends"
        )
        yield url


def free_loopback_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def refuse_while_running(
    db: Database, settings: KernelSettings, service: str, prefixes: Sequence[str], data_dir: Path, what: str
) -> None:
    """Refuse (exit 3) while a replica of the service holds a lease whose role starts with one of `prefixes`."""
    stop_hint = (
        f"stop the service first (for the embedded layout: stop `kyodo up` for {data_dir})"
        if not explicit_layout()
        else "stop the service first (scale its Deployment to 0 replicas), then run this again"
    )
    if settings.leases.enabled:
        for role, holder, expires_at in _live_leases(db, prefixes):
            left = max(0.0, expires_at - time.time())
            raise CliError(
                f"refusing to {what}: {service} is running — lease {role} is held by replica {holder} "
                f"(expires in {left:.0f}s unless renewed)",
                hint=stop_hint,
                code=REFUSED,
            )
        return
    state = None if explicit_layout() else read_up_state(data_dir)
    if state is not None:
        raise CliError(
            f"refusing to {what}: kyodo up (pid {state.pid}) is running for {data_dir}",
            hint=stop_hint,
            code=REFUSED,
        )


def _live_leases(db: Database, prefixes: Sequence[str]) -> list[tuple[str, str, float]]:
    now = time.time()
    try:
        with db.transaction(read_only=True) as tx:
            rows = tx.fetchall("SELECT role, holder, expires_at FROM kyodo_leases WHERE expires_at > %s", (now,))
    except Exception:  # noqa: BLE001 - no leases table yet: nothing ever ran here, so nothing holds a lease
        return []
    return [
        (str(role), str(holder), float(expires))
        for role, holder, expires in rows
        if any(str(role).startswith(prefix) for prefix in prefixes)
    ]
