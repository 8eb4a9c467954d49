"""P1's baseline: the plain CRUD service a city would otherwise write for "apply for registration".

What it does per request is what a careful FastAPI + psycopg service does, and nothing of what Kyodo adds (event
store, ordering lock, chain, per-person encryption, documents, relay, read models):
- the same uvicorn (uvloop, httptools) as `kyodo serve`;
- the same bearer token: EdDSA JWT verified with PyJWT against the issuer's JWKS (issuer, audience, expiry, role);
- the same request body validated by pydantic: the registry's own `ApplicationRequest` (EmailStr, the six criteria,
  the bylaws upload decoded), so validation costs the same;
- one `INSERT ... jsonb` (with the bylaws' bytes) per request in its own transaction (synchronous commit, as the
  server has it), from a 16-connection async pool; 201 with the stored record.

Run as its own process (`python -m bench.p1_plain --port P --dsn D --jwks FILE --issuer I --audience A`), like
`kyodo serve`, so both sides of the ratio have the same number of processes.

With `--outbox-nats URL --outbox-subject S` (a diagnostic beside the baseline, not the baseline): what the same
service must add once other systems follow its changes — a transactional outbox (the outbox row in the request's
transaction) and a publisher task on the loop that sends the rows to JetStream in id order, waits for the acks and
records how far it got. No ordering lock, chain, encryption or read model: the least a service with subscribers does.
"""

# No `from __future__ import annotations`: FastAPI resolves the routes' Annotated parameters at definition.

import argparse
import asyncio
import hashlib
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

import jwt
import nats
import uvicorn
from fastapi import Depends, FastAPI, Header, HTTPException
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from kyodo_registry.schemas import ApplicationRequest

TABLE = "bench_plain_groups"
OUTBOX = "bench_plain_outbox"


class Outbox:
    """The outbox's publisher: the rows after the last published id, in id order, acknowledged by JetStream."""

    def __init__(self, pool: AsyncConnectionPool, nats_url: str, subject: str) -> None:
        self.pool, self.nats_url, self.subject = pool, nats_url, subject
        self.nudge = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        async with self.pool.connection() as conn:
            await conn.execute(f"CREATE TABLE IF NOT EXISTS {OUTBOX} (id bigserial PRIMARY KEY, body jsonb NOT NULL)")
            await conn.execute(f"CREATE TABLE IF NOT EXISTS {OUTBOX}_position (last bigint NOT NULL)")
            await conn.execute(
                f"INSERT INTO {OUTBOX}_position SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM {OUTBOX}_position)"
            )
        self.nc = await nats.connect(self.nats_url)
        self.js = self.nc.jetstream()
        stream = self.subject.split(".")[0].upper() + "_PLAIN_OUTBOX"
        await self.js.add_stream(name=stream, subjects=[self.subject])
        self.task = asyncio.create_task(self.run())

    async def run(self) -> None:
        async with self.pool.connection() as conn:
            row = await (await conn.execute(f"SELECT last FROM {OUTBOX}_position")).fetchone()
        last = int(row[0]) if row else 0
        while True:
            self.nudge.clear()
            async with self.pool.connection() as conn:
                rows = await (
                    await conn.execute(f"SELECT id, body FROM {OUTBOX} WHERE id > %s ORDER BY id LIMIT 500", (last,))
                ).fetchall()
            if not rows:
                await self.nudge.wait()
                continue
            # Sent in id order on one connection; the acks are awaited together.
            await asyncio.gather(
                *(
                    self.js.publish(self.subject, json.dumps(body).encode(), headers={"Nats-Msg-Id": str(i)})
                    for i, body in rows
                )
            )
            last = int(rows[-1][0])
            async with self.pool.connection() as conn:
                await conn.execute(f"UPDATE {OUTBOX}_position SET last = %s", (last,))

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
        await self.nc.close()


