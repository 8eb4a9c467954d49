"""The coordination window (総合的な窓口) over HTTP, with the registry beside it (real NATS; SQLite and PostgreSQL
stores): every route of `/cases` against every kind of caller — the raising group's representative and contact,
another group, an invited group, the routed department's liaison and staff, another department's liaison, the
center, an auditor, a citizen's token and no token — a case being as if it did not exist to whoever is no party to
it; bad input refused as problem+json naming the field and storing nothing; a citizen's contact sealed and read by
the center only; lists showing each caller their own cases; and what the audit API shows of a case's events.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import pytest_asyncio

from kyodo_info_hub.cases_schemas import CaseIn
from kyodo_shared.domain.actors import Principal, Role
from kyodo_shared.web.devissuer import DevIssuer

from support.calls import coordinator, ok
from support.harness import Backend, Platform, eventually, platform
from support.info_hub_cases import HUB, World, act, case_body, hub_settings, raised, read, world
from support.servers import delete_streams_sync, temporary_database


@dataclass(frozen=True)
class Kyodo:
    p: Platform
    w: World


@pytest_asyncio.fixture(scope="module", loop_scope="session", params=["sqlite", "postgres"])
async def kyodo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, nats_url: str
) -> AsyncIterator[Kyodo]:
    folder = tmp_path_factory.mktemp(f"cases-{request.param}")
    namespace = f"t{uuid.uuid4().hex[:8]}"
    with ExitStack() as stack:
        stack.callback(delete_streams_sync, nats_url, f"{namespace.upper()}_")
        dsn = ""
        if request.param == "postgres":
            dsn = stack.enter_context(temporary_database(request.getfixturevalue("pg_dsn")))
        backend = Backend(request.param, folder, dsn)
        issuer = DevIssuer.load_or_create(folder / "issuer")
        async with platform(hub_settings(backend, nats_url, namespace, issuer), issuer) as p:
            yield Kyodo(p, await world(p))


def case_events(p: Platform) -> int:
    """How many events info-hub stored of the coordination window's aggregates."""
    stored = p.apps[HUB].state.kernel.application.recorder.select_notifications(start=1, limit=1_000_000)
    return sum(1 for n in stored if n.topic.startswith("kyodo_info_hub.cases:"))


