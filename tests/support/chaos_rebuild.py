"""One stopped service's part of the chaos run's convergence check, in a process of its own with the service's
KYODO_* settings (one interpreter start instead of four `kyodo` commands):

1. `kyodo replay SERVICE`: what its consumers had not applied yet when it stopped;
2. its read models and projections, row for row;
3. `kyodo replay SERVICE --from-scratch`, and the same rows again;
4. `kyodo audit verify SERVICE`.

    python -m support.chaos_rebuild SERVICE    (the last line of output: RESULT <json>)
"""

from __future__ import annotations

import json
import os
import sys
from importlib.metadata import entry_points
from pathlib import Path

import psycopg
from psycopg import sql

from kyodo_shared.cli.operator import open_kernel
from kyodo_shared.cli.projections import projection_table

MARK = "RESULT "


def kyodo(*argv: str) -> int:
    (script,) = entry_points(group="console_scripts", name="kyodo")
    try:
        return int(script.load()(list(argv)) or 0)
    except SystemExit as exit_:
        return int(exit_.code or 0)


def tables(service: str) -> list[str]:
    kernel = open_kernel(service, Path(os.environ.get("KYODO_DATA_DIR", ".kyodo")))
    try:
        projected = [n for p in kernel.projectors for n in (projection_table(kernel, p), p.name)]
        return [*kernel.read_models, *projected]
    finally:
        kernel.close()


def dump(names: list[str]) -> dict[str, list[str]]:
    schema = os.environ["KYODO_STORE__PG_SCHEMA"]
    rows: dict[str, list[str]] = {}
    with psycopg.connect(os.environ["KYODO_STORE__PG_DSN"]) as conn:
        present = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,))}
        for table in [t for t in names if t in present]:
            query = sql.SQL("SELECT * FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
            rows[table] = sorted(repr(row) for row in conn.execute(query).fetchall())
    return rows


def main(service: str) -> dict[str, object]:
    names = tables(service)
    caught_up = kyodo("replay", service)
    before = dump(names)
    rebuilt = kyodo("replay", service, "--from-scratch")
    after = dump(names)
    audit = kyodo("audit", "verify", service)
    differing = {t: [len(before[t]), len(after.get(t, []))] for t in before if before[t] != after.get(t)}
    rows = sum(len(r) for r in before.values())
    return {"caught_up": caught_up, "rebuilt": rebuilt, "audit": audit, "differing": differing, "rows": rows}


if __name__ == "__main__":
    print(MARK + json.dumps(main(sys.argv[1])), flush=True)
