"""P6's launcher: `kyodo serve info-hub` with two baseline routes added to the same app (bench/p6_open_data.py).

    python -m bench.p6_serve serve info-hub --host H --port P

- `GET /api/info-hub/bench-p6/plain.csv`: what a plain endpoint would do for the groups export — the same SELECT as
  `opendata_portal`'s groups rows, in one cursor (PostgreSQL: a server-side cursor, 500 rows a fetch; SQLite: its own
  connection, 500 a fetch), the raw values written through Python's csv module, 200 rows a chunk, BOM first;
- `GET /api/info-hub/bench-p6/not-modified`: a 304 and nothing else (the floor under the conditional poll).

Both are plain `def` routes on info-hub's own router class (one thread hop each), as the open data routes are.
info-hub's code is not changed: the router is appended to `opendata_api.ROUTERS` before the app is built.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from typing import Any

from fastapi import Request, Response
from fastapi.responses import StreamingResponse

HUB = "/api/info-hub"
PLAIN = f"{HUB}/bench-p6/plain.csv"
NOTHING = f"{HUB}/bench-p6/not-modified"
COLUMNS = (
    "group_id, name, purpose, fields_of_activity, area, founded, members_count, website, status, status_reason, "
    "renewal_due, registered_at"
)
SELECT = f"SELECT {COLUMNS} FROM directory_groups ORDER BY registered_at, group_id"


def _plain_rows(db: Any) -> Iterator[Sequence[Any]]:
    if db.backend == "sqlite":
        conn = sqlite3.connect(str(db.path), timeout=30)
        try:
            cursor = conn.execute(SELECT)
            while rows := cursor.fetchmany(500):
                yield from rows
        finally:
            conn.close()
        return
    import psycopg

    with psycopg.connect(db.dsn, options=f"-c search_path={db.schema}") as conn, conn.cursor(name="p6") as cur:
        cur.itersize = 500
        cur.execute(SELECT.encode())
        yield from cur


def _plain_csv(db: Any) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.strip() for c in COLUMNS.split(",")])
    yield "\ufeff".encode() + buffer.getvalue().encode()
    buffer.seek(0)
    buffer.truncate()
    for n, row in enumerate(_plain_rows(db), start=1):
        writer.writerow(row)
        if n % 200 == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def plain_csv(request: Request) -> Response:
    return StreamingResponse(_plain_csv(request.app.state.kernel.db), media_type="text/csv; charset=utf-8")


def not_modified() -> Response:
    return Response(status_code=304, headers={"ETag": '"bench"', "Cache-Control": "public, no-cache"})


def install() -> None:
    """Add the baseline routes to info-hub's app (appended to the routers `create_app` includes)."""
    from kyodo_info_hub import opendata_api
    from kyodo_shared.web.routes import service_router

    router = service_router(prefix="/bench-p6", tags=["bench"])
    router.add_api_route("/plain.csv", plain_csv, methods=["GET"], response_class=StreamingResponse)
    router.add_api_route("/not-modified", not_modified, methods=["GET"], response_class=Response)
    opendata_api.ROUTERS.append(router)


def main() -> int:
    if sys.argv[1:2] != ["serve"]:
        print(__doc__)
        return 2
    install()
    from kyodo_shared.cli.main import main as kyodo_main

    return kyodo_main(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
