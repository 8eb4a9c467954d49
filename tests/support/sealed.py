"""Helpers for tests of the sealed store: a call with sealed activity over HTTP, the sealed store's raw rows, its chain
recomputed by hand with the documented formula, and an insider's deletion of one row."""

from __future__ import annotations

import hashlib
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import datetime

import psycopg

from support.calls import content, ok, published_call, registered_group, review_board, submit
from support.harness import Backend, Platform

Row = tuple[int, str, int, str, bytes]


@dataclass(frozen=True)
class SealedActivity:
    call_id: str
    deadline: datetime
    other_call: str
    first: str
    second: str


async def sealed_activity(p: Platform, **rules: object) -> SealedActivity:
    """Two registered groups and two calls with the same deadline. On the first call: the first group submits and
    revises, the second submits and withdraws (gate 6 events with its shut, proposals 2 + 2: 10 once closed). On the
    other: the first group submits (gate 3 with its shut, proposal 1: 4 once closed or cancelled)."""
    committee = await review_board(p, ["m-1", "m-2", "m-3"], "m-1", "m-2")
    first = await registered_group(p, "rep-a", "みどりの会")
    second = await registered_group(p, "rep-b", "ひかり子ども食堂")
    call_id, deadline = await published_call(p, committee, **rules)
    other_call, _ = await published_call(p, committee)
    proposals = p.clients["proposals"]
    submitted = await submit(p, call_id, first, "rep-a", "緑地の保全")
    await submit(p, call_id, second, "rep-b", "子ども食堂")
    await ok(
        proposals.put(
            f"/calls/{call_id}/proposals/{first}",
            json={"content": content("緑地の保全（改訂）"), "attachments": []},
            headers={**p.token("rep-a", "group"), "If-Match": submitted.headers["ETag"]},
        )
    )
    await ok(
        proposals.post(
            f"/calls/{call_id}/proposals/{second}/withdrawal",
            headers={**p.token("rep-b", "group"), "If-Match": '"1"'},
        )
    )
    await submit(p, other_call, first, "rep-a", "別の提案")
    return SealedActivity(call_id, deadline, other_call, first, second)


def sealed_rows(backend: Backend) -> list[Row]:
    """(notification id, originator id, version, topic, state) of every sealed event, straight from its table."""
    query = "SELECT {}, originator_id, originator_version, topic, state FROM {} ORDER BY 1"
    if backend.kind == "sqlite":
        # SQLite's notification id is the table's rowid; the sealed store is a file of its own.
        with sqlite3.connect(backend.folder / "proposals.sealed.sqlite") as db:
            rows = db.execute(query.format("rowid", "stored_events")).fetchall()
    else:
        with psycopg.connect(backend.pg_dsn) as db:
            rows = db.execute(query.format("notification_id", "proposals.proposals_sealed_events")).fetchall()
    return [(int(n), str(uuid.UUID(str(o))), int(v), str(t), bytes(s)) for n, o, v, t, s in rows]


def by_hand(rows: list[Row], ids: set[str]) -> tuple[int, str]:
    """link_k = SHA-256(link_{k-1} ‖ k ‖ originator ‖ version ‖ topic ‖ SHA-256(state)), fields length-prefixed,
    k counting this call's sealed events from 1, link_0 = 32 zero bytes."""
    link, count = bytes(32), 0
    for _, originator, version, topic, state in rows:
        if originator not in ids:
            continue
        count += 1
        digest = hashlib.sha256(link)
        for part in (str(count), originator, str(version), topic):
            digest.update(len(part.encode()).to_bytes(4, "big") + part.encode())
        digest.update(hashlib.sha256(state).digest())
        link = digest.digest()
    return count, link.hex()


def delete_sealed_row(backend: Backend, notification_id: int) -> None:
    """What an insider with database access might do: remove one sealed event."""
    if backend.kind == "sqlite":
        with sqlite3.connect(backend.folder / "proposals.sealed.sqlite") as db:
            db.execute("DELETE FROM stored_events WHERE rowid = ?", (notification_id,))
    else:
        with psycopg.connect(backend.pg_dsn, autocommit=True) as db:
            db.execute("DELETE FROM proposals.proposals_sealed_events WHERE notification_id = %s", (notification_id,))
