"""Looking for personal-data canaries wherever the platform writes: the search itself (`forms`, `leaked`: UTF-8,
JSON's `\\u` escapes, percent-encoding, base64 at any alignment), and what is searched — every row of every table
of a store (`table_rows`), every file a service keeps on disk (`files_under`), every message of every stream of a
bus namespace (`stream_messages`), a service's audit history as its auditor exports it (`audit_exports`), the
open-data catalogue with every dataset and feed (`every_export`), and the pages a browser reaches from the portal
(`crawl`). Each gives blobs by where they were found, for `leaks_in`.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import httpx
import nats

from kyodo_shared.store.db import Database

from support.page_reading import doc

Blobs = dict[str, bytes]


def forms(value: str) -> list[bytes]:
    """The ways a value could be written: UTF-8, JSON's escapes, percent-encoding, and base64 (standard and URL-safe)
    at each of the three alignments a value can have inside a longer text: the encoding of its whole 3-byte groups
    from its first, second or third byte appears verbatim whatever surrounds it."""
    raw = value.encode()
    found = [raw, json.dumps(value)[1:-1].encode(), quote(value).encode(), quote(value, safe="").encode()]
    for start in range(3):
        chunk = raw[start:]
        chunk = chunk[: len(chunk) - len(chunk) % 3]
        if len(chunk) >= 6:
            found += [base64.b64encode(chunk), base64.urlsafe_b64encode(chunk)]
    return found


def leaked(blob: bytes, canaries: Iterable[str]) -> list[str]:
    """The canaries `blob` holds, in any of their `forms`."""
    return [value for value in canaries if any(form in blob for form in forms(value))]


def leaks_in(blobs: Mapping[str, bytes], canaries: Iterable[str]) -> dict[str, list[str]]:
    """Where any canary was found, with the canaries found there (empty: nowhere)."""
    wanted = list(canaries)
    found = {where: leaked(blob, wanted) for where, blob in blobs.items()}
    return {where: values for where, values in found.items() if values}


def _cell(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return str(value).encode()


def table_rows(db: Database, label: str) -> Blobs:
    """Every row of every table of the store (the tables of its own schema on PostgreSQL), each cell as stored: text
    as UTF-8, bytes as they are."""
    found: Blobs = {}
    with db.transaction(read_only=True) as tx:
        if tx.backend == "postgres":
            listed = tx.fetchall(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                "AND table_type = 'BASE TABLE'"
            )
        else:
            listed = tx.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
        for (table,) in listed:
            rows = tx.fetchall(f'SELECT * FROM "{table}"')
            found[f"{label}:{table}"] = b"\x00".join(b"\x1f".join(_cell(c) for c in row) for row in rows)
    return found


def files_under(folder: Path) -> Blobs:
    """Every file under `folder` byte for byte (SQLite files with their journals and free pages, keys, documents)."""
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


async def stream_messages(nats_url: str, namespace: str) -> Blobs:
    """Every message (subject, headers, data) of every stream of the bus namespace, by stream and sequence."""
    found: Blobs = {}
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        for info in await js.streams_info():
            name = str(info.config.name)
            if not name.startswith(f"{namespace.upper()}_"):
                continue
            for seq in range(max(info.state.first_seq, 1), info.state.last_seq + 1):
                try:
                    msg = await js.get_msg(name, seq)
                except nats.js.errors.NotFoundError:
                    continue
                headers = json.dumps(msg.headers or {}, ensure_ascii=False).encode()
                found[f"{name}#{seq}"] = b"\n".join([str(msg.subject).encode(), headers, msg.data or b""])
    finally:
        await nc.close()
    return found


async def audit_exports(service: str, client: httpx.AsyncClient, token: Mapping[str, str]) -> Blobs:
    """A service's audit history as its auditor reads it: every page of `/audit/records` and `/audit/events`, and
    `/audit/sealed`, `/audit/checkpoints`, `/audit/keys`."""
    found: Blobs = {}
    for path in ("/audit/records", "/audit/events"):
        after: int | None = 0
        while after is not None:
            answer = await client.get(path, params={"after": after, "limit": 500}, headers=token)
            assert answer.status_code == 200, (service, path, answer.text)
            found[f"{service}{path}?after={after}"] = answer.content
            after = answer.json()["next_after"]
    for path in ("/audit/sealed", "/audit/checkpoints", "/audit/keys"):
        answer = await client.get(path, headers=token)
        assert answer.status_code == 200, (service, path, answer.text)
        found[f"{service}{path}"] = answer.content
    return found


async def every_export(hub: httpx.AsyncClient) -> tuple[dict[str, int], Blobs]:
    """Each catalogued dataset's total by name, and every export by its path: the catalogue, every dataset's CSV,
    JSON pages and dictionary, every feed it names, the news feed, the trainings' calendar and list, the register's
    document, and the survey's public routes (every page of the list; each survey, its statistics, and the history of
    each of its questions)."""
    found: Blobs = {}
    totals: dict[str, int] = {}

    async def fetch(path: str, page: int | None = None) -> Any:
        params = {"page": page, "per_page": 100} if page else {}
        response = await hub.get(path, params=params)
        assert response.status_code == 200, (path, response.text)
        found[f"{path}#{page}" if page else path] = response.content
        return response

    catalogue = (await fetch("/open-data/datasets")).json()
    names = [d["name"] for d in catalogue["datasets"]]
    for name in names:
        await fetch(f"/open-data/datasets/{name}.csv")
        await fetch(f"/open-data/datasets/{name}")
        page = 1
        totals[name] = (await fetch(f"/open-data/datasets/{name}.json", page)).json()["total"]
        while totals[name] > page * 100:
            page += 1
            await fetch(f"/open-data/datasets/{name}.json", page)
    for feed in catalogue["feeds"]:
        await fetch(urlsplit(feed["url"]).path.removeprefix("/api/info-hub"))
    for path in ("/news.atom", "/trainings.ics", "/trainings", "/open-data/screening-register.json"):
        await fetch(path)
    page = 1
    listed = (await fetch("/surveys", page)).json()
    surveys = list(listed["items"])
    while listed["total"] > page * 100:
        page += 1
        surveys += (await fetch("/surveys", page)).json()["items"]
    for survey in surveys:
        await fetch(f"/surveys/{survey['id']}")
        await fetch(f"/surveys/{survey['id']}/statistics")
        for question in survey["questions"]:
            await fetch(f"/survey-questions/{question['key']}/history")
    return totals, found


# The headers an answer could carry a canary in besides its body: a redirect's target, a cookie, a file's name.
HEADERS = (b"location", b"set-cookie", b"content-disposition")


def answered(answer: httpx.Response) -> bytes:
    """An answer's body with the `HEADERS` of it and of every redirect that led to it, as sent (raw bytes)."""
    headers = [
        name + b": " + value
        for response in [*answer.history, answer]
        for name, value in response.headers.raw
        if name.lower() in HEADERS
    ]
    return b"\n".join([*headers, answer.content])


