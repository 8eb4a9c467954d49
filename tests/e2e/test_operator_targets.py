"""Operator commands reach the deployment of their data directory and no other; `kyodo up` checks before it starts.

Two `kyodo up`s (real subprocesses, each with its own nats-server from the wheel and a temporary data directory): one
keeps running for the module — a second `up` and the disturbing commands are refused — and one is stopped once its
data is written, whose data directory each test that needs `up` stopped gets a copy of. So every test holds on its
own, in any order. Nothing here touches the machine's NATS on :4222.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from kyodo_shared.store.db import SqliteDatabase
from kyodo_shared.web.devissuer import DevIssuer

from support.cli import run_kyodo, wait_for
from support.procs import free_port
from support.registry import CRITERIA, application

pytestmark = [pytest.mark.smoke, pytest.mark.slow]

CHECKPOINT_EVERY = 3


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any KYODO_* setting (the embedded layout), plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYODO_") or k.startswith("KYODO_TEST_")}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


def kyodo(data_dir: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return run_kyodo(*args, env=clean_env(KYODO_DATA_DIR=str(data_dir)), timeout=timeout)


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Up:
    data_dir: Path
    port: int
    nats_port: int
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def token(self, sub: str, role: str) -> dict[str, str]:
        issuer = DevIssuer.load_or_create(self.data_dir / "issuer")
        return {"Authorization": f"Bearer {issuer.mint(sub, [role])}"}

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout=30)


def start_up(data_dir: Path, port: int, nats_port: int, log: Path, **env: str) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "kyodo_shared.cli.main", "up", "--port", str(port), "--nats-port", str(nats_port)],
            env=clean_env(KYODO_DATA_DIR=str(data_dir), **env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def start_registered(data_dir: Path, log: Path, **env: str) -> Up:
    """A running `kyodo up` in which two groups are registered and listed by info-hub."""
    port, nats_port = free_port(), free_port()
    running = Up(data_dir, port, nats_port, start_up(data_dir, port, nats_port, log, **env), log)
    wait_for(lambda: "Kyodo is up" in running.output() or running.proc.poll() is not None, 60, "kyodo up")
    assert running.proc.poll() is None, running.output()[-3000:]
    for name in ("光町子ども食堂", "西元町史跡の会"):
        register(running, name)
    wait_for(lambda: directory_total(running) == 2, 30, "info-hub's directory")
    return running


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Up]:
    """Running for the whole module; no test stops it."""
    root = tmp_path_factory.mktemp("operator-targets")
    running = start_registered(
        root / "data",
        root / "up.log",
        KYODO_LOG_FORMAT="json",
        KYODO_LOG_LEVEL="INFO",
        KYODO_AUDIT__CHECKPOINT_EVERY_EVENTS=str(CHECKPOINT_EVERY),
    )
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The data directory of a `kyodo up` that registered two groups and was stopped (Ctrl-C, exit 0)."""
    root = tmp_path_factory.mktemp("operator-stopped")
    stopped = start_registered(root / "data", root / "up.log")
    assert stopped.stop() == 0, stopped.output()[-3000:]
    assert not (stopped.data_dir / "up.json").exists()
    return stopped.data_dir


@pytest.fixture
def stopped_dir(written: Path, tmp_path: Path) -> Path:
    """This test's own copy of that data directory (stores, keys, issuer, the embedded bus's data)."""
    return Path(shutil.copytree(written, tmp_path / "data"))


def register(up: Up, name: str) -> None:
    with httpx.Client(base_url=f"{up.api}/registry", timeout=10) as client:
        created = client.post("/groups", json=application(name=name), headers=up.token(f"rep-{name}", "group"))
        assert created.status_code == 201, created.text
        group_id, etag = created.json()["id"], created.headers["ETag"]
        for criterion in CRITERIA:
            response = client.post(
                f"/groups/{group_id}/assessments",
                json={"criterion": criterion, "met": True, "reason": "確認"},
                headers={**up.token("coord", "coordinator"), "If-Match": etag},
            )
            assert response.status_code < 300, response.text
            etag = response.headers["ETag"]


def directory_total(up: Up) -> int:
    try:
        return int(httpx.get(f"{up.api}/info-hub/groups", timeout=2).json().get("total", -1))
    except httpx.HTTPError:
        return -1


def rows(path: Path, query: str) -> list[tuple[object, ...]]:
    db = SqliteDatabase(path)
    try:
        with db.transaction() as tx:
            return tx.fetchall(query)
    finally:
        db.close()


def test_a_second_up_on_a_taken_nats_port_exits_naming_the_port_and_never_says_it_is_up(up: Up, tmp_path: Path) -> None:
    log = tmp_path / "second.log"
    proc = start_up(tmp_path / "other", free_port(), up.nats_port, log)
    code = proc.wait(timeout=60)
    output = log.read_text()
    assert code != 0, output
    assert f"NATS port {up.nats_port}" in output
    assert "--nats-port" in output
    assert str(up.data_dir.resolve()) in output, "names the kyodo up that holds the port"
    assert "Kyodo is up" not in output
    # The first one still answers, on its own bus.
    assert directory_total(up) == 2