def refused(response: httpx.Response, status: int, code: str, *errors: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert (body["code"], body["title_ja"] != "", body["title_en"] != "") == (code, True, True), response.text
    if errors:
        assert tuple(f"{e['field']} {e['code']}" for e in body.get("errors", [])) == errors, response.text
    return body


# --- every route × every kind of caller ----------------------------------------------------------------------------

CALLERS: dict[str, tuple[str, str]] = {
    "citizen": ("citizen-1", "public"),
    "raiser": ("rep-g", "group"),  # the representative of G, which raised the cases
    "contact": ("contact-g", "group"),  # G's contact
    "other": ("rep-k", "group"),  # K: no party
    "invited": ("rep-h", "group"),  # H: invited to the `invited` case only
    "liaison": ("liaison-a", "staff"),  # the liaison of A, routed to in `routed` and `invited`
    "staff": ("staff-a", "staff"),  # on A's staff, not its liaison
    "other-liaison": ("liaison-b", "staff"),  # B's liaison: B is routed to no case of the table
    "coordinator": ("coord-1", "coordinator"),
    "auditor": ("auditor-1", "auditor"),
}
PARTIES = ("raiser", "contact", "liaison", "staff", "coordinator", "auditor")
CASE = "/cases/{case_id}"
ACK = CASE + "/routings/{department_id}/acknowledgement"
MONTH = "/cases/statistics/{month}"
Row = tuple[str, str, str, str, int, str | None]
CENTER_ONLY = ("raiser", "liaison", "auditor")


def center_writes(method: str, path: str, stage: str, status: int = 200) -> list[Row]:
    return [
        (method, path, stage, "nobody", 401, "missing_token"),
        *[(method, path, stage, who, 403, "forbidden_role") for who in CENTER_ONLY],
        (method, path, stage, "coordinator", status, None),
    ]


ROWS: list[Row] = [
    ("POST", "/cases", "", "nobody", 401, "missing_token"),
    *[("POST", "/cases", "", who, 403, "forbidden_role") for who in ("citizen", "auditor")],
    *[("POST", "/cases", "", who, 403, "case_not_for_this_group") for who in ("other", "liaison")],
    *[("POST", "/cases", "", who, 201, None) for who in ("raiser", "contact", "coordinator")],
    ("GET", "/cases", "", "nobody", 401, "missing_token"),
    *[("GET", "/cases", "", who, 200, None) for who in CALLERS],
    *[
        row
        for path in (CASE, CASE + "/history")
        for row in [
            ("GET", path, "invited", "nobody", 401, "missing_token"),
            *[("GET", path, "invited", who, 404, "case_not_found") for who in ("citizen", "other", "other-liaison")],
            *[("GET", path, "invited", who, 200, None) for who in (*PARTIES, "invited")],
            ("GET", path, "routed", "invited", 404, "case_not_found"),
            ("GET", path, "open", "liaison", 404, "case_not_found"),
        ]
    ],
    ("POST", ACK, "routed", "nobody", 401, "missing_token"),
    *[("POST", ACK, "routed", who, 403, "forbidden_role") for who in ("raiser", "coordinator", "auditor")],
    ("POST", ACK, "routed", "other-liaison", 404, "case_not_found"),
    ("POST", ACK, "routed", "staff", 403, "case_not_the_liaison"),
    ("POST", ACK, "routed", "liaison", 200, None),
    ("POST", ACK, "routed", "liaison", 409, "already_acknowledged"),
    *center_writes("POST", CASE + "/routings", "open"),
    ("POST", CASE + "/routings", "open", "coordinator", 409, "already_routed"),
    ("POST", CASE + "/routings", "closed", "coordinator", 409, "case_closed"),
    *center_writes("POST", CASE + "/suggestions", "open"),
    *center_writes("POST", CASE + "/invitations", "routed"),
    ("POST", CASE + "/invitations", "routed", "coordinator", 409, "already_invited"),
    *center_writes("POST", CASE + "/links", "routed"),
    ("POST", CASE + "/links", "routed", "coordinator", 409, "case_already_linked"),
    *center_writes("POST", CASE + "/closure", "routed"),
    ("POST", CASE + "/closure", "routed", "coordinator", 409, "case_closed"),
    ("GET", "/cases/statistics", "", "nobody", 200, None),
    ("GET", MONTH, "", "nobody", 404, "figures_not_found"),
    *center_writes("POST", MONTH, "", 201),
    ("POST", MONTH, "", "coordinator", 409, "figures_published"),
    *[("GET", MONTH, "", who, 200, None) for who in ("nobody", "citizen", "other")],
]
LINKED = str(uuid.UUID(int=0xCA11))


async def stages(k: Kyodo) -> dict[str, str]:
    """`open` raised by G; `routed` to A; `invited` routed to A with H invited; `closed` resolved."""
    p, w = k.p, k.w
    ids = {stage: (await raised(p, w))["id"] for stage in ("open", "routed", "invited", "closed")}
    for stage in ("routed", "invited"):
        await act(p, ids[stage], "/routings", {"department_ids": [w.a.id]})
    await act(p, ids["invited"], "/invitations", {"group_ids": [w.h]})
    await act(p, ids["closed"], "/closure", {"outcome": "not_feasible", "reason_ja": "対応できる団体がない"})
    return ids


def body_for(method: str, path: str, w: World) -> dict[str, Any] | None:
    bodies: dict[str, dict[str, Any]] = {
        "/cases": case_body(group_id=w.g),
        CASE + "/routings": {"department_ids": [w.a.id]},
        CASE + "/invitations": {"group_ids": [w.h]},
        CASE + "/links": {"kind": "call", "target_id": LINKED},
        CASE + "/closure": {"outcome": "resolved", "reason_ja": "解決した"},
    }
    return bodies.get(path) if method == "POST" else None


async def send(k: Kyodo, ids: dict[str, str], method: str, path: str, stage: str, who: str) -> httpx.Response:
    headers: dict[str, str] = {}
    if who != "nobody":
        headers.update(k.p.token(*CALLERS[who]))
    if method == "POST" and path.startswith(CASE) and path != ACK:
        headers["If-Match"] = "*"
    url = path.format(case_id=ids.get(stage, ""), department_id=k.w.a.id, month="2019-02")
    response: httpx.Response = await k.p.clients[HUB].request(
        method, url, headers=headers, json=body_for(method, path, k.w)
    )
    return response


async def test_every_case_route_answers_each_kind_of_caller_as_its_rules_say(kyodo: Kyodo) -> None:
    p = kyodo.p
    spec = (await ok(p.clients[HUB].get("/openapi.json"))).json()
    operations = {(m.upper(), path) for path, ops in spec["paths"].items() for m in ops if path.startswith("/cases")}
    covered = {(method, path) for method, path, *_ in ROWS}
    assert operations == covered, "the table names every /cases route and no other"
    assert operations == {(m, path) for m, path, _, _, status, _ in ROWS if status < 300}
    anonymous = {(m, path) for m, path, _, who, status, _ in ROWS if who == "nobody" and status in (200, 401)}
    assert operations == anonymous, "every route says what a caller without a token gets"

    ids = await stages(kyodo)
    await eventually(lambda: _projected(p, ids["closed"]), timeout=20)
    wrong: list[tuple[Any, ...]] = []
    for method, path, stage, who, status, code in ROWS:
        before = case_events(p)
        response = await send(kyodo, ids, method, path, stage, who)
        problem = response.headers["content-type"].startswith("application/problem+json")
        answered = (response.status_code, response.json()["code"] if problem else None)
        if answered != (status, code):
            wrong.append((method, path, stage, who, (status, code), answered, response.text[:200]))
        elif status >= 300 and case_events(p) != before:
            wrong.append((method, path, stage, who, "stored something although refused"))
    assert wrong == []
    routed = await read(p, ids["routed"])
    assert (routed["status"], routed["closing"]["outcome"], routed["links"][0]["target_id"]) == (
        "closed",
        "resolved",
        LINKED,
    )
    assert [r["acknowledged_by"] for r in routed["routings"]] == ["liaison-a"]


def _projected(p: Platform, case_id: str) -> bool:
    db = p.apps[HUB].state.kernel.db
    with db.transaction(read_only=True) as tx:
        return tx.fetchone("SELECT 1 FROM hub_cases WHERE case_id = %s AND status = 'closed'", (case_id,)) is not None


# --- bad input ------------------------------------------------------------------------------------------------------


async def test_bad_cases_and_changes_are_refused_naming_the_field_and_store_nothing(kyodo: Kyodo) -> None:
    p, w = kyodo.p, kyodo.w
    hub, rep = p.clients[HUB], p.token("rep-g", "group")
    before = case_events(p)
    good = case_body(group_id=w.g)
    invalid: list[tuple[dict[str, Any], str, str]] = [
        ({k: v for k, v in good.items() if k != "problem_ja"}, "validation_failed", "problem_ja missing"),
        ({**good, "urgency": "urgent"}, "validation_failed", "urgency enum"),
        ({**good, "fields_of_activity": []}, "validation_failed", "fields_of_activity too_short"),
        ({**good, "memo": "x"}, "validation_failed", "memo extra_forbidden"),
        ({**good, "group_id": None}, "validation_failed", "group_id raiser_id_required"),
        ({**good, "department_id": w.a.id}, "validation_failed", "department_id raiser_id_required"),
        (case_body("citizen", group_id=w.g), "validation_failed", "group_id citizen_names_no_party"),
        ({**good, "contact": {"name": "市民 太郎", "email": "not-an-email"}}, "validation_failed", "contact.email"),
        ({**good, "contact": {"name": "市民 太郎"}}, "contact_for_citizens_only", "contact contact_for_citizens_only"),
        ({**good, "group_id": str(uuid.UUID(int=7))}, "case_group_unknown", "group_id case_group_unknown"),
        (case_body("department", department_id=str(uuid.UUID(int=8))), "case_department_unknown", "department_id"),
    ]
    for body, code, error in invalid:
        response = await hub.post("/cases", json=body, headers=coordinator(p) if "department" in error else rep)
        problem = refused(response, 422, code)
        assert any(f"{e['field']} {e['code']}".startswith(error) for e in problem["errors"]), response.text
    case = await raised(p, w)
    cid, etag = case["id"], f'"{case["version"]}"'
    center = coordinator(p)
    changes: list[tuple[str, dict[str, Any], dict[str, str], int, str, str]] = [
        (
            "/routings",
            {"department_ids": [str(uuid.UUID(int=9))]},
            {"If-Match": etag},
            422,
            "case_department_unknown",
            "department_ids.0 case_department_unknown",
        ),
        (
            "/routings",
            {"department_ids": [w.a.id, w.a.id]},
            {"If-Match": etag},
            422,
            "case_departments_repeated",
            "department_ids case_departments_repeated",
        ),
        ("/routings", {"department_ids": []}, {"If-Match": etag}, 422, "validation_failed", "department_ids too_short"),
        ("/routings", {"department_ids": [w.a.id]}, {}, 428, "precondition_required", ""),
        ("/routings", {"department_ids": [w.a.id]}, {"If-Match": '"9"'}, 412, "precondition_failed", ""),
        (
            "/invitations",
            {"group_ids": [str(uuid.UUID(int=7))]},
            {"If-Match": etag},
            422,
            "case_group_not_registered",
            "group_ids.0 case_group_not_registered",
        ),
        ("/invitations", {"group_ids": [w.g]}, {"If-Match": etag}, 409, "raiser_invited", ""),
        ("/links", {"kind": "grant", "target_id": LINKED}, {"If-Match": etag}, 422, "validation_failed", "kind enum"),
        (
            "/closure",
            {"outcome": "done", "reason_ja": "x"},
            {"If-Match": etag},
            422,
            "validation_failed",
            "outcome enum",
        ),
        (
            "/closure",
            {"outcome": "resolved", "reason_ja": ""},
            {"If-Match": etag},
            422,
            "validation_failed",
            "reason_ja string_too_short",
        ),
    ]
    before = case_events(p)
    for path, body, extra, status, code, error in changes:
        response = await hub.post(f"/cases/{cid}{path}", json=body, headers={**center, **extra})
        refused(response, status, code, *((error,) if error else ()))
    refused(await hub.post("/cases/statistics/2019-13", headers=center), 422, "validation_failed")
    refused(await hub.get(f"/cases/{uuid.uuid4()}", headers=center), 404, "case_not_found")
    assert (case_events(p), (await read(p, cid))["version"]) == (before, case["version"])


# --- a citizen's contact, lists, and the audit API ----------------------------------------------------------------


async def test_a_citizens_contact_is_sealed_and_read_by_the_center_only(kyodo: Kyodo) -> None:
    p, w = kyodo.p, kyodo.w
    hub = p.clients[HUB]
    contact = {"name": "国分寺 一郎", "email": "ichiro@example.jp", "phone": "042-300-9999"}
    body = case_body("citizen", contact=contact, fields_of_activity=["防災"], area="西町")
    case = (await ok(hub.post("/cases", json=body, headers=coordinator(p)), 201)).json()
    assert (case["raiser_kind"], case["raiser_id"], case["on_behalf"], case["contact"]) == (
        "citizen",
        None,
        True,
        contact,
    )
    await act(p, case["id"], "/routings", {"department_ids": [w.b.id]})
    for sub, role in (("liaison-b", "staff"), ("auditor-1", "auditor")):
        seen = (await ok(hub.get(f"/cases/{case['id']}", headers=p.token(sub, role)))).json()
        assert seen["contact"] is None
        assert contact["name"] not in str(seen)
    app = p.apps[HUB].state.kernel.application
    stored = app.recorder.select_notifications(start=1, limit=1_000_000)
    raw = b"".join(n.state for n in stored)
    assert contact["email"].encode() not in raw
    assert contact["name"].encode() not in raw

    # Its erasure by a timer once the retention has passed: tests/e2e/test_info_hub_cases_citizen.py.

    # Without a retention period for contacts (only with the kernel's plain settings), none is taken.
    before = case_events(p)
    kept = app.vault.retention_days.pop("case_contact")
    try:
        refused(await hub.post("/cases", json=body, headers=coordinator(p)), 503, "contact_retention_unset")
    finally:
        app.vault.retention_days["case_contact"] = kept
    assert case_events(p) == before


async def test_a_departments_liaison_raises_a_case_for_it_which_its_staff_may_not(kyodo: Kyodo) -> None:
    p, w = kyodo.p, kyodo.w
    hub = p.clients[HUB]
    body = case_body("department", department_id=w.b.id, urgency="low")
    refused(await hub.post("/cases", json=body, headers=p.token("staff-b", "staff")), 403, "case_not_the_liaison")
    refused(await hub.post("/cases", json=body, headers=p.token("liaison-a", "staff")), 403, "case_not_the_liaison")
    case = (await ok(hub.post("/cases", json=body, headers=p.token("liaison-b", "staff")), 201)).json()
    assert (case["raiser_kind"], case["raiser_id"], case["on_behalf"]) == ("department", w.b.id, False)
    await ok(hub.get(f"/cases/{case['id']}", headers=p.token("liaison-b", "staff")))
    for sub, role in (("staff-b", "staff"), ("rep-g", "group"), ("liaison-a", "staff")):
        refused(await hub.get(f"/cases/{case['id']}", headers=p.token(sub, role)), 404, "case_not_found")
    on_behalf = (await ok(hub.post("/cases", json=body, headers=coordinator(p)), 201)).json()
    assert (on_behalf["raiser_id"], on_behalf["on_behalf"]) == (w.b.id, True)


async def test_both_departments_acknowledging_at_once_are_both_recorded(kyodo: Kyodo) -> None:
    p, w = kyodo.p, kyodo.w
    hub = p.clients[HUB]
    for _ in range(3):
        case = await raised(p, w)
        await act(p, case["id"], "/routings", {"department_ids": [w.a.id, w.b.id]})
        answers = await asyncio.gather(
            *[
                hub.post(f"/cases/{case['id']}/routings/{d}/acknowledgement", headers=p.token(sub, "staff"))
                for d, sub in ((w.a.id, "liaison-a"), (w.b.id, "liaison-b"))
            ]
        )
        assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
        acknowledged = (await read(p, case["id"]))["routings"]
        assert sorted(r["acknowledged_by"] for r in acknowledged) == ["liaison-a", "liaison-b"]


async def test_each_caller_lists_only_the_cases_of_their_groups_and_departments(kyodo: Kyodo) -> None:
    p, w = kyodo.p, kyodo.w
    hub = p.clients[HUB]
    mine = await raised(p, w, sub="rep-k", group_id=w.k, fields_of_activity=["スポーツ"], area="西町")
    await act(p, mine["id"], "/routings", {"department_ids": [w.b.id]})

    async def listed(sub: str, role: str) -> set[str]:
        page = (await ok(hub.get("/cases", params={"per_page": 100}, headers=p.token(sub, role)))).json()
        return {i["case_id"] for i in page["items"]}

    async def projected() -> bool:
        return mine["id"] in await listed("staff-b", "staff")

    await eventually(projected, timeout=20)
    assert mine["id"] in await listed("rep-k", "group")
    assert mine["id"] not in await listed("rep-g", "group")
    assert mine["id"] not in await listed("liaison-a", "staff")
    filtered = await ok(hub.get("/cases", params={"department_id": w.b.id, "status": "open"}, headers=coordinator(p)))
    assert mine["id"] in {i["case_id"] for i in filtered.json()["items"]}
    assert all(w.b.id in i["departments"] for i in filtered.json()["items"])
    assert await listed("citizen-1", "public") == set()
    everything = (await ok(hub.get("/cases", headers=p.token("auditor-1", "auditor")))).json()["total"]
    assert everything >= len(await listed("rep-g", "group")) + 1


async def test_the_audit_api_shows_a_cases_history_to_the_center_and_auditors_only(kyodo: Kyodo) -> None:
    p, w = kyodo.p, kyodo.w
    case = await raised(p, w)
    await act(p, case["id"], "/routings", {"department_ids": [w.a.id]})
    await act(p, case["id"], "/closure", {"outcome": "referred", "reason_ja": "社会福祉協議会に紹介"})
    hub, auditor = p.clients[HUB], p.token("auditor-1", "auditor")

    async def recorded() -> list[dict[str, Any]]:
        found = await hub.get("/audit/events", params={"aggregate": case["id"]}, headers=auditor)
        items: list[dict[str, Any]] = found.json()["items"] if found.status_code == 200 else []
        return items if len(items) == 3 else []

    items = {i["type"]: i for i in await eventually(recorded, timeout=20)}
    assert set(items) == {"info-hub.Case.Raised", "info-hub.Case.Routed", "info-hub.Case.Closed"}
    visibility, now = p.apps[HUB].state.kernel.visibility, datetime.now(UTC)
    center, group, staff, reader = (
        Principal("coord-1", frozenset({Role.COORDINATOR})),
        Principal("rep-g", frozenset({Role.GROUP})),
        Principal("liaison-a", frozenset({Role.STAFF})),
        Principal("auditor-1", frozenset({Role.AUDITOR})),
    )
    raised_event, closed_event = items["info-hub.Case.Raised"], items["info-hub.Case.Closed"]
    for sub, role in (("rep-g", "group"), ("liaison-a", "staff"), ("coord-1", "coordinator")):
        refused(await hub.get("/audit/events", headers=p.token(sub, role)), 403, "forbidden_role")

    def shown(item: dict[str, Any], who: Principal) -> Any:
        return visibility.render(item["topic"], item["body"], who, now)

    assert [shown(raised_event, who) == raised_event["body"] for who in (center, group, staff, reader)] == [
        True,
        False,
        False,
        True,
    ]
    outcome_only = shown(closed_event, group)
    assert outcome_only["outcome"] == "referred"
    assert outcome_only["reason_ja"] != "社会福祉協議会に紹介"
    assert shown(closed_event, reader)["reason_ja"] == "社会福祉協議会に紹介"


async def test_an_invited_group_reads_only_its_part_of_a_case_and_only_the_center_sees_who_acknowledged(
    kyodo: Kyodo,
) -> None:
    """Routed to A and B, A acknowledged, H suggested and invited: H's people see the problem, their own suggestion
    and invitation, not the departments, their acknowledgements or anyone's sub — in the case, its history and the
    list alike; the raiser and the routed departments see the routings without the acknowledging liaison's sub."""
    p, w = kyodo.p, kyodo.w
    hub = p.clients[HUB]
    case = await raised(p, w)
    cid = case["id"]
    await act(p, cid, "/routings", {"department_ids": [w.a.id, w.b.id]})
    await ok(hub.post(f"/cases/{cid}/routings/{w.a.id}/acknowledgement", headers=p.token("liaison-a", "staff")))
    suggested = await act(p, cid, "/suggestions")
    assert [s["group_id"] for s in suggested["suggestions"]] == [w.h]
    await act(p, cid, "/invitations", {"group_ids": [w.h]})
    invited = (await ok(hub.get(f"/cases/{cid}", headers=p.token("rep-h", "group")))).json()
    assert (invited["problem_ja"], invited["routings"], invited["raised_by"]) == (case["problem_ja"], [], None)
    assert [s["group_id"] for s in invited["suggestions"]] == [w.h]
    assert [i["group_id"] for i in invited["invited"]] == [w.h]
    assert "liaison-a" not in str(invited)
    assert w.a.id not in str(invited)
    for sub, role in (("rep-g", "group"), ("liaison-b", "staff")):
        party = (await ok(hub.get(f"/cases/{cid}", headers=p.token(sub, role)))).json()
        assert sorted(party["routings"][0]) == sorted(
            ["department_id", "routed_at", "acknowledge_by", "acknowledged_at", "late", "overdue_at"]
        )
        assert "liaison-a" not in str(party)
    whole = (await read(p, cid))["routings"]
    assert {r["department_id"]: r["acknowledged_by"] for r in whole} == {w.a.id: "liaison-a", w.b.id: None}

    async def history(sub: str) -> list[dict[str, Any]]:
        found = (await ok(hub.get(f"/cases/{cid}/history", headers=p.token(sub, "group")))).json()
        items: list[dict[str, Any]] = found["items"]
        return items if items and items[-1]["kind"] == "GroupsInvited" else []

    assert [e["kind"] for e in await eventually(lambda: history("rep-g"), timeout=20)] == [
        "Raised",
        "Routed",
        "Acknowledged",
        "GroupsSuggested",
        "GroupsInvited",
    ]
    assert [e["kind"] for e in await history("rep-h")] == ["Raised", "GroupsInvited"]
    page = (await ok(hub.get("/cases", params={"per_page": 100}, headers=p.token("rep-h", "group")))).json()
    row = next(i for i in page["items"] if i["case_id"] == cid)
    assert (row["departments"], row["awaiting_acknowledgement"], row["overdue"]) == (None, None, None)


def test_a_field_of_activity_written_twice_or_in_another_spelling_is_kept_once() -> None:
    fields = ["まちづくり", "子育て", "ﾏﾁﾂﾞｸﾘ", "子育て"]
    body = CaseIn.model_validate(case_body(group_id=str(uuid.UUID(int=1)), fields_of_activity=fields))
    assert body.fields_of_activity == ["まちづくり", "子育て"]
