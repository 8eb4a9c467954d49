"""A citizen's case end to end (SQLite and PostgreSQL, real NATS, the real registry): the center raises it with the
citizen's contact details, which are sealed — a canary: the name, e-mail and phone are never in the event store's
stored bodies, the query tables, info-hub's stream, the service's log, a liaison's list or case, or the public
figures; and a field of activity written freely by the raiser is never published either (only as その他). Once the
retention period has passed (the moved clock), the erasure timer destroys the citizen's key by itself: the case
stays whole, the contact unreadable.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import structlog

from kyodo_info_hub.cases_figures import month_of
from kyodo_shared.web.devissuer import DevIssuer

from support.calls import coordinator, ok
from support.harness import Backend, Platform, eventually, platform
from support.info_hub_cases import (
    HUB,
    act,
    case_body,
    hub_settings,
    hub_stream_bytes,
    move_hub_clock,
    read,
    world,
)

CONTACT = {"name": "窓口検査花子", "email": "canary-case-7f3e@example.jp", "phone": "042-399-7341"}
# A raiser's own wording in a field of activity: kept on the case, never published.
FREE_FIELD = "検査用の自由記述7f3e"
TABLES = ("hub_cases", "hub_case_parties", "hub_case_history", "hub_case_figures")


def found_in(blob: bytes, values: list[str]) -> list[str]:
    """Which values appear in `blob`, as UTF-8 or JSON-escaped."""
    return [v for v in values if v.encode() in blob or json.dumps(v)[1:-1].encode() in blob]


def query_tables(p: Platform) -> bytes:
    db = p.apps[HUB].state.kernel.db
    with db.transaction(read_only=True) as tx:
        rows = [row for table in TABLES for row in tx.fetchall(f"SELECT * FROM {table}")]
    return repr(rows).encode()


async def test_a_citizens_contact_never_leaves_the_vault_and_its_key_is_destroyed_once_its_retention_passed(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer, tmp_path: Path
) -> None:
    settings = hub_settings(backend, nats_url, bus_namespace, issuer)
    with structlog.testing.capture_logs() as logs:
        async with platform(settings, issuer) as p:
            public = await scenario(p, nats_url, bus_namespace)
    assert found_in("\n".join(map(str, logs)).encode(), list(CONTACT.values())) == [], "never in the service's log"
    assert found_in(public, [*CONTACT.values(), FREE_FIELD]) == [], "never published"
    if backend.kind == "sqlite":
        stored = (tmp_path / "info-hub.sqlite").read_bytes()
        assert found_in(stored, list(CONTACT.values())) == [], "nor in the store's file"


async def scenario(p: Platform, nats_url: str, namespace: str) -> bytes:
    """The case raised, routed, listed and read; erased after its retention; returns what was published."""
    hub, w = p.clients[HUB], await world(p)
    body = case_body("citizen", contact=CONTACT, fields_of_activity=["子育て", FREE_FIELD], area="本町")
    case = (await ok(hub.post("/cases", json=body, headers=coordinator(p)), 201)).json()
    cid, month = case["id"], month_of(case["raised_at"])
    assert (case["contact"], case["contact_erased"]) == (CONTACT, False)
    await act(p, cid, "/routings", {"department_ids": [w.a.id]})
    liaison = p.token("liaison-a", "staff")

    async def listed() -> str:
        page = await ok(hub.get("/cases", headers=liaison))
        return page.text if cid in page.text else ""

    seen = (await eventually(listed, timeout=20)) + (await ok(hub.get(f"/cases/{cid}", headers=liaison))).text
    assert found_in(seen.encode(), list(CONTACT.values())) == [], "not for the routed liaison"

    # After the retention (a year here), the erasure timer destroys the key by itself; every month in between has
    # its figures published by their timers.
    k = p.apps[HUB].state.kernel
    move_hub_clock(p, k.clock() + timedelta(days=367))
    k.nudge()

    async def erased() -> dict[str, Any] | None:
        found = await read(p, cid)
        return found if found["contact_erased"] else None

    after = await eventually(erased, timeout=60)
    assert (after["contact"], after["problem_ja"], after["fields_of_activity"]) == (
        None,
        case["problem_ja"],
        ["子育て", FREE_FIELD],
    )

    async def figures() -> dict[str, Any] | None:
        found = await hub.get(f"/cases/statistics/{month}")
        return found.json() if found.status_code == 200 else None

    published = await eventually(figures, timeout=60)
    # 子育て is the directory's, but one case is too small a cell: counted as その他, once.
    assert (published["received"], published["received_by_field"]) == (1, [{"field": "その他", "count": 1}])
    pages = (await ok(hub.get("/cases/statistics", params={"per_page": 100}))).text + json.dumps(published)

    stored = p.apps[HUB].state.kernel.application.recorder.select_notifications(start=1, limit=1_000_000)
    bodies = b"".join(n.state for n in stored)
    assert found_in(bodies, list(CONTACT.values())) == [], "sealed in the event store"
    assert found_in(query_tables(p), list(CONTACT.values())) == [], "not in the query tables"
    bus = await hub_stream_bytes(nats_url, namespace)
    assert bus, "the stream was read"
    return bus + pages.encode()
