"""What the soak's workload counts: every request's latency by minute and kind, and the unexpected answers."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field


@dataclass
class Tally:
    """Latencies (ms) and statuses by minute and kind."""

    started: float = field(default_factory=time.monotonic)
    latencies: dict[int, dict[str, list[float]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    errors: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    skipped: int = 0  # ticks not sent because too many requests were in flight

    def minute(self) -> int:
        return int((time.monotonic() - self.started) // 60)

    def record(self, kind: str, ms: float, status: int, expected: int) -> None:
        self.counts[kind] += 1
        if status == expected:
            self.latencies[self.minute()][kind].append(ms)
        else:
            self.errors[kind][str(status)] += 1
