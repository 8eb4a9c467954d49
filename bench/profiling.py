"""py-spy sampling of a process during a measured window, summarised (self time by package, inclusive by function).

`--gil` sampling: only the thread holding the GIL is sampled, so `gil_held_pct` says how close the interpreter is
to saturating its one core, and the split says what that core does.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

RATE = 250

CATEGORIES = (
    ("bench/", "bench harness"),
    # The kernel's subpackages (kyodo_shared/bus/relay.py) and its flat modules before them (kyodo_shared/relay.py).
    ("kyodo_shared/relay", "kyodo relay"),
    ("kyodo_shared/bus/relay", "kyodo relay"),
    ("kyodo_shared/consumer", "kyodo consumer"),
    ("kyodo_shared/bus/consumer", "kyodo consumer"),
    ("kyodo_shared/", "kyodo_shared (other)"),
    ("kyodo_registry", "kyodo_registry"),
    ("kyodo_info_hub", "kyodo_info_hub"),
    ("eventsourcing/", "eventsourcing"),
    ("psycopg_pool", "psycopg_pool"),
    ("psycopg", "psycopg"),
    ("pydantic", "pydantic"),
    ("jwt/", "pyjwt"),
    ("cryptography", "cryptography"),
    ("fastapi/", "fastapi"),
    ("starlette/", "starlette"),
    ("uvicorn/", "uvicorn"),
    ("anyio/", "anyio"),
    ("h11/", "h11"),
    ("nats/", "nats-py"),
    ("structlog", "structlog"),
    ("prometheus_client", "prometheus_client"),
    ("email_validator", "email_validator"),
    ("asyncio/", "asyncio"),
    ("concurrent/futures", "thread pool"),
    ("threading.py", "threading"),
    ("json/", "json"),
    ("uuid.py", "uuid"),
    ("typing.py", "typing"),
)


def py_spy_binary() -> str | None:
    for candidate in (os.environ.get("PY_SPY"), shutil.which("py-spy"), "/tmp/benchtools/bin/py-spy"):  # noqa: S108
        if candidate and Path(candidate).is_file():
            return candidate
    return None


class PySpy:
    """Records `pid` from construction until `stop()` (raw collapsed stacks into `out`)."""

    def __init__(self, pid: int, out: Path, *, gil: bool = True) -> None:
        binary = py_spy_binary()
        self.out = out
        self.started = time.monotonic()
        self.process: subprocess.Popen[bytes] | None = None
        if binary is None:
            return
        out.parent.mkdir(parents=True, exist_ok=True)
        args = [binary, "record", "--pid", str(pid), "--format", "raw", "--output", str(out), "--rate", str(RATE)]
        if gil:
            args.append("--gil")
        # Without pausing the process at each sample: a paused registry serves fewer commands, which skews the CPU
        # per command the samples are divided by (bench/p1_account.py).
        args.append("--nonblocking")
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> dict[str, Any]:
        if self.process is None:
            return {"error": "py-spy not found (pip install py-spy, or set PY_SPY)"}
        wall = time.monotonic() - self.started
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if not self.out.exists():
            return {"error": "py-spy wrote nothing"}
        return summarize(self.out, wall)


def _category(frame: str) -> str:
    for needle, name in CATEGORIES:
        if needle in frame:
            return name
    return "other"


def summarize(path: Path, wall_s: float, top: int = 30) -> dict[str, Any]:
    self_by_category: Counter[str] = Counter()
    self_by_function: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        total += count
        leaf = frames[-1]
        self_by_category[_category(leaf)] += count
        self_by_function[leaf] += count
        for name in {f.split(" (", 1)[0] + " [" + _category(f) + "]" for f in frames}:
            inclusive[name] += count

    def pct(n: int) -> float:
        return 100.0 * n / total if total else 0.0

    return {
        "file": str(path),
        "samples": total,
        "gil_held_pct": 100.0 * total / (RATE * wall_s) if wall_s else 0.0,
        "self_pct_by_package": {k: pct(v) for k, v in self_by_category.most_common()},
        "self_pct_top_functions": {k: pct(v) for k, v in self_by_function.most_common(top)},
        "inclusive_pct_top_functions": {k: pct(v) for k, v in inclusive.most_common(top + 20)},
    }
