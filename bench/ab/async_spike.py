"""A spike, for one measurement only (variant `async_apply`): P1's command with no worker thread at all.

`POST /groups` is replaced by an `async def` route that does the same work on the event loop with psycopg's async
pool: the vault's key read (one SELECT), the domain command, the mapper, and one group-committed transaction that
takes the table lock, notifies, inserts the events and the bylaws document (pipelined). Not a product path: it
answers the question whether an async command path would reach P1's floor (bench/RESULTS.md, issue 14). Its
shortcuts: a person without a key (the first command) goes back to the shipped sync path, and a refused batch
fails every command in it (no savepoint fallback: P1 has no conflicts);
retention is not read (the shipped vault's common path is one SELECT of the key and the retention together).
"""

import asyncio
import base64
import os
import secrets
import uuid
from typing import Any

from psycopg import sql
from psycopg_pool import AsyncConnectionPool


class _Batcher:
    def __init__(self, pool: AsyncConnectionPool, schema: str, table: str) -> None:
        self.pool, self.running = pool, False
        self.task: asyncio.Future[None] | None = None
        self.queue: list[Any] = []
        ident = sql.Identifier(schema), sql.Identifier(table)
        self.lock = sql.SQL("LOCK TABLE {}.{} IN EXCLUSIVE MODE").format(*ident)
        self.notify = sql.SQL("NOTIFY {}").format(sql.Identifier(table))
        self.insert = sql.SQL(
            "INSERT INTO {}.{} (originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%s::uuid[], %s::bigint[], %s::text[], %s::bytea[]) RETURNING notification_id"
        ).format(*ident)
        self.doc = sql.SQL(
            "INSERT INTO {}.registry_documents (sha256, media_type, size, content_b64, stored_at) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (sha256) DO NOTHING"
        ).format(sql.Identifier(schema))

    async def write(self, events: list[Any], doc: tuple[Any, ...]) -> None:
        future = asyncio.get_running_loop().create_future()
        self.queue.append((events, doc, future))
        if not self.running:
            self.running = True
            self.task = asyncio.ensure_future(self._drain())
        await future

    async def _drain(self) -> None:
        try:
            while self.queue:
                batch, self.queue = self.queue, []
                try:
                    await self._write(batch)
                except Exception as exc:  # spike: every command of the batch hears it
                    for _, _, future in batch:
                        future.set_exception(exc)
                    continue
                for _, _, future in batch:
                    future.set_result(None)
        finally:
            self.running = False

    async def _write(self, batch: list[Any]) -> None:
        events = [e for item in batch for e in item[0]]
        async with self.pool.connection() as conn, conn.transaction(), conn.pipeline():
            await conn.execute("SET LOCAL lock_timeout = '10s'")
            await conn.execute(self.lock)
            await conn.execute(self.notify)
            async with conn.cursor() as cur:
                await cur.executemany(self.doc, [item[1] for item in batch])
            cur = await conn.execute(
                self.insert,
                (
                    [e.originator_id for e in events],
                    [e.originator_version for e in events],
                    [e.topic for e in events],
                    [e.state for e in events],
                ),
            )
            await cur.fetchall()


def install() -> None:
    from fastapi import Request, Response
    from fastapi.routing import APIRoute

    from kyodo_registry import api
    from kyodo_registry.app import _require_declarations
    from kyodo_registry.domain import Group
    from kyodo_registry.routing import GroupRole, application, done
    from kyodo_registry.schemas import ApplicationRequest, GroupView
    from kyodo_shared.privacy import vault as vault_module
    from kyodo_shared.web.routes import actor_of

    state: dict[str, Any] = {}
    guard = asyncio.Lock()

    async def pools(request: Request) -> tuple[_Batcher, AsyncConnectionPool]:
        async with guard:
            if not state:
                dsn, schema = os.environ["KYODO_STORE__PG_DSN"], os.environ["KYODO_STORE__PG_SCHEMA"]
                store = AsyncConnectionPool(dsn, min_size=4, max_size=8, kwargs={"autocommit": True}, open=False)
                options = {"autocommit": True, "options": f"-c search_path={schema}_vault"}
                vault = AsyncConnectionPool(dsn, min_size=4, max_size=8, kwargs=options, open=False)
                await store.open()
                await vault.open()
                state["batcher"], state["vault"] = _Batcher(store, schema, "registry_events"), vault
        return state["batcher"], state["vault"]

    async def seal(vault: AsyncConnectionPool, person: str, fields: dict[str, Any]) -> dict[str, str] | None:
        async with vault.connection() as conn:
            cur = await conn.execute("SELECT key_id, key_material FROM kyodo_person_keys WHERE person = %s", (person,))
            row = await cur.fetchone()
        if row is None or row[1] is None:
            return None

        return vault_module.seal_under(person, str(row[0]), str(row[1]), fields)

    async def apply_async(body: ApplicationRequest, request: Request, response: Response, principal: GroupRole) -> Any:
        app = application(request)
        batcher, vault = await pools(request)
        actor = actor_of(request, principal)
        declarations = {c.value: d.evidence for c, d in body.criteria.items()}
        _require_declarations(declarations)
        bylaws = body.bylaws.document()
        representative = body.representative.model_dump(mode="json")
        sealed = await seal(vault, actor.sub, representative)
        if sealed is None:  # a person's first command: the shipped path makes the key
            group = await asyncio.to_thread(
                app.apply_for_registration,
                actor,
                body.profile(),
                representative,
                declarations,
                bylaws,
                [t.model_dump(mode="json") for t in body.ties],
            )
        else:
            group = Group(
                uuid.uuid4(),
                body.profile(),
                actor.sub,
                sealed,
                declarations,
                bylaws.reference(),
                [app._new_tie(t.model_dump(mode="json")) for t in body.ties],
                actor.trace_dict(),
                secrets.token_hex(16),
            )
            stored = [app.mapper.to_stored_event(e) for e in group.collect_events()]
            doc = (
                bylaws.sha256,
                bylaws.media_type,
                len(bylaws.content),
                base64.b64encode(bylaws.content).decode(),
                app.clock().isoformat(),
            )
            await batcher.write(stored, doc)
        response.headers["Location"] = f"groups/{group.id}"
        return done(request, response, group, 201)

    router = api.router
    for route in list(router.routes):
        if isinstance(route, APIRoute) and route.path == "/groups" and "POST" in route.methods:
            router.routes.remove(route)
    router.add_api_route(
        "", apply_async, methods=["POST"], status_code=201, response_model=GroupView, summary="Apply (async spike)"
    )