def create_app(
    dsn: str, jwks_file: Path, issuer: str, audience: str, outbox_nats: str = "", outbox_subject: str = ""
) -> FastAPI:
    keys = {k["kid"]: jwt.PyJWK(k) for k in json.loads(jwks_file.read_text())["keys"]}
    pool = AsyncConnectionPool(dsn, min_size=16, max_size=16, open=False)
    outbox = Outbox(pool, outbox_nats, outbox_subject) if outbox_nats else None

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await pool.open(wait=True)
        async with pool.connection() as conn:
            await conn.execute(
                f"CREATE TABLE IF NOT EXISTS {TABLE} (id uuid PRIMARY KEY, owner text NOT NULL, body jsonb NOT NULL, "
                "bylaws bytea NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
            )
        if outbox is not None:
            await outbox.start()
        yield
        if outbox is not None:
            await outbox.stop()
        await pool.close()

    # async: verifying a token is CPU only, and a plain `def` dependency would cost an anyio thread hop per request
    # (Kyodo's own is async too: kyodo_shared/web/access.py).
    async def principal(authorization: Annotated[str, Header()] = "") -> dict[str, Any]:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise HTTPException(401, "bearer token required")
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            claims: dict[str, Any] = jwt.decode(
                token,
                keys[kid],
                algorithms=["EdDSA"],
                audience=audience,
                issuer=issuer,
                options={"require": ["exp", "sub", "aud", "iss"]},
            )
        except (jwt.PyJWTError, KeyError) as exc:
            raise HTTPException(401, "invalid token") from exc
        if "group" not in claims.get("roles", []):
            raise HTTPException(403, "role group required")
        return claims

    app = FastAPI(title="plain CRUD baseline", lifespan=lifespan)

    @app.get("/api/registry/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/registry/groups", status_code=201)
    async def apply(body: ApplicationRequest, claims: Annotated[dict[str, Any], Depends(principal)]) -> dict[str, Any]:
        bylaws = body.bylaws.document()  # decoded and checked as the registry's route does
        record = body.model_dump(mode="json", exclude={"bylaws"}) | {
            "bylaws": {
                "filename": bylaws.filename,
                "media_type": bylaws.media_type,
                "sha256": hashlib.sha256(bylaws.content).hexdigest(),
            }
        }
        group_id = uuid.uuid4()
        if outbox is None:
            async with pool.connection() as conn:
                await conn.execute(
                    f"INSERT INTO {TABLE} (id, owner, body, bylaws) VALUES (%s, %s, %s, %s)",
                    (group_id, claims["sub"], Jsonb(record), bylaws.content),
                    prepare=True,
                )
        else:
            async with pool.connection() as conn, conn.transaction():
                await conn.execute(
                    f"INSERT INTO {TABLE} (id, owner, body, bylaws) VALUES (%s, %s, %s, %s)",
                    (group_id, claims["sub"], Jsonb(record), bylaws.content),
                    prepare=True,
                )
                await conn.execute(
                    f"INSERT INTO {OUTBOX} (body) VALUES (%s)",
                    (Jsonb({"type": "group.applied", "id": str(group_id), **record}),),
                    prepare=True,
                )
            outbox.nudge.set()
        return {"id": str(group_id), "status": "applied", **record}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--jwks", type=Path, required=True)
    parser.add_argument("--issuer", required=True)
    parser.add_argument("--audience", required=True)
    parser.add_argument("--outbox-nats", default="", help="diagnostic: a transactional outbox published to this NATS")
    parser.add_argument("--outbox-subject", default="", help="the subject the outbox publishes on")
    args = parser.parse_args()
    app = create_app(args.dsn, args.jwks, args.issuer, args.audience, args.outbox_nats, args.outbox_subject)
    uvicorn.run(
        app, host="127.0.0.1", port=args.port, log_config=None, access_log=False, loop="uvloop", http="httptools"
    )


if __name__ == "__main__":
    main()
