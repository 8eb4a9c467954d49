"""`kyodo up --demo` as a user runs it, for the browser tests: a subprocess of this interpreter on free ports with a
data directory of its own, ready once the demo is seeded and info-hub's projections show it, stopped by its PID (its
process group as a last resort) at the end."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from support.procs import free_port

KYODO = [sys.executable, "-m", "kyodo_shared.cli.main"]
READY_SECONDS = 240.0


@dataclass
class KyodoUp:
    """One running `kyodo up --demo`: its origin, data directory and log."""

    data_dir: Path
    log_path: Path
    port: int = field(default_factory=free_port)
    nats_port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        # The developer's own KYODO_* settings stay out: the test runs the platform as `kyodo up` sets it up. The
        # portal's public URL is this origin, as it is for a user of `kyodo up --port N`.
        env = {k: v for k, v in os.environ.items() if not k.startswith("KYODO_")}
        return env | {"KYODO_LOG_FORMAT": "json", "KYODO_CENTER__PUBLIC_URL": self.origin}

    def start(self) -> None:
        """Start the process (returns at once; `wait_ready` waits)."""
        argv = ["--data-dir", str(self.data_dir), "up", "--demo", "--port", str(self.port)]
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [*KYODO, *argv, "--nats-port", str(self.nats_port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.env(),
                start_new_session=True,
            )

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def api(self, path: str) -> Any:
        response = httpx.get(f"{self.origin}/api/info-hub{path}", timeout=5)
        response.raise_for_status()
        return response.json()

    def post(self, path: str, body: dict[str, Any]) -> Any:
        response = httpx.post(f"{self.origin}/api/info-hub{path}", json=body, timeout=10)
        assert response.is_success, f"POST {path}: {response.status_code} {response.text}"
        return response.json()

    def register_citizen(self, name: str, email: str) -> tuple[str, str]:
        """A citizen's registration to the demo's training, as its form makes one: (its page's path, its token)."""
        training = next(t for t in self.api("/trainings")["items"] if t["kind"] == "training")
        made = self.post(f"/trainings/{training['id']}/citizen-registrations", {"name": name, "email": email})
        link = urlsplit(made["link"])
        assert f"{link.scheme}://{link.netloc}" == self.origin, f"the registration's link is on another origin: {link}"
        token = link.fragment.removeprefix("token=")
        return link.path, token

    def wait_ready(self, timeout: float = READY_SECONDS) -> None:
        """Until the demo is seeded (its marker file) and the portal's lists show it (projections catch up)."""
        deadline = time.monotonic() + timeout
        what = "the demo seeded"
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(f"kyodo up exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if (self.data_dir / "demo-seeded").exists():
                    what = "the portal's lists to show the demo"
                    if self._demo_shown():
                        return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"kyodo up: timed out after {timeout:.0f} s waiting for {what}:\n{self.log_tail()}")

    def _demo_shown(self) -> bool:
        surveys = self.api("/surveys")["items"]
        return (
            self.api("/groups")["total"] == 4
            and self.api("/calls")["total"] >= 1
            and self.api("/screening/register")["total"] >= 2
            and self.api("/news")["total"] >= 2
            and self.api("/trainings")["total"] >= 2
            and bool(surveys)
            and surveys[0]["status"] != "announced"
        )

    def advance_clock(self, duration: str, services: Sequence[str] = ()) -> None:
        """`kyodo clock advance DURATION` (staging only; `kyodo up` allows it) on this platform: every service, or
        only those named (`--service`), so a journey can close one service's deadline without moving the rest."""
        named = [option for service in services for option in ("--service", service)]
        done = subprocess.run(
            [*KYODO, "--data-dir", str(self.data_dir), "clock", "advance", duration, *named],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, f"kyodo clock advance {duration}: {done.stdout}{done.stderr}"

    def clock_now(self, service: str) -> datetime:
        """Where `service`'s clock stands (`kyodo clock show --service SERVICE`): a journey sets its deadlines from
        it, so it works whether or not another journey moved that clock before."""
        done = subprocess.run(
            [*KYODO, "--data-dir", str(self.data_dir), "clock", "show", "--service", service],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, f"kyodo clock show --service {service}: {done.stdout}{done.stderr}"
        return datetime.fromisoformat(json.loads(done.stdout.splitlines()[-1])["now"])

    def stop(self) -> None:
        """SIGINT as Ctrl-C (kyodo stops its services, then its nats-server); killed if it does not end in 30 s."""
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
            return
        except subprocess.TimeoutExpired:
            pass
        nats_pid = self._nats_pid()
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        if nats_pid is not None:  # its own session: not in kyodo's process group
            with contextlib.suppress(ProcessLookupError):
                os.kill(nats_pid, signal.SIGKILL)

    def _nats_pid(self) -> int | None:
        try:
            state = json.loads((self.data_dir / "up.json").read_text())
        except (OSError, ValueError):
            return None
        pid = state.get("nats_pid")
        return pid if isinstance(pid, int) else None
