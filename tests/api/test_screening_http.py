"""Screening over HTTP, with the registry beside it (real NATS; SQLite and PostgreSQL stores): bad inventory files
and bodies refused whole as problem+json naming rows, columns and fields, with nothing stored and no submitted text
echoed; every route against every kind of caller; a closing and a closed round; and the independence of assessments
in the audit history.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest_asyncio
from fastapi.routing import APIRoute

from kyodo_screening.api import ROUTERS
from kyodo_screening.app import ScreeningApplication
from kyodo_screening.messages import MESSAGES
from kyodo_shared.domain.actors import Principal, Role
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.web.devissuer import DevIssuer
from kyodo_shared.web.messages import MessageTable

from support.calls import coordinator, ok
from support.harness import Backend, Platform, eventually, platform, settings_for
from support.screening import Department, answers, department, heard, join_team, round_body, screening_now

TOKYO = ZoneInfo("Asia/Tokyo")
# Cell contents of the refused files: none may come back in a response.
SECRETS = ("秘密の新規事業", "内部検討中の目的", "▲5")


@pytest_asyncio.fixture(loop_scope="session")
async def kyodo(tmp_path: Path, nats_url: str, bus_namespace: str, api_backend: Backend) -> AsyncIterator[Platform]:
    issuer = DevIssuer.load_or_create(tmp_path / "issuer")
    services = {n: settings_for(n, api_backend, nats_url, bus_namespace, issuer) for n in ("registry", "screening")}
    async with platform(services, issuer) as p:
        yield p


@dataclass(frozen=True)
class World:
    kodomo: Department
    kankyo: Department
    now: datetime
    fiscal_year: int

    @property
    def today(self) -> date:
        return self.now.date()

    @property
    def deadline(self) -> datetime:
        """Three days ahead, but inside the fiscal year."""
        return min(self.now + timedelta(days=3), datetime(self.fiscal_year + 1, 3, 31, 23, 0, tzinfo=TOKYO))


async def world(p: Platform) -> World:
    """KODOMO (liaison a-liaison; a-staff, t-a) and KANKYO (liaison b-liaison; t-b, t-c, t-late), the team t-a, t-b
    and t-c; t-c and the coordinator coord-2 declared an interest in KODOMO. Screening has heard all of it."""
    now = screening_now(p)
    since = datetime.now(TOKYO).date() - timedelta(days=30)
    kodomo = await department(p, "KODOMO", "子ども家庭課", ["a-liaison", "a-staff", "t-a"], since)
    kankyo = await department(p, "KANKYO", "環境対策課", ["b-liaison", "t-b", "t-c", "t-late"], since)
    await join_team(p, [("t-a", kodomo.id), ("t-b", kankyo.id), ("t-c", kankyo.id)], since)
    interest = {"department_id": kodomo.id, "kind": "member"}
    for sub, role in (("t-c", "staff"), ("coord-2", "coordinator")):
        declared = p.clients["registry"].post("/interests/me/departments", json=interest, headers=p.token(sub, role))
        await ok(declared, 201)
    await heard(p, [kodomo, kankyo], ["t-a", "t-b", "t-c"], now.date())
    view = application(p).view
    await eventually(lambda: view.interested("coord-2", kodomo.id, [], now.date()), timeout=20)
    assert view.interested("t-c", kodomo.id, [], now.date())
    return World(kodomo, kankyo, now, now.year if now.month >= 4 else now.year - 1)


def application(p: Platform) -> ScreeningApplication:
    app: ScreeningApplication = p.apps["screening"].state.kernel.application
    return app


def staff(p: Platform, sub: str) -> dict[str, str]:
    return p.token(sub, "staff")


def screening_events(p: Platform) -> int:
    """How many events the screening service stored of its own aggregates (the kernel's checkpoints left out)."""
    stored = application(p).recorder.select_notifications(start=1, limit=100_000)
    return sum(1 for n in stored if n.topic.startswith("kyodo_screening."))


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert (body["code"], body["status"]) == (code, status)
    assert body["title_ja"]
    assert body["title_en"]
    for secret in SECRETS:
        assert secret not in response.text
    return body


def refused(response: httpx.Response, status: int, code: str, *errors: str) -> dict[str, Any]:
    """A problem whose `errors`, when given, are exactly these "field code" pairs, each with both reasons."""
    body = assert_problem(response, status, code)
    if errors:
        assert tuple(f"{e['field']} {e['code']}" for e in body["errors"]) == errors
        assert all(e["reason_ja"] and e["reason_en"] for e in body["errors"])
    return body


async def projects_of(p: Platform, department_id: str, total: int) -> list[dict[str, Any]]:
    """The department's inventory once it lists `total` projects (the list is projected from the events)."""
    screening = p.clients["screening"]

    async def listed() -> Any:
        page = (await screening.get(f"/departments/{department_id}/projects")).json()
        return page if page["total"] == total else None

    page: dict[str, Any] = await eventually(listed, timeout=20)
    items: list[dict[str, Any]] = page["items"]
    return items


# --- the inventory ------------------------------------------------------------------------------------------------

HEADER = "事業番号,事業名,目的,予算額\r\n"
VALID = (
    HEADER + "A-1,子育てひろば運営,交流,3200000\r\nA-2,放課後の居場所,居場所,1500000\r\nA-3,子ども食堂,支援,800000\r\n"
)
SECRET_CELLS = "秘密の新規事業,内部検討中の目的"
# Rows 3 and 5 are wrong (row 1 is the header); rows 2 and 4 alone would be an entry and an update.
TWO_BAD_ROWS = (
    f"{HEADER}A-1,子育てひろば運営,交流,100\r\nA-9,{SECRET_CELLS},▲5\r\nA-4,事業,目的,1\r\nA-8,,{SECRETS[1]},1\r\n"
)


@dataclass(frozen=True)
class Refused:
    """A file the import refuses, and how: its errors as "field code" (the n-th data row is row n + 1)."""

    content: bytes
    status: int
    code: str
    errors: tuple[str, ...] = ()
    media: str = "text/csv"


MISSING, NEGATIVE = "rows[1].budget_yen missing_column", "rows[2].budget_yen budget_negative"
TWO_ERRORS = ("rows[3].budget_yen budget_negative", "rows[5].title required")


def refused_files() -> dict[str, Refused]:
    many = HEADER + "".join(f"N-{n},事業{n},目的,1\r\n" for n in range(5001))
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    invalid = "csv_invalid"
    return {
        "utf-16": Refused(VALID.encode("utf-16"), 422, "csv_undecodable", ("body csv_undecodable",)),
        "no budget": Refused(f"事業番号,事業名,目的\r\nA-9,{SECRET_CELLS}\r\n".encode(), 422, invalid, (MISSING,)),
        "-5": Refused(f"{HEADER}A-9,{SECRET_CELLS},-5\r\n".encode(), 422, invalid, (NEGATIVE,)),
        "▲5": Refused(f"{HEADER}A-9,{SECRET_CELLS},▲5\r\n".encode("cp932"), 422, invalid, (NEGATIVE,)),
        "two bad rows": Refused(TWO_BAD_ROWS.encode(), 422, invalid, TWO_ERRORS),
        "10 MB": Refused(b"A" * (10 * 1024 * 1024), 413, "body_too_large"),
        "5,001 rows": Refused(many.encode(), 413, "csv_too_many_rows", ("body csv_too_many_rows",)),
        **{
            f"sent as {media or 'nothing'}": Refused(VALID.encode(), 415, "unsupported_media_type", media=media)
            for media in ("text/plain", "", xlsx)
        },
    }


def importer(p: Platform, w: World) -> Callable[..., Awaitable[httpx.Response]]:
    """Sends a file to KODOMO's import, as a-staff unless told otherwise."""

    async def send(content: bytes, media: str = "text/csv", sub: str = "a-staff") -> httpx.Response:
        headers = {**staff(p, sub), "Content-Type": media}
        return await p.clients["screening"].post(
            f"/departments/{w.kodomo.id}/projects/import",
            params={"fiscal_year": w.fiscal_year},
            content=content,
            headers=headers,
        )

    return send


async def test_a_bad_inventory_file_is_refused_whole_naming_each_row_and_column_and_stores_nothing(
    kyodo: Platform,
) -> None:
    p, w = kyodo, await world(kyodo)
    send = importer(p, w)
    for what, file in refused_files().items():
        response = await send(file.content, file.media)
        assert response.status_code == file.status, f"{what}: {response.text}"
        refused(response, file.status, file.code, *file.errors)
    assert_problem(await send(VALID.encode(), sub="b-liaison"), 403, "not_department_staff")
    assert screening_events(p) == 0
    assert await projects_of(p, w.kodomo.id, 0) == []


async def test_an_inventory_file_sent_as_json_is_an_unsupported_media_type(kyodo: Platform) -> None:
    p, w = kyodo, await world(kyodo)
    send = importer(p, w)
    assert_problem(await send(VALID.encode(), "application/json"), 415, "unsupported_media_type")
    assert_problem(await send(b'{"rows": []}', "application/json"), 415, "unsupported_media_type")


async def test_a_valid_file_after_a_refused_one_imports_fully_and_a_reimport_updates_only_what_changed(
    kyodo: Platform,
) -> None:
    p, w = kyodo, await world(kyodo)
    send, screening = importer(p, w), p.clients["screening"]
    assert_problem(await send(TWO_BAD_ROWS.encode()), 422, "csv_invalid")
    imported = await ok(send(VALID.encode("cp932")))
    assert imported.json() == {"entered": ["A-1", "A-2", "A-3"], "updated": [], "unchanged": []}
    items = await projects_of(p, w.kodomo.id, 3)
    ids = {i["project_number"]: i["id"] for i in items}
    assert [(i["project_number"], i["budget_yen"]) for i in items] == [
        ("A-1", 3_200_000),
        ("A-2", 1_500_000),
        ("A-3", 800_000),
    ]

    # Refused after it, the same bad file changes nothing: A-1 keeps its budget, A-4 is not entered.
    stored = screening_events(p)
    assert_problem(await send(TWO_BAD_ROWS.encode()), 422, "csv_invalid")
    assert screening_events(p) == stored
    assert (await ok(screening.get(f"/projects/{ids['A-1']}"))).json()["record"]["budget_yen"] == 3_200_000

    # A-2 changes and A-3 is left out of the file: A-2 gets a new version, A-3 stays as it was.
    changed = HEADER + "A-1,子育てひろば運営,交流,3200000\r\nA-2,放課後の居場所,居場所づくり,1800000\r\n"
    again = await ok(send(changed.encode()))
    assert again.json() == {"entered": [], "updated": ["A-2"], "unchanged": ["A-1"]}
    a2 = await ok(screening.get(f"/projects/{ids['A-2']}"))
    assert (a2.json()["version"], a2.headers["ETag"], a2.json()["record"]["budget_yen"]) == (2, '"2"', 1_800_000)
    a3 = await ok(screening.get(f"/projects/{ids['A-3']}"))
    assert (a3.json()["version"], a3.json()["record"]["budget_yen"]) == (1, 800_000)

    async def listed_with_the_new_budget() -> bool:
        items = (await screening.get(f"/departments/{w.kodomo.id}/projects")).json()["items"]
        budgets = [(i["project_number"], i["budget_yen"]) for i in items]
        return budgets == [("A-1", 3_200_000), ("A-2", 1_800_000), ("A-3", 800_000)]

    await eventually(listed_with_the_new_budget, timeout=20)


async def test_only_the_import_takes_a_large_body_and_a_stranger_is_refused_before_the_file_is_read(
    kyodo: Platform,
) -> None:
    p, w = kyodo, await world(kyodo)
    screening = p.clients["screening"]
    # 300 KB of JSON on any other route is over the kernel's 256 KiB: 413 before anything reads it.
    big = {"department_id": w.kodomo.id, "fiscal_year": w.fiscal_year, "purpose": "x" * 300_000}
    assert_problem(await screening.post("/projects", json=big, headers=staff(p, "a-staff")), 413, "body_too_large")
    # A file of 4 MB reaches the import; from another department's staff it is refused before it is parsed.
    wide = ("事業番号,事業名,目的,予算額\n" + "A-1,事業," + "x" * 4_000_000 + ",1\n").encode()
    send = importer(p, w)
    assert_problem(await send(wide, sub="b-liaison"), 403, "not_department_staff")
    assert screening_events(p) == 0


async def test_a_file_of_five_thousand_rows_and_nearly_five_megabytes_imports_whole(kyodo: Platform) -> None:
    # On PostgreSQL its single save is several MB of events: written outside psycopg's pipeline mode, where it hung.
    p, w = kyodo, await world(kyodo)
    purpose = "地域の子育て世帯を支えるため、相談・交流・情報提供を組み合わせて実施する。" * 11
    rows = "".join(f"K-{n:04d},子育て支援事業{n},{purpose},{n * 1000}\n" for n in range(5000))
    data = ("事業番号,事業名,目的,予算額\n" + rows).encode("cp932")
    assert 4_000_000 < len(data) <= 5 * 1024 * 1024
    imported = await ok(importer(p, w)(data))
    assert (len(imported.json()["entered"]), imported.json()["entered"][-1]) == (5000, "K-4999")
    again = await ok(importer(p, w)(data))
    assert (len(again.json()["unchanged"]), again.json()["entered"]) == (5000, [])


async def test_a_project_entered_with_bad_input_is_refused_naming_the_field(kyodo: Platform) -> None:
    p, w = kyodo, await world(kyodo)
    screening, headers = p.clients["screening"], staff(p, "a-staff")
    entry = {
        "department_id": w.kodomo.id,
        "fiscal_year": w.fiscal_year,
        "project_number": "A-1",
        "title": "子育て相談",
        "purpose": "相談の場",
        "budget_yen": 100,
    }
    for bad, error in (
        ({**entry, "budget_yen": -5}, "budget_yen greater_than_equal"),
        ({**entry, "nickname": "x"}, "nickname extra_forbidden"),
        ({**entry, "fiscal_year": 1999}, "fiscal_year greater_than_equal"),
    ):
        refused(await screening.post("/projects", json=bad, headers=headers), 422, "validation_failed", error)
    assert screening_events(p) == 0
    entered = await ok(screening.post("/projects", json=entry, headers=headers), 201)
    assert (entered.headers["ETag"], entered.json()["record"]["budget_yen"]) == ('"1"', 100)
    taken = await screening.post("/projects", json={**entry, "title": "別の事業"}, headers=headers)
    refused(taken, 409, "project_number_taken", "project_number project_number_taken")
    record = {k: v for k, v in entry.items() if k not in ("department_id", "fiscal_year")}
    path = f"/projects/{entered.json()['id']}"
    renumbered = {**record, "project_number": "A-5"}
    put = await screening.put(path, json=renumbered, headers={**headers, "If-Match": '"1"'})
    refused(put, 422, "project_number_immutable", "project_number project_number_immutable")
    assert_problem(await screening.put(path, json=record, headers=headers), 428, "precondition_required")
    assert screening_events(p) == 1


# --- rounds -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scene:
    """An open round over both departments (team t-a, t-b, t-c; t-late joined the registry's team after it opened),
    a draft round over KODOMO, and KODOMO's projects A-1 and A-2."""

    w: World
    round_id: str
    draft_id: str
    a1: str
    a2: str

    def screening(self, project: str) -> str:
        return f"/rounds/{self.round_id}/projects/{project}"


async def scene(p: Platform) -> Scene:
    w = await world(p)
    screening = p.clients["screening"]
    await ok(importer(p, w)(VALID.encode()))
    ids = {i["project_number"]: i["id"] for i in await projects_of(p, w.kodomo.id, 3)}
    body = round_body(w.fiscal_year, [w.kodomo.id, w.kankyo.id], w.deadline)
    drafted = await ok(screening.post("/rounds", json=body, headers=coordinator(p)), 201)
    round_id = drafted.json()["id"]
    opening = {**coordinator(p), "If-Match": drafted.headers["ETag"]}
    opened = await ok(screening.post(f"/rounds/{round_id}/opening", headers=opening))
    assert opened.json()["team_subs"] == ["t-a", "t-b", "t-c"]
    draft = round_body(w.fiscal_year, [w.kodomo.id], w.deadline, title_ja="下書きの回")
    draft_id = (await ok(screening.post("/rounds", json=draft, headers=coordinator(p)), 201)).json()["id"]
    await join_team(p, [("t-late", w.kankyo.id)], w.today)
    await eventually(lambda: "t-late" in application(p).view.team_on(w.today), timeout=20)
    return Scene(w, round_id, draft_id, ids["A-1"], ids["A-2"])


async def assess(p: Platform, s: Scene, sub: str, project: str = "", rating: str = "yes") -> httpx.Response:
    path = f"{s.screening(project or s.a1)}/assessments"
    return await p.clients["screening"].post(path, json=answers(rating), headers=staff(p, sub))


SCREENING = "/rounds/{round_id}/projects/{project_id}"
INVENTORY_WRITES = [
    ("POST", "/projects"),
    ("PUT", "/projects/{project_id}"),
    ("POST", "/departments/{department_id}/projects/import"),
]
COORDINATOR_WRITES = [
    ("POST", "/rounds"),
    ("PUT", "/rounds/{draft_id}"),
    ("POST", "/rounds/{draft_id}/opening"),
    ("POST", "/rounds/{round_id}/closure"),
    ("POST", SCREENING + "/decisions"),
]
WORK_WRITES = [("PUT", SCREENING + "/self-check"), ("POST", SCREENING + "/assessments")]
CALLERS: dict[str, tuple[str, ...]] = {
    "citizen": ("citizen-1", "public"),
    "group": ("rep-1", "group"),
    "auditor": ("auditor-1", "auditor"),
    "coordinator": ("coord-1", "coordinator"),
    "coord-2": ("coord-2", "coordinator"),  # declared an interest in KODOMO
    "t-b/team": ("t-b", "team"),  # t-b with the team role alone
    # t-b holding the coordinator's and the auditor's roles too: still assesses before reading the others
    "t-b/coordinator": ("t-b", "staff", "coordinator", "auditor"),
    **{sub: (sub, "staff") for sub in ("a-liaison", "a-staff", "b-liaison", "t-a", "t-b", "t-c", "t-late")},
}


def access_table() -> list[tuple[str, str, str, int, str | None]]:
    """(method, path, caller, status, code) for every route; t-a has assessed A-1 and nobody else has."""
    rows: list[tuple[str, str, str, int, str | None]] = []
    for method, path in INVENTORY_WRITES + COORDINATOR_WRITES + WORK_WRITES:
        rows += [(method, path, "nobody", 401, "missing_token")]
        rows += [(method, path, who, 403, "forbidden_role") for who in ("citizen", "group")]
    for method, path in COORDINATOR_WRITES:
        rows += [(method, path, who, 403, "forbidden_role") for who in ("a-staff", "t-b/team", "auditor")]
    for method, path in INVENTORY_WRITES:
        rows += [(method, path, who, 403, "forbidden_role") for who in ("t-b/team", "auditor")]
        rows += [(method, path, "b-liaison", 403, "not_department_staff")]
    check, assessments = WORK_WRITES[0][1], WORK_WRITES[1][1]
    rows += [("PUT", check, who, 403, "forbidden_role") for who in ("coordinator", "t-b/team", "auditor")]
    rows += [("PUT", check, who, 403, "not_liaison") for who in ("a-staff", "b-liaison")]
    rows += [("POST", assessments, who, 403, "forbidden_role") for who in ("coordinator", "auditor")]
    rows += [("POST", assessments, who, 403, "not_on_round_team") for who in ("a-liaison", "t-late")]
    rows += [
        ("POST", assessments, "t-c", 403, "recused"),
        ("POST", assessments, "t-a", 409, "already_assessed"),
        ("POST", SCREENING + "/decisions", "coordinator", 409, "assessments_missing"),
        ("POST", SCREENING + "/decisions", "coord-2", 403, "conflict_of_interest"),
        ("PUT", "/rounds/{round_id}", "coordinator", 409, "round_not_draft"),
        ("POST", "/rounds/{round_id}/opening", "coordinator", 409, "round_not_draft"),
        ("POST", "/rounds/{draft_id}/closure", "coordinator", 409, "round_not_open"),
        ("GET", "/projects/{project_id}", "nobody", 200, None),
        ("GET", "/projects/{project_id}", "garbage", 401, "malformed_token"),
        ("GET", "/departments/{department_id}/projects", "nobody", 200, None),
        ("GET", "/departments/{department_id}/projects/export.csv", "nobody", 200, None),
        ("GET", "/rounds", "nobody", 200, None),
        ("GET", "/rounds/{round_id}", "nobody", 200, None),
        ("GET", "/rounds/{round_id}/projects", "citizen", 200, None),
        ("GET", SCREENING, "nobody", 200, None),
        ("GET", "/rounds/{draft_id}/projects", "nobody", 404, "round_not_found"),
        ("GET", "/rounds/{draft_id}/projects", "coordinator", 200, None),
        ("GET", "/rounds/{draft_id}/projects/{project_id}", "citizen", 404, "round_not_found"),
        ("GET", "/rounds/{draft_id}/projects/{project_id}/assessments", "t-a", 404, "round_not_found"),
        ("GET", assessments, "nobody", 401, "missing_token"),
    ]
    rows += [("GET", "/rounds/{draft_id}", who, 404, "round_not_found") for who in ("nobody", "citizen", "a-staff")]
    rows += [("GET", "/rounds/{draft_id}", who, 200, None) for who in ("coordinator", "auditor")]
    outsiders = ("citizen", "group", "a-staff", "a-liaison", "t-late")
    rows += [("GET", assessments, who, 403, "not_on_round_team") for who in outsiders]
    rows += [("GET", assessments, who, 403, "assess_first") for who in ("t-b", "t-b/team", "t-b/coordinator", "t-c")]
    rows += [("GET", assessments, who, 200, None) for who in ("t-a", "coordinator", "auditor")]
    return rows


async def send(p: Platform, s: Scene, method: str, path: str, who: str) -> httpx.Response:
    """The request a caller makes, with a valid body, so only who calls decides the answer."""
    url = path.format(round_id=s.round_id, draft_id=s.draft_id, project_id=s.a1, department_id=s.w.kodomo.id)
    headers: dict[str, str] = {}
    if who == "garbage":
        headers["Authorization"] = "Bearer not-a-token"
    elif who != "nobody":
        sub, *roles = CALLERS[who]
        headers.update(p.token(sub, *roles))
    request: dict[str, Any] = {}
    if method != "GET":
        headers["If-Match"] = "*"
    if path.endswith(("/import", "export.csv")):
        request["params"] = {"fiscal_year": s.w.fiscal_year}
    if path.endswith("/import"):
        request["content"], headers["Content-Type"] = VALID.encode(), "text/csv"
    elif method != "GET" and path.startswith("/projects"):
        record = {"project_number": "A-1", "title": "子育てひろば", "purpose": "交流", "budget_yen": 1}
        place = {"department_id": s.w.kodomo.id, "fiscal_year": s.w.fiscal_year} if method == "POST" else {}
        request["json"] = {**record, **place}
    elif method != "GET" and path in ("/rounds", "/rounds/{draft_id}", "/rounds/{round_id}"):
        request["json"] = round_body(s.w.fiscal_year, [s.w.kodomo.id], s.w.deadline)
    elif path.endswith(("/self-check", "/assessments")) and method != "GET":
        request["json"] = answers()
    elif path.endswith("/decisions"):
        request["json"] = {"outcome": "not_suitable", "reasons_ja": "理由"}
    return await p.clients["screening"].request(method, url, headers=headers, **request)


async def test_every_route_answers_each_kind_of_caller_as_its_rules_say(kyodo: Platform) -> None:
    p, s = kyodo, await scene(kyodo)
    await ok(assess(p, s, "t-a"), 201)
    table = access_table()
    routes = {
        (m, r.path) for router in ROUTERS for r in router.routes if isinstance(r, APIRoute) for m in r.methods or ()
    }
    assert routes - {(m, path.replace("{draft_id}", "{round_id}")) for m, path, *_ in table} == set()
    stored = screening_events(p)
    wrong = []
    for method, path, who, status, code in table:
        response = await send(p, s, method, path, who)
        problem = response.headers["content-type"].startswith("application/problem+json")
        answered = (response.status_code, response.json()["code"] if problem else None)
        if answered != (status, code):
            wrong.append((method, path, who, (status, code), answered))
    assert wrong == []
    assert screening_events(p) == stored

    # The list of rounds shows a draft to coordinators only.
    async def both_listed() -> Any:
        page = (await p.clients["screening"].get("/rounds", headers=coordinator(p))).json()
        return page if page["total"] == 2 else None

    assert sorted(r["id"] for r in (await eventually(both_listed, timeout=20))["items"]) == sorted(
        [s.round_id, s.draft_id]
    )
    public = (await ok(p.clients["screening"].get("/rounds"))).json()
    assert [(r["id"], r["status"]) for r in public["items"]] == [(s.round_id, "open")]


async def test_a_team_member_cannot_read_another_members_assessment_in_the_audit_history(kyodo: Platform) -> None:
    p, s = kyodo, await scene(kyodo)
    screening = p.clients["screening"]
    await ok(assess(p, s, "t-a", rating="partly"), 201)
    query = {"type": "screening.Screening.Assessed"}
    for roles in (("team",), ("team", "staff")):
        refused = await screening.get("/audit/events", params=query, headers=p.token("t-b", *roles))
        assert_problem(refused, 403, "forbidden_role")
        assert "partly" not in refused.text
        assert "t-a" not in refused.text
    audited = await ok(screening.get("/audit/events", params=query, headers=p.token("auditor-1", "auditor")))
    (item,) = audited.json()["items"]
    assert (item["type"], item["body"]["member_sub"], item["body"]["cycle"]) == (
        "screening.Screening.Assessed",
        "t-a",
        1,
    )
    assert [a["rating"] for a in item["body"]["answers"]] == ["partly"] * 5
    # The policy itself: whoever else might reach the history, a team member's principal gets the mark only.
    visibility = p.apps["screening"].state.kernel.visibility
    member = Principal("t-b", frozenset({Role.TEAM, Role.STAFF}))
    assert visibility.render(item["topic"], item["body"], member, datetime.now(UTC)) == "[restricted]"
    center = Principal("coord-1", frozenset({Role.COORDINATOR}))
    assert visibility.render(item["topic"], item["body"], center, datetime.now(UTC)) == item["body"]


async def test_a_decision_with_bad_input_is_refused_naming_the_field_and_stores_nothing(kyodo: Platform) -> None:
    p, s = kyodo, await scene(kyodo)
    screening, base = p.clients["screening"], s.screening(s.a1)
    for member in ("t-a", "t-b"):
        await ok(assess(p, s, member), 201)
    await ok(screening.put(f"{base}/self-check", json=answers(), headers=staff(p, "a-liaison")))
    etag = (await ok(screening.get(base, headers=coordinator(p)))).headers["ETag"]
    assert etag == '"4"'  # entered with the first assessment, a second, the self-check
    # Before the decision, the self-check is the department's and the center's: not the team's, not the public's.
    for who, shown in (("a-liaison", True), ("t-b", False), ("citizen", False)):
        view = (await ok(screening.get(base, headers=p.token(who, "public" if who == "citizen" else "staff")))).json()
        assert (view["self_check"] is not None, view["assessment_count"], view["decisions"]) == (shown, 2, []), who
    today = datetime.now(TOKYO).date()
    reason = {"reasons_ja": "理由"}
    study = {"outcome": "needs_study", **reason}
    not_future = "rescreen_on rescreen_date_not_future"
    cases: list[tuple[dict[str, Any], str | None, int, str, tuple[str, ...]]] = [
        ({"outcome": "suitable", **reason}, etag, 422, "forms_required", ("forms forms_required",)),
        (study, etag, 422, "rescreen_date_required", ("rescreen_on rescreen_date_required",)),
        (
            {**study, "rescreen_on": str(today - timedelta(days=1))},
            etag,
            422,
            "rescreen_date_not_future",
            (not_future,),
        ),
        ({**study, "rescreen_on": str(today)}, etag, 422, "rescreen_date_not_future", (not_future,)),
        ({"outcome": "not_suitable"}, etag, 422, "validation_failed", ("reasons_ja missing",)),
        ({"outcome": "not_suitable", **reason}, None, 428, "precondition_required", ()),
        ({"outcome": "not_suitable", **reason}, '"3"', 412, "precondition_failed", ()),
    ]
    stored = screening_events(p)
    for body, if_match, status, code, errors in cases:
        headers = {**coordinator(p), **({"If-Match": if_match} if if_match else {})}
        refused(await screening.post(f"{base}/decisions", json=body, headers=headers), status, code, *errors)
    assert screening_events(p) == stored
    decided = await ok(
        screening.post(
            f"{base}/decisions",
            json={"outcome": "suitable", "forms": ["commission"], **reason},
            headers={**coordinator(p), "If-Match": etag},
        ),
        201,
    )
    assert (decided.headers["ETag"], decided.json()["status"]) == ('"5"', "suitable")


PAST = "self_check_deadline deadline_in_past"


async def test_a_round_with_bad_input_is_refused_naming_the_field_and_stores_nothing(kyodo: Platform) -> None:
    p, w = kyodo, await world(kyodo)
    screening, fy, kodomo = p.clients["screening"], w.fiscal_year, w.kodomo.id
    # FY2026 runs to 2027-03-31 in Tokyo: 2027-04-01T00:00+09:00, also written 2027-03-31T15:00Z, is outside it.
    next_year = datetime(fy + 1, 4, 1, tzinfo=TOKYO)
    late, invalid, naive = "deadline_outside_fiscal_year", "validation_failed", w.deadline.replace(tzinfo=None)
    outside = f"self_check_deadline {late}"
    cases: list[tuple[dict[str, Any], int, str, tuple[str, ...]]] = [
        (round_body(fy, [kodomo], next_year), 422, late, (outside,)),
        (round_body(fy, [kodomo], next_year.astimezone(UTC)), 422, late, (outside,)),
        (round_body(fy, [kodomo], datetime(fy, 3, 31, 23, 59, tzinfo=TOKYO)), 422, late, (outside,)),
        (round_body(fy, [kodomo], w.now - timedelta(minutes=1)), 422, "deadline_in_past", (PAST,)),
        (round_body(fy, [kodomo, str(uuid.uuid4())], w.deadline), 404, "department_not_found", ()),
        (round_body(1999, [kodomo], w.deadline), 422, invalid, ("fiscal_year greater_than_equal",)),
        (round_body(fy - 1, [kodomo], w.deadline), 409, "fiscal_year_over", ("fiscal_year fiscal_year_over",)),
        (round_body(fy, [kodomo, kodomo], w.deadline), 422, invalid, ("department_ids department_repeated",)),
        (round_body(fy, [kodomo], naive), 422, invalid, ("self_check_deadline timezone_aware",)),
    ]
    for body, status, code, errors in cases:
        refused(await screening.post("/rounds", json=body, headers=coordinator(p)), status, code, *errors)
    assert screening_events(p) == 0
    last_minute = datetime(fy + 1, 3, 31, 23, 59, tzinfo=TOKYO).astimezone(UTC)
    drafted = await ok(
        screening.post("/rounds", json=round_body(fy, [kodomo], last_minute), headers=coordinator(p)), 201
    )
    assert (drafted.json()["status"], drafted.json()["self_check_deadline"]) == (
        "draft",
        last_minute.isoformat().replace("+00:00", "Z"),
    )


async def test_an_opened_round_is_never_revised_and_a_closed_one_takes_no_more_work(kyodo: Platform) -> None:
    p, s = kyodo, await scene(kyodo)
    screening, a1, a2 = p.clients["screening"], s.screening(s.a1), s.screening(s.a2)
    for member in ("t-a", "t-b"):
        await ok(assess(p, s, member), 201)
    await ok(screening.put(f"{a1}/self-check", json=answers(), headers=staff(p, "a-liaison")))
    etag = (await ok(screening.get(a1, headers=coordinator(p)))).headers["ETag"]
    decision = {"outcome": "not_suitable", "reasons_ja": "理由"}
    decided = await ok(
        screening.post(f"{a1}/decisions", json=decision, headers={**coordinator(p), "If-Match": etag}), 201
    )
    decision_id, etag = decided.json()["decisions"][0]["decision_id"], decided.headers["ETag"]

    path = f"/rounds/{s.round_id}"
    opened = {**coordinator(p), "If-Match": '"2"'}  # drafted, opened
    spec = round_body(s.w.fiscal_year, [s.w.kodomo.id], s.w.deadline)
    body = assert_problem(await screening.put(path, json=spec, headers=opened), 409, "round_not_draft")
    assert (body["title_ja"], body["title_en"]) == (
        "開始後の回は変更できません（状態: open）",
        "A round cannot change once opened (state: open)",
    )
    assert_problem(await screening.post(f"{path}/opening", headers=opened), 409, "round_not_draft")
    closing = await ok(screening.post(f"{path}/closure", headers=opened))
    # From the request on, the round takes nothing; the close timer closes it for good after a grace period.
    assert (closing.json()["status"], closing.headers["ETag"]) == ("closing", '"3"')
    correction = {"outcome": "suitable", "forms": ["subsidy"], "reasons_ja": "訂正", "replaces": decision_id}

    async def work() -> list[httpx.Response]:
        return [
            await screening.put(f"{a2}/self-check", json=answers(), headers=staff(p, "a-liaison")),
            await screening.post(f"{a2}/assessments", json=answers(), headers=staff(p, "t-b")),
            await screening.post(f"{a1}/decisions", json=correction, headers={**coordinator(p), "If-Match": etag}),
        ]

    stored = screening_events(p)
    for response in await work():
        assert assert_problem(response, 409, "round_not_open")["title_en"] == "The round is not open (state: closing)"
    assert screening_events(p) == stored

    # Past the grace period the round is closed, and still takes nothing.
    kernel = p.apps["screening"].state.kernel
    moved = kernel.clock()
    kernel.clock = lambda: moved + timedelta(minutes=10)

    async def closed() -> Any:
        response = await screening.get(path, headers=coordinator(p))
        return response if response.json()["status"] == "closed" else None

    late = {**coordinator(p), "If-Match": (await eventually(closed, timeout=20)).headers["ETag"]}
    assert late["If-Match"] == '"4"'
    stored = screening_events(p)
    for response in [*await work(), await screening.post(f"{path}/closure", headers=late)]:
        assert assert_problem(response, 409, "round_not_open")["title_en"] == "The round is not open (state: closed)"
    assert_problem(await screening.put(path, json=spec, headers=late), 409, "round_not_draft")
    assert screening_events(p) == stored
    # What was decided stays readable.
    shown = await ok(screening.get(a1))
    assert [d["decision_id"] for d in shown.json()["decisions"]] == [decision_id]


def test_a_refusal_about_a_rounds_state_never_reads_state_for_the_state() -> None:
    table = MessageTable(MESSAGES)
    for code in ("round_not_open", "round_not_draft"):
        problem = table.for_refusal(Refusal(code, state="closed"))
        assert (problem.detail_ja, problem.detail_en) in ((None, None), ("状態: closed", "State: closed")), code
