"""`kyodo up` in the production mode: without KYODO_BUS__PROVISION (the test rigs' `create` removed) the services
only check the bus, so `up` must make every stream and durable consumer itself (`kyodo bus init` on its private
nats-server) before they start — otherwise each would wait, 503 `bus_not_provisioned`, for good."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from functools import partial
from pathlib import Path

import httpx
import pytest

from kyodo_shared.service import discover

from support.cli import wait_for
from support.procs import free_port

pytestmark = pytest.mark.smoke


def ready(base: str, service: str) -> bool:
    """200 with the relay publishing and every consumer pulling: not merely not blocked yet, as just after a start."""
    try:
        answer = httpx.get(f"{base}/api/{service}/readyz", timeout=2)
    except httpx.HTTPError:
        return False
    bus_tasks = [t for t in answer.json()["tasks"] if t["task"] == "relay" or t["task"].startswith("consumer:")]
    return (
        answer.status_code == 200
        and any(t["task"] == "relay" for t in bus_tasks)
        and all(t["status"] == "ok" for t in bus_tasks)
    )


def test_kyodo_up_provisions_the_bus_before_the_services_which_only_check_it_and_all_become_ready(
    tmp_path: Path,
) -> None:
    port, nats_port = free_port(), free_port()
    env = {name: value for name, value in os.environ.items() if name != "KYODO_BUS__PROVISION"}
    log_path = tmp_path / "up.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "kyodo_shared.cli.main", "--data-dir", str(tmp_path / "data")),
                *("up", "--port", str(port), "--nats-port", str(nats_port)),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**env, "KYODO_LOG_FORMAT": "json"},
        )
    try:
        base = f"http://127.0.0.1:{port}"
        for service in discover():
            try:
                wait_for(partial(ready, base, service), 120, f"{service}'s /readyz answering 200")
            except AssertionError as exc:
                raise AssertionError(f"{exc}; kyodo up's log ends:\n{log_path.read_text()[-3000:]}") from None
        # Everything was made by `up` on the empty bus, before any service could have made a part of it.
        provisioned = re.search(
            r"bus provisioned: (\d+) streams and durable consumers \((\d+) created", log_path.read_text()
        )
        assert provisioned is not None, log_path.read_text()[-3000:]
        made, created = map(int, provisioned.groups())
        assert made == created > 0, provisioned.group(0)
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=30)
    assert code == 0, log_path.read_text()[-3000:]
