"""Runs the probe consumer in its own process, so a test can SIGKILL it (or let a crash point do so)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from support.bus import Probe, probe_kernel, probe_settings


async def main(sqlite_path: str, nats_url: str, namespace: str) -> None:
    kernel = probe_kernel(probe_settings(Path(sqlite_path), nats_url, namespace), Probe())
    await kernel.start()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
