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
"""

# No `from __future__ import annotations`: FastAPI resolves the routes' Annotated parameters at definition.

import argparse
import hashlib
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

import jwt
import uvicorn
from fastapi import Depends, FastAPI, Header, HTTPException
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from kyodo_registry.schemas import ApplicationRequest

TABLE = "bench_plain_groups"


def create_app(dsn: str, jwks_file: Path, issuer: str, audience: str) -> FastAPI:
    keys = {k["kid"]: jwt.PyJWK(k) for k in json.loads(jwks_file.read_text())["keys"]}
    pool = AsyncConnectionPool(dsn, min_size=16, max_size=16, open=False)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await pool.open(wait=True)
        async with pool.connection() as conn:
            await conn.execute(
                f"CREATE TABLE IF NOT EXISTS {TABLE} (id uuid PRIMARY KEY, owner text NOT NULL, body jsonb NOT NULL, "
                "bylaws bytea NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
            )
        yield
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
        async with pool.connection() as conn:
            await conn.execute(
                f"INSERT INTO {TABLE} (id, owner, body, bylaws) VALUES (%s, %s, %s, %s)",
                (group_id, claims["sub"], Jsonb(record), bylaws.content),
                prepare=True,
            )
        return {"id": str(group_id), "status": "applied", **record}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--jwks", type=Path, required=True)
    parser.add_argument("--issuer", required=True)
    parser.add_argument("--audience", required=True)
    args = parser.parse_args()
    app = create_app(args.dsn, args.jwks, args.issuer, args.audience)
    uvicorn.run(
        app, host="127.0.0.1", port=args.port, log_config=None, access_log=False, loop="uvloop", http="httptools"
    )


if __name__ == "__main__":
    main()
