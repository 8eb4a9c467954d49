"""What the bus refused this service: a subject its NATS user may not use (deploy/nats/auth.conf).

NATS drops such a request or publish and says so only on the connection's error callback: the pull of a consumer
refused this way times out like an idle stream, and the service would look healthy while it applies nothing. So each
refusal is logged once per subject as an error naming what to do, counted in /metrics, and fails /readyz for a while
after it (a configuration that does not match this release's code is an operator's to fix, never a wait).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import structlog

from kyodo_shared.observability.metrics import KernelMetrics

log = structlog.get_logger(__name__)
RECENT_SECONDS = 300.0  # /readyz fails this long after the last refusal: a refusal recurs while its cause lasts
HINT = (
    "this service's NATS user may not use that subject: deploy/nats/auth.conf must be the one generated from this "
    "release (`python -m kyodo_shared.bus.permissions > deploy/nats/auth.conf`), loaded by nats-server, and "
    "KYODO_BUS__NATS_URL must name this service's own user"
)


class BusRefusals:
    def __init__(self, service: str, metrics: KernelMetrics, clock: Callable[[], float] = time.monotonic) -> None:
        self.service, self.metrics, self.clock = service, metrics, clock
        self._last: tuple[float, str] | None = None
        self._logged: set[str] = set()

    def record(self, error: str) -> None:
        """nats-py's text, e.g. `nats: permissions violation for subscription to "_INBOX.>"`."""
        quoted = re.findall(r'"([^"]+)"', error)
        subject = quoted[-1] if quoted else error
        self._last = (self.clock(), subject)
        self.metrics.bus_refused.labels(self.service).inc()
        if subject not in self._logged:
            self._logged.add(subject)
            log.error("bus_permission_denied", service=self.service, subject=subject, error=error, hint=HINT)

    def recent(self) -> str | None:
        """The last refused subject, if within RECENT_SECONDS."""
        if self._last is None or self.clock() - self._last[0] > RECENT_SECONDS:
            return None
        return self._last[1]
