"""The store's circuit breaker (store/breaker.py): opens only when a probe confirms the server is away, fails fast
while open, probes again one caller at a time, and closes when the server answers."""

from __future__ import annotations

import threading

import psycopg
import psycopg_pool
import pytest

from kyodo_shared.store.breaker import StoreBreaker, StoreUnavailable


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Server:
    """A probe against a server that is up or down; counts the probes."""

    def __init__(self) -> None:
        self.up = True
        self.probes = 0

    def __call__(self) -> None:
        self.probes += 1
        if not self.up:
            raise psycopg.OperationalError("connection refused")


def breaker() -> tuple[StoreBreaker, Server, Clock]:
    server, clock = Server(), Clock()
    return StoreBreaker("test:5432/db", server, retry_after=1.0, clock=clock), server, clock


def test_a_closed_breaker_lets_statements_through_without_probing() -> None:
    b, server, _ = breaker()
    b.guard()
    b.guard()
    assert not b.is_open
    assert server.probes == 0


def test_a_failed_statement_that_says_nothing_about_the_connection_is_not_probed() -> None:
    b, server, _ = breaker()
    server.up = False
    b.failed(psycopg.errors.LockNotAvailable())
    b.failed(psycopg.errors.UniqueViolation())
    b.failed(RuntimeError("a bug"))
    assert server.probes == 0
    assert not b.is_open


def test_a_pool_timeout_on_a_reachable_server_leaves_the_breaker_closed() -> None:
    # An exhausted pool under load: the probe connects, so statements keep going to the pool.
    b, server, _ = breaker()
    b.failed(psycopg_pool.PoolTimeout("couldn't get a connection after 2.00 sec"))
    assert server.probes == 1
    assert not b.is_open
    b.guard()


def test_a_lost_connection_confirmed_by_the_probe_opens_the_breaker_and_statements_fail_at_once() -> None:
    b, server, _ = breaker()
    server.up = False
    b.failed(psycopg.errors.AdminShutdown())
    assert b.is_open
    assert b.opened == 1
    for _ in range(3):
        with pytest.raises(StoreUnavailable, match="test:5432/db"):
            b.guard()
    # Failing fast costs no probe until retry_after has passed.
    assert server.probes == 1


def test_after_retry_after_one_statement_probes_again_and_the_breaker_closes_when_the_server_answers() -> None:
    b, server, clock = breaker()
    server.up = False
    b.failed(psycopg.OperationalError("connection refused"))
    clock.now += 1.5
    with pytest.raises(StoreUnavailable):
        b.guard()  # probed: still down, open for another second
    assert server.probes == 2
    with pytest.raises(StoreUnavailable):
        b.guard()
    assert server.probes == 2
    server.up = True
    clock.now += 1.5
    b.guard()  # probed: back
    assert server.probes == 3
    assert not b.is_open
    b.guard()
    assert server.probes == 3
    assert b.opened == 1


def test_while_one_statement_probes_the_others_fail_fast_instead_of_probing_too() -> None:
    started, release = threading.Event(), threading.Event()
    clock = Clock()
    probes = []

    def slow_probe() -> None:
        probes.append(1)
        if len(probes) == 1:
            raise psycopg.OperationalError("connection refused")
        started.set()
        release.wait(10)

    b = StoreBreaker("test", slow_probe, retry_after=1.0, clock=clock)
    b.failed(psycopg.OperationalError("connection refused"))
    clock.now += 2
    prober = threading.Thread(target=b.guard)
    prober.start()
    assert started.wait(10)
    with pytest.raises(StoreUnavailable):
        b.guard()
    b.failed(psycopg.OperationalError("connection refused"))  # no second probe while one runs
    release.set()
    prober.join(10)
    assert len(probes) == 2
    assert not b.is_open


def test_an_interrupted_probe_does_not_leave_the_breaker_stuck() -> None:
    clock = Clock()
    calls = []

    def probe() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise KeyboardInterrupt

    b = StoreBreaker("test", probe, retry_after=1.0, clock=clock)
    with pytest.raises(KeyboardInterrupt):
        b.failed(psycopg.OperationalError("connection refused"))
    assert b.is_open  # counted as away until a probe says otherwise
    clock.now += 2
    b.guard()
    assert not b.is_open


def test_an_operator_command_refused_by_an_open_breaker_says_what_to_do_without_a_traceback() -> None:
    from kyodo_shared.cli.failures import explain

    error = explain(StoreUnavailable("db.example:5432/kyodo (registry)"))
    assert error is not None
    assert "cannot connect to PostgreSQL" in str(error)
    assert "db.example:5432/kyodo (registry)" in str(error)
