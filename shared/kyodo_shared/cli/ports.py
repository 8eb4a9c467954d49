"""`kyodo up`'s checks before it starts anything: both its ports are free (its data directory's lock is taken first).

A taken NATS port used to be silently shared (the second `up` "was up" on the first one's bus); a taken HTTP port
was found only after everything had started. Both are now refused up front, naming the flag that changes them.
"""

from __future__ import annotations

import socket

from kyodo_shared.cli.bus_target import holder_of_port
from kyodo_shared.cli.errors import REFUSED, USAGE, CliError


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether `port` can be bound on `host` now (the same test the servers will pass or fail)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As uvicorn and nats-server bind: a port in TIME_WAIT after a clean stop counts as free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def check_before_up(port: int, nats_port: int) -> None:
    """Refuse (CliError) when either port is taken. (That this data directory's `up` is not running is decided by
    its lock, `bus_target.hold_up_lock`, not by the pid in a possibly stale up.json.)"""
    if port == nats_port:
        raise CliError(f"--port and --nats-port are both {port}", hint="give them different values", code=USAGE)
    for number, flag, what in ((nats_port, "--nats-port", "NATS"), (port, "--port", "HTTP")):
        if not port_free(number):
            holder = holder_of_port(number)
            probably = (
                f"held by another `kyodo up` for data directory {holder.data_dir} (pid {holder.pid})"
                if holder is not None
                else "probably another `kyodo up`, nats-server or web server"
            )
            raise CliError(
                f"the {what} port {number} on 127.0.0.1 is already in use: {probably}",
                hint=f"choose a free port with {flag} N, or stop what holds {number}",
                code=REFUSED,
            )
