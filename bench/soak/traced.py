"""`kyodo serve` with tracemalloc on, for finding what grows in a soak (`python -m bench.soak --trace-memory info-hub`).

    python -m bench.soak.traced serve info-hub --host H --port P

Tracing starts KYODO_SOAK_TRACE_AFTER seconds after start (default 120: after the imports and the pools' warm-up);
then every KYODO_SOAK_TRACE_EVERY seconds (default 300) a thread takes a snapshot and writes to
KYODO_SOAK_TRACE_DIR/<service>-<n>.txt the allocation sites that grew most since tracing started, by line and, for
the first few, with their traceback. Costs CPU and memory of its own (frames kept per block): for finding, not for
the figures of record.
"""

from __future__ import annotations

import linecache
import os
import sys
import threading
import time
import tracemalloc
from pathlib import Path

FRAMES = 12


def _report(first: tracemalloc.Snapshot, now: tracemalloc.Snapshot, path: Path) -> None:
    # Not the service's: tracemalloc's own, the imports', and linecache's copy of the sources this report quotes.
    skip = [
        tracemalloc.Filter(False, tracemalloc.__file__),
        tracemalloc.Filter(False, linecache.__file__),
        tracemalloc.Filter(False, "<frozen importlib._bootstrap*"),
    ]
    first, now = first.filter_traces(skip), now.filter_traces(skip)
    lines = [f"traced now {sum(s.size for s in now.statistics('filename')) / 2**20:.1f} MiB"]
    for stat in now.compare_to(first, "lineno")[:40]:
        lines.append(f"{stat.size_diff / 1024:+10.1f} KiB {stat.count_diff:+8d} blocks  {stat.traceback[0]}")
    lines.append("")
    for stat in now.compare_to(first, "traceback")[:8]:
        lines.append(f"{stat.size_diff / 1024:+10.1f} KiB {stat.count_diff:+8d} blocks")
        lines.extend(f"    {line}" for line in stat.traceback.format()[-2 * FRAMES :])
    path.write_text("\n".join(lines) + "\n")


def _watch(service: str, directory: Path, after: float, every: float) -> None:
    time.sleep(after)
    # Started late: tracing from the start slowed the imports past the bench's 60 s readiness wait on a busy machine,
    # and what grows in a soak is what is allocated after the warm-up and kept.
    tracemalloc.start(FRAMES)
    first = tracemalloc.take_snapshot()
    for n in range(1, 10_000):
        time.sleep(every)
        _report(first, tracemalloc.take_snapshot(), directory / f"{service}-{n:02d}.txt")


def main() -> int:
    if sys.argv[1:2] != ["serve"] or len(sys.argv) < 3:
        print(__doc__)
        return 2
    directory = Path(os.environ.get("KYODO_SOAK_TRACE_DIR", "."))
    directory.mkdir(parents=True, exist_ok=True)
    after = float(os.environ.get("KYODO_SOAK_TRACE_AFTER", "120"))
    every = float(os.environ.get("KYODO_SOAK_TRACE_EVERY", "300"))
    threading.Thread(target=_watch, args=(sys.argv[2], directory, after, every), daemon=True).start()
    from kyodo_shared.cli.main import main as kyodo_main

    return kyodo_main(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
