"""The `kyodo` command as an operator runs it, for tests: a subprocess of this interpreter, its output captured, or
in-process through its console-script entry point; and one polling wait for conditions outside the test's process
(a port, a file, a lease)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from importlib.metadata import entry_points
from typing import Any

import pytest

KYODO = [sys.executable, "-m", "kyodo_shared.cli.main"]


def run_kyodo(*args: str, env: Mapping[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`kyodo ARGS` with exactly `env`; never raises on its exit code (tests read it)."""
    return subprocess.run([*KYODO, *args], env=dict(env), capture_output=True, text=True, timeout=timeout, check=False)


def kyodo_as(settings: Any, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """`kyodo ARGS` as an operator runs it with the service's settings (`cli_env`)."""
    return run_kyodo(*args, env=cli_env(settings), timeout=timeout)


def wait_for(
    condition: Callable[[], object],
    timeout: float,
    what: str,
    *,
    tolerate: tuple[type[BaseException], ...] = (),
) -> None:
    """Poll `condition` until it holds; `tolerate` names errors that mean "not yet" (a store not created yet)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except tolerate:
            pass
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def cli_env(settings: Any) -> dict[str, str]:
    """The environment an operator gives `kyodo` to reach one service's store, bus, keys and vault (its settings)."""
    store = settings.store
    env = {
        **os.environ,
        "KYODO_STORE__BACKEND": store.backend,
        "KYODO_BUS__NATS_URL": settings.bus.nats_url,
        "KYODO_BUS__NAMESPACE": settings.bus.namespace,
        "KYODO_BUS__PROVISION": settings.bus.provision,
        "KYODO_AUDIT__KEYS_DIR": str(settings.audit.keys_dir),
        "KYODO_PRIVACY__VAULT_PATH": str(settings.privacy.vault_path),
    }
    if store.backend == "sqlite":
        env["KYODO_STORE__SQLITE_PATH"] = str(store.sqlite_path)
    else:
        env |= {"KYODO_STORE__PG_DSN": store.pg_dsn, "KYODO_STORE__PG_SCHEMA": store.pg_schema}
    return env


def kyodo_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], env: dict[str, str], *argv: str
) -> tuple[int, Any]:
    """`kyodo ARGV` in-process through its console-script entry point, with only `env`'s KYODO_ settings; returns
    its exit code and JSON output."""
    (script,) = entry_points(group="console_scripts", name="kyodo")
    main = script.load()
    with monkeypatch.context() as m:
        # The CLI configures logging for a process of its own; here it would rebind the test session's stderr.
        m.setattr(sys.modules[main.__module__], "configure_logging_from_env", lambda: None)
        for name in [k for k in os.environ if k.startswith("KYODO_") and not k.startswith("KYODO_TEST_")]:
            m.delenv(name)
        for name, value in env.items():
            m.setenv(name, value)
        capsys.readouterr()
        code = main(list(argv))
        out = capsys.readouterr().out
    return code, json.loads(without_service_logs(out))


# A line the in-process services' console logger writes ("2026-12-05 05:02:43 [info     ] checkpoint_signed …").
_SERVICE_LOG_LINE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \[[a-z ]+\] ")


def without_service_logs(out: str) -> str:
    """The command's own output: the services of the test run in this process, and a background task of theirs
    (the audit task signing a checkpoint, in a worker thread) may log to the same captured stdout meanwhile."""
    return "\n".join(line for line in out.splitlines() if not _SERVICE_LOG_LINE.match(line))
