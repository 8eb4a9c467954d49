"""`kyodo up` stops cleanly however it is stopped, and while it runs no operator command disturbs its services.

SIGTERM (docker stop, systemd, kill) used to kill it without its cleanup: nats-server kept the port and the data,
and up.json stayed. Ctrl-C in a terminal reached nats-server too (same process group), which died first and made
every service's shutdown fail with tracebacks. With leases disabled, `relay reset` and `replay` used to go ahead
against the running services. Each test starts its own `kyodo up` (its nats-server from the wheel).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from support.cli import run_kyodo, wait_for
from support.procs import free_port

pytestmark = pytest.mark.slow


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYODO_") or k.startswith("KYODO_TEST_")}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


@dataclass
class Up:
    data_dir: Path
    port: int
    nats_port: int
    proc: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def nats_pid(self) -> int:
        return int(json.loads((self.data_dir / "up.json").read_text())["nats_pid"])


def start_up(data_dir: Path, log: Path, *, port: int = 0, nats_port: int = 0, session: bool = False, **env: str) -> Up:
    port, nats_port = port or free_port(), nats_port or free_port()
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "kyodo_shared.cli.main", "up", "--port", str(port), "--nats-port", str(nats_port)],
            env=clean_env(KYODO_DATA_DIR=str(data_dir), **env),
            stdout=out,
            stderr=subprocess.STDOUT,
            # As a terminal runs it: its own process group, which Ctrl-C signals as a whole.
            start_new_session=session,
        )
    up = Up(data_dir, port, nats_port, proc, log)
    wait_for(lambda: "Kyodo is up" in up.output() or proc.poll() is not None, 60, "kyodo up")
    assert proc.poll() is None, up.output()[-3000:]
    return up


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def kyodo(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_kyodo(*args, env=clean_env(KYODO_DATA_DIR=str(data_dir)))


def stop(up: Up, signum: int = signal.SIGINT) -> int:
    if up.proc.poll() is None:
        up.proc.send_signal(signum)
    return up.proc.wait(timeout=60)


def test_sigterm_stops_up_cleanly_with_its_nats_server_and_a_second_up_then_starts(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    # Console logs at INFO: the format setting must visibly take effect (at least one line, and not JSON).
    up = start_up(data_dir, tmp_path / "up.log", KYODO_LOG_FORMAT="console", KYODO_LOG_LEVEL="INFO")
    try:
        nats_pid = up.nats_pid()
        assert alive(nats_pid)
        assert stop(up, signal.SIGTERM) == 0, up.output()[-3000:]
        output = up.output()
        assert "Kyodo stopped." in output
        assert "Traceback" not in output
        wait_for(lambda: not alive(nats_pid), 10, "nats-server to stop")
        assert not (data_dir / "up.json").exists()
        started = [line for line in output.splitlines() if "kernel_started" in line]
        assert started, output[-3000:]
        for line in started:
            with pytest.raises(json.JSONDecodeError):
                json.loads(line)
        # A stale up.json naming a live process (here: this test, as a reused pid would) refuses nothing: the
        # lock decides. The same ports are free again.
        (data_dir / "up.json").write_text(json.dumps({"pid": os.getpid(), "port": up.port}))
        again = start_up(data_dir, tmp_path / "again.log", port=up.port, nats_port=up.nats_port)
        assert stop(again) == 0, again.output()[-3000:]
    finally:
        stop(up, signal.SIGKILL)


def test_with_leases_disabled_up_still_refuses_relay_reset_and_replay_and_ctrl_c_stops_it_without_tracebacks(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    up = start_up(data_dir, tmp_path / "up.log", session=True, KYODO_LEASES__ENABLED="false", KYODO_LOG_LEVEL="WARNING")
    try:
        nats_pid = up.nats_pid()
        for args in (["relay", "reset", "registry"], ["replay", "info-hub", "--from-scratch"]):
            refused = kyodo(data_dir, *args)
            assert refused.returncode == 3, refused.stdout + refused.stderr
            assert f"kyodo up (pid {up.proc.pid}) is running for {data_dir}" in refused.stderr
        # Ctrl-C in a terminal: SIGINT to the whole foreground process group.
        os.killpg(up.proc.pid, signal.SIGINT)
        assert up.proc.wait(timeout=60) == 0, up.output()[-3000:]
        output = up.output()
        assert "Traceback" not in output, output[-5000:]
        assert "Application shutdown failed" not in output
        assert "Kyodo stopped." in output
        wait_for(lambda: not alive(nats_pid), 10, "nats-server to stop")
        # KYODO_LOG_LEVEL=WARNING takes effect: nothing of INFO (kernel_started, kernel_stopped) in any format.
        assert "kernel_started" not in output
        assert "kernel_stopped" not in output
    finally:
        stop(up, signal.SIGKILL)
