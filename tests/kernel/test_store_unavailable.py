"""A store that cannot be reached answers 503 problem+json `store_unavailable` with Retry-After, promptly and in both
languages, and /readyz says so; a statement that fails on a reachable store stays an internal error. When the server
is back, the same service answers again by itself."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import psycopg
import psycopg_pool
from eventsourcing.persistence import OperationalError as StoreOperationalError
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from kyodo_shared.store.breaker import store_unreachable
from kyodo_shared.web.devissuer import DevIssuer
from kyodo_shared.web.handlers import install_problem_handlers
from kyodo_shared.web.messages import MessageTable

from support.chaos import own_postgres
from support.harness import Backend, eventually, platform, settings_for
from support.registry import application


def wrapped(cause: BaseException) -> StoreOperationalError:
    """What eventsourcing raises: its own error, from psycopg's."""
    try:
        raise StoreOperationalError(str(cause)) from cause
    except StoreOperationalError as exc:
        return exc


def test_lost_connections_and_pool_timeouts_count_as_an_unreachable_store_and_failed_statements_do_not() -> None:
    assert store_unreachable(psycopg.OperationalError("connection refused"))
    assert store_unreachable(psycopg_pool.PoolTimeout("couldn't get a connection after 5.00 sec"))
    assert store_unreachable(wrapped(psycopg.OperationalError("server closed the connection unexpectedly")))
    assert store_unreachable(psycopg.errors.AdminShutdown())
    assert store_unreachable(psycopg.errors.CannotConnectNow())
    assert not store_unreachable(psycopg.errors.LockNotAvailable())
    assert not store_unreachable(wrapped(psycopg.errors.SerializationFailure()))
    assert not store_unreachable(RuntimeError("anything else"))


async def test_an_unreachable_store_answers_503_store_unavailable_with_retry_after_and_a_failed_statement_500() -> None:
    app = FastAPI()
    install_problem_handlers(app, MessageTable())

    @app.get("/lost")
    def lost() -> None:
        raise wrapped(psycopg_pool.PoolTimeout("couldn't get a connection"))

    @app.get("/locked")
    def locked() -> None:
        raise psycopg.errors.LockNotAvailable()

    async with AsyncClient(transport=ASGITransport(app=app, raise_app_exceptions=False), base_url="http://t") as c:
        answer = await c.get("/lost")
        assert answer.status_code == 503
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.headers["Retry-After"] == "5"
        body = answer.json()
        assert body["code"] == "store_unavailable"
        assert body["title_ja"] == "データベースに接続できません"
        assert body["title_en"] == "The data store is unavailable"
        assert (await c.get("/locked")).status_code == 500


async def test_while_the_store_is_down_the_api_answers_503_within_seconds_and_recovers_without_a_restart(
    tmp_path: Path, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    with own_postgres() as postgres:
        backend = Backend("postgres", tmp_path, postgres.dsn)
        services = {"registry": settings_for("registry", backend, nats_url, bus_namespace, issuer)}
        async with platform(services, issuer) as p:
            registry, rep = p.clients["registry"], p.token("rep-1", "group")
            assert (await registry.post("/groups", json=application(name="前の会"), headers=rep)).status_code == 201
            await asyncio.to_thread(postgres.stop)
            try:
                # The first request finds the server gone (its connection lost, or none in the pool in time), a probe
                # confirms it and opens the breaker; from then on every request fails at once.
                started = time.monotonic()
                refused = await registry.post("/groups", json=application(name="停止中の会"), headers=rep)
                first = time.monotonic() - started
                assert refused.status_code == 503, refused.text
                assert refused.json()["code"] == "store_unavailable"
                assert refused.headers["Retry-After"] == "5"
                took = []
                for name in ("停止中の会2", "停止中の会3", "停止中の会4"):
                    started = time.monotonic()
                    again = await registry.post("/groups", json=application(name=name), headers=rep)
                    took.append(time.monotonic() - started)
                    assert again.status_code == 503, again.text
                started = time.monotonic()
                listed = await registry.get("/groups", headers=p.token("coord-1", "coordinator"))
                took.append(time.monotonic() - started)
                assert listed.status_code == 503
                assert listed.json()["code"] == "store_unavailable"
                print(f"first 503 after {first:.2f} s, then {[round(t, 2) for t in took]}")
                # Without the breaker: 12–17 s each (a pool wait per statement, eventsourcing's ten tries).
                assert first < 6, first
                assert max(took) < 2, took
                ready = await registry.get("/readyz")
                assert ready.status_code == 503
                assert ready.json()["checks"]["store"].startswith("unreachable")
            finally:
                await asyncio.to_thread(postgres.start)

            async def answered() -> bool:
                again = await registry.post("/groups", json=application(name="再開後の会"), headers=rep)
                return again.status_code == 201

            await eventually(answered, timeout=60, interval=1)
            await eventually(lambda: ready_again(registry), timeout=60, interval=0.5)
            coordinator = p.token("coord-1", "coordinator")

            async def listed_names() -> list[str]:
                page = await registry.get("/groups", headers=coordinator, params={"limit": 50})
                return sorted(g["name"] for g in page.json()["items"]) if page.status_code == 200 else []

            # The refused application left nothing behind; the index caught up by itself.
            await eventually(lambda: listed_names_are(listed_names, ["再開後の会", "前の会"]), timeout=30, interval=0.5)


async def listed_names_are(listed: Callable[[], Awaitable[list[str]]], expected: list[str]) -> bool:
    return await listed() == expected


async def ready_again(client: AsyncClient) -> bool:
    return (await client.get("/readyz")).status_code == 200
