"""Probe: is a relay nudge that arrives while an (empty) drain is reading kept, or lost?

A command commits, then calls `kernel.nudge()`. If the relay's read ran just before that commit and returns empty
just after the nudge, `OutboxRelay.run` (as shipped) clears the nudge and sleeps `poll_interval_seconds`; the
committed event waits up to 0.5 s. The window is short (well under a millisecond on this machine: P2 never hit it
in 600 commands at 10/s), so this probe widens it deterministically: a stub read that nudges from inside itself
and finds nothing, then the probe times how long the relay takes to start its next drain. Store and bus are stubbed;
the relay's own `run()` loop is the code under test. Compare with `--patched` (bench/patched_serve.py's fix).

    .venv/bin/python -m bench.wakeup_probe [--patched]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from kyodo_shared.bus.relay import OutboxRelay, Position
from kyodo_shared.observability.metrics import KernelMetrics
from kyodo_shared.settings import BusSettings, RelaySettings


class _Probe(OutboxRelay):
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(
            service="registry",
            application=None,
            mapper=lambda _: [],
            db=None,  # type: ignore[arg-type]
            js=None,  # type: ignore[arg-type]
            bus=BusSettings(provision="create"),
            settings=RelaySettings(poll_interval_seconds=0.5),
            metrics=KernelMetrics(),
        )
        self.loop = loop
        self.drains: list[float] = []

    async def ensure_stream(self) -> None:
        return None

    async def reconcile(self) -> None:
        self.position = Position()

    def _read(self, position: Position) -> tuple[list[Any], int]:
        if len(self.drains) == 2:
            # A command commits after this read's snapshot and nudges before the read returns.
            self.loop.call_soon_threadsafe(self.nudge)
            time.sleep(0.01)
        return [], position.notification_id

    async def drain_once(self) -> int:
        self.drains.append(time.perf_counter())
        return await super().drain_once()


async def probe() -> dict[str, float]:
    relay = _Probe(asyncio.get_running_loop())
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    await asyncio.sleep(0.1)
    relay.nudge()  # the second drain starts now, and is nudged from inside its read
    while len(relay.drains) < 3:  # noqa: ASYNC110 - polling a list the relay appends to
        await asyncio.sleep(0.005)
    stop.set()
    await task
    return {"ms_from_nudged_drain_to_next_drain": round((relay.drains[2] - relay.drains[1]) * 1000, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patched", action="store_true", help="apply bench/patched_serve.py's fix first")
    if parser.parse_args().patched:
        from bench.patched_serve import install

        install()
    print(asyncio.run(probe()))


if __name__ == "__main__":
    main()
