"""A nats-server started from the shipped deploy/nats/nats-server.conf (and the auth.conf it includes), as the
StatefulSet runs it: the same file, the users' passwords and the server's name from the environment, a single
server on loopback (the cluster is given on the StatefulSet's command line, never in the file). Stopped by its PID.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kyodo_shared.bus.permissions import users

from support.servers import LOOPBACK, ServerStartError, free_port, nats_server_binary, stop_process, wait_for_port

REPO = Path(__file__).resolve().parents[2]
CONF = REPO / "deploy" / "nats" / "nats-server.conf"


@dataclass(frozen=True)
class ConfiguredNats:
    port: int
    monitor_port: int
    passwords: dict[str, str]
    log_path: Path
    pid: int

    def url(self, user: str) -> str:
        """The URL a service puts in KYODO_BUS__NATS_URL: the user's credentials ride in it."""
        return f"nats://{user}:{self.passwords[user]}@{LOOPBACK}:{self.port}"

    @property
    def anonymous_url(self) -> str:
        return f"nats://{LOOPBACK}:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def violations(self) -> list[str]:
        """The server's log lines for refused publishes and subscriptions (it logs each one)."""
        return [line for line in self.log().splitlines() if "Violation" in line]


@contextmanager
def configured_nats(startup_timeout: float = 15.0) -> Iterator[ConfiguredNats]:
    binary = nats_server_binary()
    # Letters and digits only: credentials ride in the URL, which nats-py does not percent-decode.
    passwords = {user.name: secrets.token_hex(12) for user in users()}
    environment = {
        **os.environ,
        **{user.password_variable: passwords[user.name] for user in users()},
        "NATS_SERVER_NAME": "kyodo-test-0",
    }
    with tempfile.TemporaryDirectory(prefix="kyodo-nats-conf-") as tmp:
        root = Path(tmp)
        environment["NATS_STORE_DIR"] = str(root / "data")
        log_path = root / "nats-server.log"
        last_error: ServerStartError | None = None
        for _ in range(3):  # a port picked by binding to 0 can be taken before the server binds it
            port, monitor_port = free_port(), free_port()
            args = [str(binary), "-c", str(CONF), "-a", LOOPBACK, "-p", str(port), "-m", str(monitor_port)]
            with log_path.open("ab") as log:
                process = subprocess.Popen(
                    args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=environment
                )
            try:
                wait_for_port(LOOPBACK, port, startup_timeout, process)
                wait_for_port(LOOPBACK, monitor_port, startup_timeout, process)
            except ServerStartError as exc:
                stop_process(process)
                last_error = ServerStartError(f"{exc}\n{log_path.read_text(errors='replace')[-3000:]}")
                continue
            try:
                yield ConfiguredNats(port, monitor_port, passwords, log_path, process.pid)
            finally:
                stop_process(process)
            return
        assert last_error is not None
        raise last_error
