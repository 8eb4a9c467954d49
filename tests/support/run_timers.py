"""A replica process that fires due timers for a while, recording each firing in a shared file."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from kyodo_shared.store.db import SqliteDatabase
from kyodo_shared.tasks.timers import Timer, Timers


def main(sqlite_path: str, out: str, seconds: str) -> None:
    timers = Timers(SqliteDatabase(Path(sqlite_path)), replica=f"pid-{os.getpid()}")
    timers.migrate()

    def record(timer: Timer) -> None:
        # O_APPEND: whole lines from both processes, never interleaved.
        with open(out, "a") as f:
            f.write(f"{timer.aggregate_id}\n")

    deadline = time.monotonic() + float(seconds)
    while time.monotonic() < deadline:
        timers.fire_due({"k": record})
        time.sleep(0.01)


if __name__ == "__main__":
    main(*sys.argv[1:4])
