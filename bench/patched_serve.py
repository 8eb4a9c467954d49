"""`kyodo serve` with the relay wake-up fix proposed in bench/RESULTS.md applied by monkeypatching (A/B runs only).

shared/ is not edited: this process patches OutboxRelay before starting the CLI, so a benchmark can compare the
kernel as shipped with the kernel as proposed. Usage: `python -m bench.patched_serve serve <service> --port P`.

The fix: the nudge is cleared *before* each drain reads the store, never after an empty drain. As shipped,
`OutboxRelay.run` clears it after a drain that found nothing, so a command that commits and nudges while that
drain is reading loses its wake-up and waits for the next nudge or `poll_interval_seconds` (0.5 s).
The patch keeps `run()` as shipped: its `clear()` becomes a no-op and `drain_once()` clears first instead.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from kyodo_shared.bus.relay import OutboxRelay


class _ClearedBeforeDrain(asyncio.Event):
    def clear(self) -> None:
        """Ignored: run() would clear after the drain and could drop a nudge that arrived meanwhile."""

    def clear_before_drain(self) -> None:
        super().clear()


def install() -> None:
    original_init = OutboxRelay.__init__
    original_drain = OutboxRelay.drain_once

    def init(self: OutboxRelay, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self._nudge = _ClearedBeforeDrain()

    async def drain_once(self: OutboxRelay) -> int:
        nudge = self._nudge
        if isinstance(nudge, _ClearedBeforeDrain):
            nudge.clear_before_drain()
        return await original_drain(self)

    OutboxRelay.__init__ = init  # type: ignore[method-assign]
    OutboxRelay.drain_once = drain_once  # type: ignore[method-assign]


def main() -> int:
    install()
    from kyodo_shared.cli.main import main as kyodo_main

    return kyodo_main(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
