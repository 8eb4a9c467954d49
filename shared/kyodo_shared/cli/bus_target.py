"""Which bus and store an operator command reaches, so that it can never reach another deployment's.

Two layouts:

- **explicit** (Kubernetes, `kyodo serve`): `KYODO_STORE__BACKEND` or `KYODO_BUS__NATS_URL` is in the environment;
  commands use the `KYODO_*` settings, as the service does.
- **embedded** (`kyodo up`): neither is set; the data directory decides. While `kyodo up` runs it records its
  ports in `<data-dir>/up.json`; a command takes that NATS. When `up` is stopped, a command that needs the bus
  starts a private nats-server on `<data-dir>/nats` on a free loopback port and stops it when it ends. It never
  falls back to `nats://127.0.0.1:4222`, which may be another deployment's.

"`kyodo up` runs for this data directory" is decided by an exclusive `flock` on `<data-dir>/up.lock` that `up` holds
while it runs (the kernel drops it when the process ends, however it ends): a stale `up.json` whose pid was reused
by another process — pid 1 in a container — never counts.

Commands that would disturb a running service (`replay`, `relay reset`) refuse while `kyodo up` runs for the data
directory (whatever the lease settings), and in the explicit layout with leases disabled unless `--force` says the
service is stopped; then they hold the leases of the roles they disturb while they work (`cli/held_leases.py`).
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from kyodo_shared.cli.console import err
from kyodo_shared.cli.errors import REFUSED, CliError
from kyodo_shared.settings import KernelSettings

STATE_FILE = "up.json"
LOCK_FILE = "up.lock"
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
    # The private nats-server's pid: `up` stops it when it ends; tests check that it did.
    nats_pid: int = 0


@contextmanager
def hold_up_lock(data_dir: Path) -> Iterator[None]:
    """Held by `kyodo up` while it runs: refuses (exit 3) when another `up` holds it for this data directory."""
    data_dir.mkdir(parents=True, exist_ok=True)
    # Python opens it close-on-exec: nats-server and other children never inherit (and keep) the lock.
    with (data_dir / LOCK_FILE).open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            state = _parse(data_dir / STATE_FILE)
            where = (
                f" (pid {state.pid}, http://127.0.0.1:{state.port}/api, NATS port {state.nats_port})" if state else ""
            )
            raise CliError(
                f"kyodo up is already running for {data_dir}{where}",
                hint="use that one, stop it first, or give another --data-dir",
                code=REFUSED,
            ) from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def up_running(data_dir: Path) -> bool:
    """Whether a `kyodo up` holds this data directory's lock now (never creates the lock file or the directory)."""
    try:
        lock = (data_dir / LOCK_FILE).open("r")
    except OSError:
        return False
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(lock, fcntl.LOCK_UN)
        return False


def write_up_state(data_dir: Path, port: int, nats_port: int, nats_pid: int = 0) -> UpState:
    state = UpState(
        pid=os.getpid(),
        port=port,
        nats_port=nats_port,
        nats_url=f"nats://127.0.0.1:{nats_port}",
        data_dir=str(data_dir.resolve()),
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        nats_pid=nats_pid,
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
    state = _parse(_port_note(port))
    # A note only names a holder: a wrong name (a reused pid) misleads a message, never refuses anything.
    if state is None or port not in (state.port, state.nats_port) or not _alive(state.pid):
        return None
    return state if up_running(Path(state.data_dir)) else None


def remove_up_state(data_dir: Path) -> None:
    # Only our own: called by the `up` that holds the lock, so the files are its own.
    state = _parse(data_dir / STATE_FILE)
    if state is not None and state.pid == os.getpid():
        for path in (_port_note(state.port), _port_note(state.nats_port), data_dir / STATE_FILE):
            path.unlink(missing_ok=True)


def read_up_state(data_dir: Path) -> UpState | None:
    """The running `kyodo up` of this data directory, or None (not running: its lock is free, whatever up.json
    says; or still starting and up.json not written yet)."""
    return _parse(data_dir / STATE_FILE) if up_running(data_dir) else None


def _parse(path: Path) -> UpState | None:
    try:
        return UpState(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None


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
        # `service_settings(..., needs_bus=True)` has refused a missing KYODO_BUS__NATS_URL already.
        yield settings.bus.nats_url
        return
    state = read_up_state(data_dir)
    if state is not None:
        err.print(f"using the NATS of the running kyodo up for {data_dir} ({state.nats_url})")
        yield state.nats_url
        return
    if up_running(data_dir):
        raise CliError(f"kyodo up for {data_dir} is starting", hint="run this again in a moment", code=REFUSED)
    from kyodo_shared.cli.embedded import nats_server

    port = free_loopback_port()
    with nats_server(data_dir, port) as (url, _pid):
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


def refuse_while_running(settings: KernelSettings, service: str, data_dir: Path, what: str, *, force: bool) -> None:
    """Refuse (exit 3) what a running service would be disturbed by, before any store or bus is touched.

    Embedded layout: while `kyodo up` runs for the data directory, whatever the lease settings (its services may run
    with leases disabled, and then nothing else would tell). Explicit layout with leases disabled: nothing can tell
    whether the service runs, so only the operator's `--force` lets the command proceed. Otherwise the leases decide
    (`cli/held_leases.py` takes them, and refuses when a replica holds one)."""
    if not explicit_layout():
        if up_running(data_dir):
            state = _parse(data_dir / STATE_FILE)
            pid = f" (pid {state.pid})" if state is not None else ""
            raise CliError(
                f"refusing to {what}: kyodo up{pid} is running for {data_dir}",
                hint=f"stop `kyodo up` for {data_dir} first (Ctrl-C, or SIGTERM to its pid), then run this again",
                code=REFUSED,
            )
        return
    if not settings.leases.enabled and not force:
        raise CliError(
            f"refusing to {what}: KYODO_LEASES__ENABLED is false, so kyodo cannot tell whether {service} is running",
            hint=f"stop {service} (scale its Deployment to 0 replicas), then run this again with --force",
            code=REFUSED,
        )
