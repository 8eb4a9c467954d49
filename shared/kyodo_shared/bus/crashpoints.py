"""Test-only crash points: kill this process at a named step, to prove recovery from a crash exactly there.

Active only when `KYODO_CRASH_POINTS` names the point; production never sets it.
"""

from __future__ import annotations

import os
import signal


def crash_point(name: str) -> None:
    armed = os.environ.get("KYODO_CRASH_POINTS", "")
    if armed and name in armed.split(","):
        # SIGKILL, not sys.exit: no finally blocks, no flushing — as a real crash.
        os.kill(os.getpid(), signal.SIGKILL)
