"""Regenerate the authorization matrix's skeleton from the live OpenAPI documents and page routes.

    .venv/bin/python tests/security/authz_table.py            # say which rows are missing, stale or unreviewed
    .venv/bin/python tests/security/authz_table.py --write    # add missing rows (reviewed: no), drop stale ones

Reviewed rows are kept as they are; a row whose code declares something else than when it was reviewed (`code`)
is marked `reviewed: no` again. A new row's outcome is only a proposal from the declared gate: read the route's
code (its `_require`/who-may-act functions and queries), correct the row, give its reason, and set `reviewed: yes`.
tests/security/test_authz_matrix.py fails while any row is missing, stale or unreviewed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from support.authz import TABLE, current_operations, load_table, proposal


def merged(table: dict[str, dict[str, Any]]) -> tuple[dict[str, dict[str, Any]], list[str], list[str], list[str]]:
    current = current_operations()
    rows: dict[str, dict[str, Any]] = {}
    added, stale, changed = [], sorted(set(table) - set(current)), []
    for key in sorted(current):
        operation = current[key]
        if key not in table:
            rows[key] = proposal(operation)
            added.append(key)
            continue
        row = dict(table[key])
        if row.get("code") != operation.declared:
            row["code"], row["reviewed"] = operation.declared, "no"
            changed.append(key)
        rows[key] = row
    return rows, added, stale, changed


def dump(rows: dict[str, dict[str, Any]]) -> str:
    import yaml

    head = (
        "# The authorization matrix (issue 22): every API operation and page route x role, the outcome expected.\n"
        "# Keys: '<service> <METHOD> <path>' (OpenAPI path) or 'page <METHOD> <path>' (the site's path).\n"
        "# code: what the code declares (the generator reads it); anonymous: allowed | denied (401, or a redirect to\n"
        "# the login page for a page); roles: all | [roles let through] (any other role: 403) | not-asserted;\n"
        "# relationship: what the route decides about the caller's tie to the thing (own group, board member, ...),\n"
        "# checked by the test for the rows it names; reason: why, read from the code. Regenerate the skeleton with\n"
        "# `.venv/bin/python tests/security/authz_table.py --write`.\n"
    )

    class Flow(list[str]):
        pass

    def flow(dumper: yaml.SafeDumper, data: Flow) -> Any:
        return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)

    yaml.SafeDumper.add_representer(Flow, flow)
    shaped = {k: {f: Flow(v) if isinstance(v, list) else v for f, v in row.items()} for k, row in rows.items()}
    body = yaml.safe_dump(shaped, allow_unicode=True, sort_keys=False, width=200, default_flow_style=False)
    return head + body


def main(argv: list[str]) -> int:
    rows, added, stale, changed = merged(load_table())
    for title, keys in (("missing (added)", added), ("stale (dropped)", stale), ("code changed", changed)):
        for key in keys:
            print(f"{title}: {key}")
    unreviewed = [k for k, row in rows.items() if row.get("reviewed") != "yes"]
    print(f"{len(rows)} rows, {len(added)} missing, {len(stale)} stale, {len(unreviewed)} unreviewed")
    if "--write" in argv:
        TABLE.write_text(dump(rows), encoding="utf-8")
        print(f"written: {TABLE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
