"""A whole screening round end to end over HTTP, on SQLite and PostgreSQL with real NATS: two departments import
their inventories (CP932 and UTF-8 with BOM), a round opens with the registry's team, the liaison self-checks, team
members assess independently (one recused), the coordinator decides each kind, the self-check deadline and a
re-screen date pass on a moved clock, a correction supersedes a decision, info-hub publishes the register, and
proposals opens a partner selection only from a current suitable decision. The history verifies clean.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kyodo_shared.service import discover
from kyodo_shared.web.devissuer import DevIssuer

from support.calls import coordinator, ok, registered_group, review_board
from support.cli import kyodo_json
from support.harness import Backend, Platform, eventually, platform, settings_for
from support.screening import answers, department, heard, join_team, round_body, screening_now

pytestmark = pytest.mark.smoke
TOKYO = ZoneInfo("Asia/Tokyo")

CP932_CSV = (
    "事業番号,事業名,目的,根拠法令,予算額,対象者,実施方法,期間,担当,関係団体ID\r\n"
    'A-1,子育てひろば運営,乳幼児と保護者の交流,児童福祉法,"3,200,000円",乳幼児と保護者,直営,通年,子育て支援課,\r\n'
    "A-2,放課後の居場所,小学生の居場所づくり,,１５０００００,小学生,委託,通年,子育て支援課,\r\n"
    'A-3,子ども食堂支援,地域の子ども食堂を支える,,"  800,000 ",子ども,補助,通年,子育て支援課,{group}\r\n'
)
BOM_CSV = "\ufeffproject_number,title,purpose,budget_yen\nB-1,=1+2 緑のカーテン,@SUM(A1) 省エネの啓発,500\n"


def csv_headers(p: Platform, sub: str) -> dict[str, str]:
    return {**p.token(sub, "staff"), "Content-Type": "text/csv"}


async def decide(p: Platform, base: str, body: dict[str, Any], status: int = 201) -> Any:
    screening = p.clients["screening"]
    current = await ok(screening.get(base, headers=coordinator(p)))
    headers = {**coordinator(p), "If-Match": current.headers["ETag"]}
    return (await ok(screening.post(f"{base}/decisions", json=body, headers=headers), status)).json()


async def test_a_round_screens_imported_projects_decides_each_kind_and_feeds_the_register_and_partner_selection(
    backend: Backend,
    nats_url: str,
    bus_namespace: str,
    issuer: DevIssuer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    names = ("registry", "screening", "info-hub", "proposals")
    services = {n: settings_for(n, backend, nats_url, bus_namespace, issuer) for n in names}
    async with platform(services, issuer) as p:
        screening, hub, proposals = p.clients["screening"], p.clients["info-hub"], p.clients["proposals"]
        now = screening_now(p)
        today, fiscal_year = now.date(), now.year if now.month >= 4 else now.year - 1
        since = datetime.now(TOKYO).date() - timedelta(days=30)
        kodomo = await department(p, "KODOMO", "子ども家庭課", ["a-liaison", "t-a"], since)
        kankyo = await department(p, "KANKYO", "環境対策課", ["b-liaison", "t-b", "t-c", "t-d"], since)
        await join_team(p, [("t-a", kodomo.id), ("t-b", kankyo.id), ("t-c", kankyo.id), ("t-d", kankyo.id)], since)
        group_id = await registered_group(p, "rep-1", "こども食堂ネット")
        # t-c declared an interest in the group named in project A-3: recused from it.
        await ok(
            p.clients["registry"].post(
                "/interests/me", json={"group_id": group_id, "kind": "member"}, headers=p.token("t-c", "staff")
            ),
            201,
        )
        # t-d declared an interest in the department 子ども家庭課: recused from all its projects.
        await ok(
            p.clients["registry"].post(
                "/interests/me/departments",
                json={"department_id": kodomo.id, "kind": "other"},
                headers=p.token("t-d", "staff"),
            ),
            201,
        )
        await heard(p, [kodomo, kankyo], ["t-a", "t-b", "t-c", "t-d"], today)
        view = p.apps["screening"].state.kernel.application.view
        await eventually(lambda: view.interested("t-d", kodomo.id, [], today), timeout=20)

        # --- inventory: a CP932 file and a UTF-8 file with BOM --------------------------------------------------
        cp932 = CP932_CSV.format(group=group_id).encode("cp932")
        path = f"/departments/{kodomo.id}/projects/import"
        imported = await ok(
            screening.post(path, params={"fiscal_year": fiscal_year}, content=cp932, headers=csv_headers(p, "t-a"))
        )
        assert imported.json() == {"entered": ["A-1", "A-2", "A-3"], "updated": [], "unchanged": []}
        again = await ok(
            screening.post(path, params={"fiscal_year": fiscal_year}, content=cp932, headers=csv_headers(p, "t-a"))
        )
        assert again.json() == {"entered": [], "updated": [], "unchanged": ["A-1", "A-2", "A-3"]}
        other = await screening.post(
            path, params={"fiscal_year": fiscal_year}, content=cp932, headers=csv_headers(p, "t-b")
        )
        assert (other.status_code, other.json()["code"]) == (403, "not_department_staff")
        bom = f"/departments/{kankyo.id}/projects/import"
        await ok(
            screening.post(
                bom, params={"fiscal_year": fiscal_year}, content=BOM_CSV.encode(), headers=csv_headers(p, "t-b")
            )
        )

        async def listed() -> Any:
            page = await screening.get(f"/departments/{kodomo.id}/projects", params={"fiscal_year": fiscal_year})
            return page.json()["items"] if page.json()["total"] == 3 else None

        items = await eventually(listed, timeout=20)
        ids = {i["project_number"]: i["id"] for i in items}
        assert [i["budget_yen"] for i in items] == [3_200_000, 1_500_000, 800_000]

        async def listed_b() -> Any:
            return (await screening.get(f"/departments/{kankyo.id}/projects")).json()["items"]

        b_items = await eventually(listed_b, timeout=20)
        b_project = (await ok(screening.get(f"/projects/{b_items[0]['id']}"))).json()
        # Formula-looking cells are stored as text, never evaluated; an export neutralises them.
        assert (b_project["record"]["title"], b_project["record"]["purpose"]) == (
            "=1+2 緑のカーテン",
            "@SUM(A1) 省エネの啓発",
        )
        exported = await ok(
            screening.get(f"/departments/{kankyo.id}/projects/export.csv", params={"fiscal_year": fiscal_year})
        )
        assert "'=1+2 緑のカーテン" in exported.text
        assert "'@SUM(A1)" in exported.text

        # --- the round ------------------------------------------------------------------------------------------
        deadline = now + timedelta(days=3)
        drafted = await ok(
            screening.post(
                "/rounds", json=round_body(fiscal_year, [kodomo.id, kankyo.id], deadline), headers=coordinator(p)
            ),
            201,
        )
        round_id = drafted.json()["id"]
        assert (await screening.get(f"/rounds/{round_id}")).status_code == 404, "a draft is not public"
        opened = await ok(
            screening.post(
                f"/rounds/{round_id}/opening", headers={**coordinator(p), "If-Match": drafted.headers["ETag"]}
            )
        )
        assert (opened.json()["status"], opened.json()["team_subs"]) == ("open", ["t-a", "t-b", "t-c", "t-d"])
        a1, a2, a3 = (f"/rounds/{round_id}/projects/{ids[n]}" for n in ("A-1", "A-2", "A-3"))

        # Self-check by the liaison only.
        refused = await screening.put(f"{a1}/self-check", json=answers(), headers=p.token("b-liaison", "staff"))
        assert (refused.status_code, refused.json()["code"]) == (403, "not_liaison")
        await ok(screening.put(f"{a1}/self-check", json=answers(), headers=p.token("a-liaison", "staff")))

        # Independence: no reading others' assessments before one's own.
        await ok(screening.post(f"{a1}/assessments", json=answers(), headers=p.token("t-a", "staff")), 201)
        early = await screening.get(f"{a1}/assessments", headers=p.token("t-b", "staff"))
        assert (early.status_code, early.json()["code"]) == (403, "assess_first")
        twice = await screening.post(f"{a1}/assessments", json=answers(), headers=p.token("t-a", "staff"))
        assert (twice.status_code, twice.json()["code"]) == (409, "already_assessed")
        outsider = await screening.post(f"{a1}/assessments", json=answers(), headers=p.token("a-liaison", "staff"))
        assert (outsider.status_code, outsider.json()["code"]) == (403, "not_on_round_team")
        too_few = await screening.get(a1, headers=coordinator(p))
        short = await screening.post(
            f"{a1}/decisions",
            json={"outcome": "not_suitable", "reasons_ja": "理由"},
            headers={**coordinator(p), "If-Match": too_few.headers["ETag"]},
        )
        assert (short.status_code, short.json()["code"]) == (409, "assessments_missing")
        await ok(screening.post(f"{a1}/assessments", json=answers("partly"), headers=p.token("t-b", "staff")), 201)
        seen = await ok(screening.get(f"{a1}/assessments", headers=p.token("t-b", "staff")))
        # Their own first, then the others' answers without their names (the register's labels stay unmatched).
        mine, other = seen.json()["items"]
        assert (mine["member_sub"], "member_sub" in other, other["from_owner_department"]) == ("t-b", False, True)
        assert [a["rating"] for a in other["answers"]] == ["yes"] * 5

        suitable = await decide(
            p, a1, {"outcome": "suitable", "forms": ["commission"], "reasons_ja": "保護者の視点が活かせる"}
        )
        decision_a1 = suitable["decisions"][0]
        assert (suitable["status"], decision_a1["forms"], sorted(a["label"] for a in decision_a1["assessments"])) == (
            "suitable",
            ["commission"],
            ["A", "B"],
        )
        assert all("member_sub" not in a for a in decision_a1["assessments"]), "the register names nobody"

        assert decision_a1["recusals"] == 1, "t-d, interested in the department"
        # A-3 names the group t-c is interested in; t-d is interested in the department.
        for member in ("t-c", "t-d"):
            recused = await screening.post(f"{a3}/assessments", json=answers(), headers=p.token(member, "staff"))
            assert (recused.status_code, recused.json()["code"]) == (403, "recused")
        for member in ("t-a", "t-b"):
            await ok(screening.post(f"{a3}/assessments", json=answers("no"), headers=p.token(member, "staff")), 201)
        for member in ("t-a", "t-b"):
            await ok(screening.post(f"{a2}/assessments", json=answers("no"), headers=p.token(member, "staff")), 201)
        pending = await screening.get(a2, headers=coordinator(p))
        waiting = await screening.post(
            f"{a2}/decisions",
            json={"outcome": "not_suitable", "reasons_ja": "法定の直営事業"},
            headers={**coordinator(p), "If-Match": pending.headers["ETag"]},
        )
        assert (waiting.status_code, waiting.json()["code"]) == (409, "self_check_pending")

        # --- the self-check deadline passes (moved clock; durable timer) ------------------------------------
        kernel = p.apps["screening"].state.kernel
        kernel.clock = lambda: deadline + timedelta(seconds=1)

        async def self_check_closed() -> bool:
            return not (await screening.get(f"/rounds/{round_id}")).json()["self_check_open"]

        await eventually(self_check_closed, timeout=20)
        late = await screening.put(f"{a2}/self-check", json=answers(), headers=p.token("a-liaison", "staff"))
        assert (late.status_code, late.json()["code"]) == (409, "self_check_closed")
        unsuitable = await decide(p, a2, {"outcome": "not_suitable", "reasons_ja": "法定の直営事業である"})
        decision_a2 = unsuitable["decisions"][0]["decision_id"]
        rescreen_on = (deadline + timedelta(days=2)).date()
        study = await decide(
            p, a3, {"outcome": "needs_study", "reasons_ja": "団体の状況を確認する", "rescreen_on": str(rescreen_on)}
        )
        assert (study["status"], study["decisions"][0]["recusals"]) == ("needs_study", 2)

        # A correction supersedes A-2's decision.
        corrected = await decide(
            p,
            a2,
            {
                "outcome": "suitable",
                "forms": ["co_hosting"],
                "reasons_ja": "共催なら協働できると判断を訂正",
                "replaces": decision_a2,
            },
        )
        assert [d["outcome"] for d in corrected["decisions"]] == ["not_suitable", "suitable"]
        corrected_id = corrected["decisions"][1]["decision_id"]

        # --- the re-screen date comes: A-3 is pending again in the open round --------------------------------
        kernel.clock = lambda: datetime.combine(rescreen_on, datetime.min.time(), tzinfo=TOKYO) + timedelta(hours=1)

        async def reopened() -> Any:
            view = (await screening.get(a3, headers=coordinator(p))).json()
            return view if view["status"] == "pending" and view["cycle"] == 2 else None

        await eventually(reopened, timeout=20)

        # --- info-hub's register ------------------------------------------------------------------------------
        async def registered() -> Any:
            page = await hub.get("/screening/register", params={"fiscal_year": fiscal_year})
            return page.json() if page.status_code == 200 and page.json()["total"] == 3 else None

        register = await eventually(registered, timeout=30)
        by_id = {e["decision_id"]: e for e in register["items"]}
        assert by_id[decision_a1["decision_id"]]["outcome"] == "suitable"
        assert by_id[corrected_id]["replaces"] == decision_a2
        assert decision_a2 not in by_id, "a superseded decision is not current"
        suitable_only = (await hub.get("/screening/register", params={"form": "co_hosting"})).json()
        assert [e["decision_id"] for e in suitable_only["items"]] == [corrected_id]

        # --- proposals: a partner selection only from a current suitable decision ------------------------------
        async def known_to_proposals() -> bool:
            view = p.apps["proposals"].state.kernel.application.screening
            return view.decision(corrected_id) is not None

        await eventually(known_to_proposals, timeout=30)
        committee_id = await review_board(p, ["m-1", "m-2", "m-3"], "m-1", "m-2")

        def call(decision_id: str) -> dict[str, Any]:
            return {
                "kind": "partner_selection",
                "title_ja": "子育てひろば運営 協働パートナーの募集",
                "description_ja": "選別で協働に適するとされた事業の協働パートナーを募集します。",
                "criteria": [{"key": "need", "name_ja": "必要性", "weight": 1, "max_points": 10}],
                "passing_score": "6",
                "deadline": (now + timedelta(days=60)).isoformat(),
                "committee_id": committee_id,
                "screening_decision_id": decision_id,
            }

        opened_call = await ok(
            proposals.post("/calls", json=call(decision_a1["decision_id"]), headers=coordinator(p)), 201
        )
        shown = opened_call.json()["screening_decision"]
        assert (shown["decision_id"], shown["outcome"], shown["href"]) == (
            decision_a1["decision_id"],
            "suitable",
            f"/api/info-hub/screening/register/{decision_a1['decision_id']}",
        )
        for refused_id, status, code in (
            (study["decisions"][0]["decision_id"], 422, "screening_decision_not_suitable"),
            (decision_a2, 422, "screening_decision_superseded"),
            (str(uuid.uuid4()), 409, "screening_decision_unknown"),
        ):
            refused_call = await proposals.post("/calls", json=call(refused_id), headers=coordinator(p))
            assert (refused_call.status_code, refused_call.json()["code"]) == (status, code)

        # --- the round closes: nothing more is accepted -----------------------------------------------------
        current = await ok(screening.get(f"/rounds/{round_id}", headers=coordinator(p)))
        closing = await ok(
            screening.post(
                f"/rounds/{round_id}/closure", headers={**coordinator(p), "If-Match": current.headers["ETag"]}
            )
        )
        assert closing.json()["status"] == "closing"
        after = await screening.post(f"{a3}/assessments", json=answers(), headers=p.token("t-a", "staff"))
        assert (after.status_code, after.json()["code"]) == (409, "round_not_open")
        # After the grace period the close timer closes it for good; A-3, brought back by its re-screen and still
        # pending, waits for its department's next round.
        moved = kernel.clock()
        kernel.clock = lambda: moved + timedelta(minutes=2)

        async def closed() -> bool:
            return bool((await screening.get(f"/rounds/{round_id}")).json()["status"] == "closed")

        await eventually(closed, timeout=20)
        carried = (await ok(screening.get(f"/projects/{ids['A-3']}"))).json()
        assert carried["awaiting_round"] is True

        async def closed_in_hub() -> bool:
            rounds = (await hub.get("/screening/rounds")).json()["items"]
            return [(r["round_id"], r["status"]) for r in rounds] == [(round_id, "closed")]

        await eventually(closed_in_hub, timeout=20)

    env: dict[str, str] = {}
    if backend.kind == "postgres":
        env = {
            "KYODO_STORE__BACKEND": "postgres",
            "KYODO_STORE__PG_DSN": backend.pg_dsn,
            "KYODO_STORE__PG_SCHEMA": discover()["screening"].pg_schema,
            "KYODO_AUDIT__KEYS_DIR": str(backend.folder / "keys"),
        }
    pins = backend.folder / "pins-screening.json"
    args = ("--data-dir", str(backend.folder), "audit", "verify", "screening", "--pin", str(pins))
    exit_code, report = kyodo_json(monkeypatch, capsys, env, *args)
    assert (exit_code, report["ok"]) == (0, True), report


async def test_a_round_still_open_at_the_end_of_its_fiscal_year_closes_by_itself(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    services = {n: settings_for(n, backend, nats_url, bus_namespace, issuer) for n in ("registry", "screening")}
    async with platform(services, issuer) as p:
        screening = p.clients["screening"]
        now = screening_now(p)
        today, fiscal_year = now.date(), now.year if now.month >= 4 else now.year - 1
        since = datetime.now(TOKYO).date() - timedelta(days=30)
        kodomo = await department(p, "KODOMO", "子ども家庭課", ["a-liaison", "t-a"], since)
        kankyo = await department(p, "KANKYO", "環境対策課", ["b-liaison", "t-b"], since)
        await join_team(p, [("t-a", kodomo.id), ("t-b", kankyo.id)], since)
        await heard(p, [kodomo, kankyo], ["t-a", "t-b"], today)
        deadline = min(now + timedelta(days=3), datetime(fiscal_year + 1, 3, 31, 17, tzinfo=TOKYO))
        body = round_body(fiscal_year, [kodomo.id], deadline)
        drafted = await ok(screening.post("/rounds", json=body, headers=coordinator(p)), 201)
        round_id = drafted.json()["id"]
        headers = {**coordinator(p), "If-Match": drafted.headers["ETag"]}
        await ok(screening.post(f"/rounds/{round_id}/opening", headers=headers))

        # The first moment of the next fiscal year: the year-end timer closes the round, the grace period after.
        year_end = datetime(fiscal_year + 1, 4, 1, tzinfo=TOKYO)
        kernel = p.apps["screening"].state.kernel
        kernel.clock = lambda: year_end + timedelta(seconds=1)

        async def status() -> str:
            return str((await screening.get(f"/rounds/{round_id}")).json()["status"])

        await eventually(lambda: _is(status, "closing"), timeout=20)
        kernel.clock = lambda: year_end + timedelta(minutes=2)
        await eventually(lambda: _is(status, "closed"), timeout=20)


async def _is(read: Any, expected: str) -> bool:
    return bool(await read() == expected)


async def test_a_needs_study_project_whose_date_comes_after_its_round_closed_is_carried_into_the_next_round(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    names = ("registry", "screening", "info-hub")
    services = {n: settings_for(n, backend, nats_url, bus_namespace, issuer) for n in names}
    async with platform(services, issuer) as p:
        screening, hub = p.clients["screening"], p.clients["info-hub"]
        kernel = p.apps["screening"].state.kernel
        now = screening_now(p)
        today, fiscal_year = now.date(), now.year if now.month >= 4 else now.year - 1
        since = datetime.now(TOKYO).date() - timedelta(days=30)
        kodomo = await department(p, "KODOMO", "子ども家庭課", ["a-liaison", "t-a"], since)
        kankyo = await department(p, "KANKYO", "環境対策課", ["b-liaison", "t-b"], since)
        await join_team(p, [("t-a", kodomo.id), ("t-b", kankyo.id)], since)
        await heard(p, [kodomo, kankyo], ["t-a", "t-b"], today)
        entry = {"department_id": kodomo.id, "fiscal_year": fiscal_year, "project_number": "A-9"}
        record = {"title": "地域の見守り", "purpose": "高齢者の見守り", "budget_yen": 500_000}
        project_id = (
            await ok(screening.post("/projects", json={**entry, **record}, headers=coordinator(p)), 201)
        ).json()["id"]

        async def open_round(deadline: datetime) -> str:
            body = round_body(fiscal_year, [kodomo.id], deadline)
            drafted = await ok(screening.post("/rounds", json=body, headers=coordinator(p)), 201)
            headers = {**coordinator(p), "If-Match": drafted.headers["ETag"]}
            await ok(screening.post(f"/rounds/{drafted.json()['id']}/opening", headers=headers))
            return str(drafted.json()["id"])

        async def close_round(round_id: str) -> None:
            current = await ok(screening.get(f"/rounds/{round_id}", headers=coordinator(p)))
            headers = {**coordinator(p), "If-Match": current.headers["ETag"]}
            await ok(screening.post(f"/rounds/{round_id}/closure", headers=headers))
            moved = kernel.clock()
            kernel.clock = lambda: moved + timedelta(minutes=2)

            async def closed() -> bool:
                return bool((await screening.get(f"/rounds/{round_id}")).json()["status"] == "closed")

            await eventually(closed, timeout=20)

        async def awaiting() -> bool:
            return bool((await screening.get(f"/projects/{project_id}")).json()["awaiting_round"])

        first = await open_round(now + timedelta(days=2))
        base = f"/rounds/{first}/projects/{project_id}"
        await ok(screening.put(f"{base}/self-check", json=answers(), headers=p.token("a-liaison", "staff")))
        for member in ("t-a", "t-b"):
            await ok(screening.post(f"{base}/assessments", json=answers(), headers=p.token(member, "staff")), 201)
        rescreen_on = today + timedelta(days=5)
        body = {"outcome": "needs_study", "reasons_ja": "実施方法を再検討する", "rescreen_on": str(rescreen_on)}
        await decide(p, base, body)
        await close_round(first)
        assert not await awaiting()

        # The date comes with the round closed: the project waits for its department's next round.
        kernel.clock = lambda: datetime.combine(rescreen_on, datetime.min.time(), tzinfo=TOKYO) + timedelta(hours=1)
        await eventually(awaiting, timeout=20)
        second = await open_round(kernel.clock() + timedelta(days=2))
        carried = f"/rounds/{second}/projects/{project_id}"
        await ok(screening.put(f"{carried}/self-check", json=answers(), headers=p.token("a-liaison", "staff")))
        assert not await awaiting(), "the second round took it"
        # Closed with it still pending, it is carried on again rather than dropped.
        await close_round(second)
        assert await awaiting()

        async def rescreen_in_hub() -> Any:
            page = (await hub.get("/screening/register", params={"outcome": "needs_study"})).json()
            return page["items"] if page["total"] == 1 and page["items"][0]["rescreen"] == "next_round" else None

        await eventually(rescreen_in_hub, timeout=20)