async def api_reads(service: str, client: httpx.AsyncClient, token: Mapping[str, str], ids: Mapping[str, str]) -> Blobs:
    """Every GET operation of the service's OpenAPI, its path parameters filled from `ids` by name (an operation
    naming any other parameter is skipped: SKIPPED_OPERATIONS collects them as "<service> <path>"), as the holder of
    `token`: each answer's body and `HEADERS` by its path. No operation answers with a server error."""
    spec = (await client.get("/openapi.json")).json()
    found: Blobs = {}
    for template, operations in sorted(spec["paths"].items()):
        names = re.findall(r"{(\w+)}", template)
        if "get" not in operations:
            continue
        if any(name not in ids for name in names):
            SKIPPED_OPERATIONS.add(f"{service} {template}")
            continue
        path = re.sub(r"{(\w+)}", lambda m: ids[m.group(1)], template)
        answer = await client.get(path, headers=dict(token))
        assert answer.status_code < 500, (path, answer.status_code, answer.text[:2000])
        found[path] = answered(answer)
    return found


SKIPPED_OPERATIONS: set[str] = set()


# Not followed: signing in or out (would end the session being crawled), the API (read through its own helpers),
# static assets.
SKIPPED = ("/auth/", "/oidc/", "/api/", "/static/", "logout", "/login")


async def crawl(client: httpx.AsyncClient, starts: list[str], limit: int = 300) -> Blobs:
    """The pages (GET) a browser reaches by following the links of the site from `starts`, breadth first, up to
    `limit` of them (reaching it fails: the sweep would miss pages): each answer's body and `HEADERS` by its path and
    query. No page answers with a server error."""
    origin = str(client.base_url).rstrip("/")
    queue, seen, found = list(starts), set(starts), Blobs()
    while queue and len(found) < limit:
        path = queue.pop(0)
        answer = await client.get(path)
        assert answer.status_code < 500, (path, answer.status_code, answer.text[:2000])
        found[path] = answered(answer)
        if not answer.headers.get("content-type", "").startswith("text/html") or not answer.content.strip():
            continue
        for href in doc(answer.text).xpath("//a/@href"):
            target = urljoin(origin + path, str(href).split("#")[0])
            if not target.startswith(origin + "/"):
                continue
            parts = urlsplit(target)
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if "lang=" in parts.query or any(skip in parts.path for skip in SKIPPED):
                continue  # a page in the other language shows the same records
            if local not in seen:
                seen.add(local)
                queue.append(local)
    assert not queue, f"more than {limit} pages from {starts}"
    return found