def test_a_second_up_for_the_same_data_directory_is_refused(up: Up, tmp_path: Path) -> None:
    log = tmp_path / "same.log"
    code = start_up(up.data_dir, free_port(), free_port(), log).wait(timeout=60)
    assert code == 3, log.read_text()
    assert "already running" in log.read_text()
    assert "Kyodo is up" not in log.read_text()


def test_relay_reset_refuses_while_up_runs(up: Up) -> None:
    result = kyodo(up.data_dir, "relay", "reset", "registry")
    assert result.returncode == 3, result.stdout + result.stderr
    assert f"kyodo up (pid {up.proc.pid}) is running for {up.data_dir}" in result.stderr
    assert "stop `kyodo up`" in result.stderr
    # Refused before any bus was chosen: neither the machine's :4222 nor a private server.
    assert "nats-server" not in result.stderr
    assert "4222" not in result.stdout + result.stderr


def test_replay_refuses_while_up_runs(up: Up) -> None:
    result = kyodo(up.data_dir, "replay", "registry", "--from-scratch")
    assert result.returncode == 3, result.stdout + result.stderr
    assert "refusing to replay registry: kyodo up" in result.stderr
    assert rows(up.data_dir / "registry.sqlite", "SELECT count(*) FROM registry_group_index") == [(2,)]


def test_up_honours_the_log_settings_and_the_checkpoint_cadence_from_the_environment(up: Up) -> None:
    def checkpoints() -> list[dict[str, object]]:
        body = httpx.get(f"{up.api}/registry/audit/checkpoints", timeout=5).json()
        return list(body["items"])

    # Two groups wrote 14 events: with a checkpoint every 3 events they are signed within seconds (the default,
    # 1000 events or 60 s, would sign none yet).
    wait_for(lambda: len(checkpoints()) >= 1, 20, "a signed checkpoint")
    # KYODO_LOG_FORMAT=json at INFO: every log line is JSON, and there are some (the services log kernel_started).
    records = [json.loads(line) for line in up.output().splitlines() if line.startswith("{")]
    assert any(record.get("event") == "kernel_started" for record in records), up.output()[-3000:]
    assert not [line for line in up.output().splitlines() if "kernel_started" in line and not line.startswith("{")]
    assert {record["level"] for record in records} <= {"debug", "info", "warning", "error", "critical"}
    assert "debug" not in {record["level"] for record in records}, "nothing below the configured INFO"


def test_replay_with_up_stopped_starts_the_embedded_nats_server_and_rebuilds_the_directory(stopped_dir: Path) -> None:
    hub = stopped_dir / "info-hub.sqlite"
    before = rows(hub, "SELECT * FROM directory_groups ORDER BY group_id")
    assert len(before) == 2

    result = kyodo(stopped_dir, "replay", "info-hub", "--from-scratch")

    assert result.returncode == 0, result.stdout + result.stderr
    started = re.search(
        r"kyodo up is not running: started the embedded nats-server for .* on port (\d+)", result.stderr
    )
    assert started, result.stderr
    assert "it stops when this command ends" in result.stderr
    assert not listening(int(started.group(1)))
    assert rows(hub, "SELECT * FROM directory_groups ORDER BY group_id") == before


def test_replay_of_the_registry_says_it_consumes_no_stream_and_rebuilds_its_group_index(stopped_dir: Path) -> None:
    store = stopped_dir / "registry.sqlite"
    query = "SELECT * FROM registry_group_index ORDER BY group_id"
    before = rows(store, query)
    assert len(before) == 2
    db = SqliteDatabase(store)
    try:
        with db.transaction() as tx:
            tx.execute("DELETE FROM registry_group_index WHERE group_id = %s", (str(before[0][0]),))
    finally:
        db.close()

    result = kyodo(stopped_dir, "replay", "registry", "--from-scratch", timeout=60)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "registry consumes no stream: nothing to replay from the bus" in result.stdout
    assert "rebuilt group_index" in result.stderr
    # It needed no bus, so it started none.
    assert "nats-server" not in result.stderr
    assert rows(store, query) == before


def test_relay_reset_with_up_stopped_deletes_the_stream_on_the_embedded_bus_and_says_what_to_run_next(
    stopped_dir: Path,
) -> None:
    result = kyodo(stopped_dir, "relay", "reset", "registry")

    assert result.returncode == 0, result.stdout + result.stderr
    started = re.search(r"started the embedded nats-server for .* on port (\d+)", result.stderr)
    assert started, result.stderr
    # The stream existed there: the embedded bus, the one `kyodo up` published to.
    assert f"stream KYODO_REGISTRY on nats://127.0.0.1:{started.group(1)} deleted" in result.stdout
    assert "Next: start registry" in result.stdout
    assert not listening(int(started.group(1)))
    assert rows(stopped_dir / "registry.sqlite", "SELECT * FROM kyodo_relay_position") == []
