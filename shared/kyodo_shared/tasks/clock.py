"""The service's notion of now, one object shared by its application, timers and due dates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime


class ServiceClock:
    """Reads the system clock; `move_to` lets a test (or a staging run) put the whole service at another time.

    One instance per service, built by the composition root and passed to whatever needs the time, so moving it
    moves the application, its durable timers and its due dates together.
    """

    def __init__(self) -> None:
        self._now: Callable[[], datetime] | None = None

    def __call__(self) -> datetime:
        return self._now() if self._now is not None else datetime.now(UTC)

    def move_to(self, now: Callable[[], datetime] | None) -> None:
        """`now` is called on every read (so it may itself move); None returns to the system clock."""
        self._now = now
