"""Fail fast while the store's server is away: a circuit breaker in front of each PostgreSQL connection pool.

Why: with the server gone, every statement waits for its pool before it fails (2 s for the kernel's tables; 1 s for
eventsourcing's, which tries each statement ten times), so a request reading the store a few times answered 503
only after 12–17 s, holding a worker thread all along, and every request behind it waited as long. Once a breaker has
seen the server refuse a connection, each statement through that pool fails at once with `StoreUnavailable`
(503 `store_unavailable` with Retry-After, web/handlers.py) until the server accepts a connection again.

A failure opens the breaker only when a probe confirms it: a fresh connection to the same server, made outside the
pool with a short connect timeout, also fails. So a pool exhausted by load (every connection busy past the wait), a
lock timeout or one connection cut by a proxy's idle timeout fail their statement as before and leave the breaker
closed — a busy store must not turn into a storm of 503s. While open, the first statement after `retry_after`
seconds probes again (one caller at a time; the others keep failing fast meanwhile) and closes the breaker when the
server answers. The pool then reconnects by itself; a statement that still finds it empty fails as before.

Each pool has its own breaker (the kernel's tables, the vault's, eventsourcing's recorder): each learns about the
server from its own failures, and nothing process-wide is shared between services running in one process (tests).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
import structlog
from eventsourcing.persistence import InterfaceError as StoreInterfaceError

log = structlog.get_logger(__name__)

# Seconds the breaker stays open before a statement probes the server again. Short: a probe costs one refused
# connection (or at most PROBE_TIMEOUT_SECONDS when the host does not answer at all), and the service should be
# back within a second of the store.
RETRY_AFTER_SECONDS = 1.0
# libpq's connect_timeout for a probe; libpq takes no less than 2 s.
PROBE_TIMEOUT_SECONDS = 2
# SQLSTATEs of a lost or refused connection: class 08, and the server shutting down or not accepting connections yet.
_UNREACHABLE_STATES = ("08", "57P01", "57P02", "57P03")


class StoreUnavailable(Exception):
    """The store's server was found unreachable moments ago, so nothing was tried: safe to try again later."""

    def __init__(self, target: str) -> None:
        super().__init__(target)
        self.target = target

    def __str__(self) -> str:
        return f"the store at {self.target} is unreachable (circuit open)"


def store_unreachable(exc: BaseException) -> bool:
    """Whether the error (or one it was raised from: eventsourcing wraps psycopg's) says the store's server cannot be
    reached — a refused or lost connection, a pool with none to give in time, an open breaker — rather than that a
    statement failed (a lock timeout, a serialization failure stay internal errors)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, StoreUnavailable):
            return True
        if isinstance(seen, psycopg.Error):
            # A client-side failure (no connection, the pool's timeout) carries no SQLSTATE.
            state = seen.sqlstate
            return state is None or state.startswith(_UNREACHABLE_STATES)
        if isinstance(seen, StoreInterfaceError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def connect_probe(**conninfo: Any) -> Callable[[], None]:
    """A probe connecting to the server of `conninfo` (psycopg.connect's keywords) outside any pool."""

    def probe() -> None:
        with psycopg.connect(**{**conninfo, "connect_timeout": PROBE_TIMEOUT_SECONDS}) as conn:
            conn.execute("SELECT 1")

    return probe


class StoreBreaker:
    """Closed (statements go to the pool) or open (they fail at once) for one pool's server; see the module's doc."""

    def __init__(
        self,
        target: str,
        probe: Callable[[], None],
        *,
        retry_after: float = RETRY_AFTER_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.target = target
        self._probe = probe
        self._retry_after = retry_after
        self._clock = clock
        self._lock = threading.Lock()
        self._open_until: float | None = None
        self._probing = False
        self.opened = 0  # times opened, for the logs and tests

    @property
    def is_open(self) -> bool:
        with self._lock:
            return self._open_until is not None

    def guard(self) -> None:
        """Before taking a connection: StoreUnavailable while the server is known to be away; once `retry_after`
        has passed, this caller probes and either closes the breaker or keeps it open."""
        with self._lock:
            if self._open_until is None:
                return
            if self._probing or self._clock() < self._open_until:
                raise StoreUnavailable(self.target)
            self._probing = True
        if not self._settle():
            raise StoreUnavailable(self.target)

    def failed(self, exc: BaseException) -> None:
        """After a statement failed: if the error may mean the server is gone, probe, and open when it is."""
        if isinstance(exc, StoreUnavailable) or not store_unreachable(exc):
            return
        with self._lock:
            if self._probing or self._open_until is not None:
                return
            self._probing = True
        self._settle(cause=type(exc).__name__)

    def _settle(self, cause: str | None = None) -> bool:
        """Probe (this caller alone holds `_probing`), then close or (re)open the breaker; whether it is closed."""
        failure: str | None = "interrupted"
        try:
            self._probe()
            failure = None
        except Exception as exc:  # noqa: BLE001 - any failure to connect counts as the server being away
            failure = type(exc).__name__
        finally:
            # Even when the probe is interrupted: a breaker left "probing" would never probe again.
            with self._lock:
                was_open = self._open_until is not None
                self._probing = False
                if failure is None:
                    self._open_until = None
                else:
                    self._open_until = self._clock() + self._retry_after
                    self.opened += 0 if was_open else 1
        if failure is None and was_open:
            log.info("store_breaker_closed", target=self.target)
        elif failure is not None and not was_open:
            log.warning("store_breaker_opened", target=self.target, cause=cause, probe=failure)
        return failure is None
