"""The screening workspace pages: a department imports its inventory CSV (CP932, one bad row shown beside its row,
nothing stored; fixed, every row stored), and a round is drafted, opened, self-checked by the liaison, assessed by
two team members independently and decided by the coordinator — all through the pages' forms, each posting to a
page route that calls the API route's own application method, so what a form did is checked through the API. A
staff member of another department is refused (403 page, nothing stored); invalid input comes back beside its
fields in Japanese and English; a post without the CSRF token is refused."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from lxml import html

from kyodo_screening.app import ScreeningApplication
from kyodo_screening.domain import project_id

from support.calls import ok
from support.harness import eventually
from support.lifecycle import GroupClient
from support.page_reading import doc, error_beside, version_on, well_formed
from support.portal_b import headings_in_order, one, table, text
from support.screening import CHECKLIST_KEYS, Department, department, heard, join_team, round_body, screening_now
from support.workspace import Site, workspace

TOKYO = ZoneInfo("Asia/Tokyo")
HEADER = "事業番号,事業名,目的,根拠法令,予算額,対象者,実施方法,期間,担当,関係団体ID\r\n"
GOOD_ROWS = (
    'A-1,子育てひろば運営,乳幼児と保護者の交流,児童福祉法,"3,200,000円",乳幼児と保護者,直営,通年,子育て支援課,\r\n'
    "A-2,放課後の居場所,小学生の居場所づくり,,１５０００００,小学生,委託,通年,子育て支援課,\r\n"
)
BAD_ROW = "A-3,子ども食堂支援,地域の子ども食堂を支える,,八十万円,子ども,補助,通年,子育て支援課,\r\n"
FIXED_ROW = 'A-3,子ども食堂支援,地域の子ども食堂を支える,,"800,000",子ども,補助,通年,子育て支援課,\r\n'


@dataclass(frozen=True)
class Scene:
    site: Site
    kodomo: Department  # liaison-a (liaison), staff-a, team-a
    kankyo: Department  # liaison-b, staff-b, team-b
    fiscal_year: int
    now: datetime


@pytest_asyncio.fixture(scope="module")
async def scene(nats_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Scene]:
    folder: Path = tmp_path_factory.mktemp("ws-screening")
    async with workspace(["registry", "screening"], folder, nats_url) as site:
        p = site.platform
        now = screening_now(p)
        since = datetime.now(TOKYO).date() - timedelta(days=30)
        kodomo = await department(p, "KODOMO", "子ども家庭課", ["liaison-a", "team-a", "staff-a"], since)
        kankyo = await department(p, "KANKYO", "環境対策課", ["liaison-b", "team-b", "staff-b"], since)
        await join_team(p, [("team-a", kodomo.id), ("team-b", kankyo.id)], since)
        await heard(p, [kodomo, kankyo], ["team-a", "team-b"], now.date())
        yield Scene(site, kodomo, kankyo, now.year if now.month >= 4 else now.year - 1, now)


def app_of(site: Site) -> ScreeningApplication:
    app: ScreeningApplication = site.application("screening")
    return app


def stored(site: Site) -> int:
    return site.domain_events("screening")


def project_stored(site: Site, department_id: str, fiscal_year: int, number: str) -> bool:
    return project_id(uuid.UUID(department_id), fiscal_year, number) in app_of(site).repository


def csv_file(body: str) -> dict[str, tuple[str, bytes, str]]:
    return {"file": ("事業一覧.csv", body.encode("cp932"), "application/vnd.ms-excel")}


async def listed(site: Site, department_id: str, fiscal_year: int) -> Any:
    page = await site.api("screening").get(
        f"/departments/{department_id}/projects", params={"fiscal_year": fiscal_year}
    )
    assert page.status_code == 200, page.text
    return page.json()


async def test_a_cp932_import_with_a_bad_row_shows_its_error_beside_it_stores_nothing_and_stores_it_fixed(
    scene: Scene,
) -> None:
    site, fiscal_year = scene.site, str(scene.fiscal_year)
    staff = site.browser(scene.kodomo.staff, "staff")
    inventory = await staff.page("/screening/inventory")
    assert headings_in_order(inventory)
    assert "子ども家庭課" in text(one(inventory, "//main//h2"))
    form = await staff.page("/screening/inventory/import", department_id=scene.kodomo.id)
    assert one(form, "//form[@enctype='multipart/form-data']//input[@name='file']") is not None

    before = stored(site)
    fields = {"department_id": scene.kodomo.id, "fiscal_year": fiscal_year}
    refused = await staff.post("/screening/inventory/import", fields, files=csv_file(HEADER + GOOD_ROWS + BAD_ROW))
    assert refused.status_code == 422, refused.text[:2000]
    page = doc(refused)
    rows = table(page, "行")
    assert rows[1][:2] == ["4", "予算額"], rows
    assert "予算額は0以上の整数" in rows[1][2]
    assert len(rows) == 2  # only the bad row's error: the good rows have none
    # The summary's link reaches the error's line in the table; it speaks of the table, not of the API's `errors`.
    assert one(page, "//tr[@id='field-rows-4-budget_yen']") is not None
    summary = text(one(page, "//*[@data-error-summary]"))
    assert "errors" not in summary
    assert "下の表" in summary
    # Another browser reads in English (`?lang=` keeps the choice in a cookie).
    english = await site.browser(scene.kodomo.staff, "staff").post(
        "/screening/inventory/import?lang=en", fields, files=csv_file(HEADER + GOOD_ROWS + BAD_ROW)
    )
    rows_en = table(doc(english), "by row")
    assert rows_en[1] == ["4", "budget", "The budget must be a non-negative whole number of yen"]
    assert "`errors`" not in text(one(doc(english), "//*[@data-error-summary]"))
    # Nothing chosen and the year left blank: both said at once, each beside its field and named in the summary.
    empty = await staff.post("/screening/inventory/import", {"department_id": scene.kodomo.id, "fiscal_year": ""})
    assert empty.status_code == 422, empty.text[:2000]
    page = doc(empty)
    assert error_beside(page, "fiscal_year")
    assert "ファイルを選んでください" in error_beside(page, "file")
    listed_errors = [text(li) for li in page.xpath("//*[@data-error-summary]//li")]
    assert any(e.startswith("年度") for e in listed_errors), listed_errors
    assert stored(site) == before
    assert (await listed(site, scene.kodomo.id, scene.fiscal_year))["total"] == 0

    done = await staff.post("/screening/inventory/import", fields, files=csv_file(HEADER + GOOD_ROWS + FIXED_ROW))
    assert done.status_code == 303, done.text[:2000]
    summary = await staff.page(done.headers["location"])
    assert [text(d) for d in summary.xpath("//dl[@class='summary-list']/dd")] == ["3", "0", "0"]
    assert "取り込みました" in text(one(summary, "//*[@role='status']"))

    async def three() -> Any:
        found = await listed(site, scene.kodomo.id, scene.fiscal_year)
        return found if found["total"] == 3 else None

    found = await eventually(three)
    assert [i["budget_yen"] for i in found["items"]] == [3_200_000, 1_500_000, 800_000]
    shown = await staff.page("/screening/inventory", department_id=scene.kodomo.id, fiscal_year=fiscal_year)
    assert [r[0] for r in table(shown, "子ども家庭課")[1:]] == ["A-1", "A-2", "A-3"]


async def test_a_file_of_too_many_rows_passes_the_pages_body_limit_and_is_refused_on_the_form(scene: Scene) -> None:
    """5,001 rows (over the kernel's 256 KiB body limit, under the import page's own): the form again, with why."""
    site = scene.site
    staff = site.browser(scene.kodomo.staff, "staff")
    rows = "".join(f"Z-{n},講座{n},{'地域の子育てを支える活動の運営と広報' * 2},,1000,,,,,\r\n" for n in range(5001))
    body = (HEADER + rows).encode("cp932")
    assert len(body) > 256 * 1024
    fields = {"department_id": scene.kodomo.id, "fiscal_year": str(scene.fiscal_year)}
    refused = await staff.post("/screening/inventory/import", fields, files={"file": ("大.csv", body, "text/csv")})
    assert refused.status_code == 413, refused.text[:1000]
    page = doc(refused)
    assert "5,000行以内" in text(one(page, "//main"))
    assert one(page, "//form[@action='/screening/inventory/import']") is not None
    assert not project_stored(site, scene.kodomo.id, scene.fiscal_year, "Z-0")


async def test_a_staff_member_of_another_department_cannot_import_or_revise_its_projects(scene: Scene) -> None:
    site = scene.site
    p = site.platform
    entered = await ok(
        site.api("screening").post(
            "/projects",
            json={
                "department_id": scene.kodomo.id,
                "fiscal_year": scene.fiscal_year,
                "project_number": "X-1",
                "title": "緑の講座",
                "purpose": "環境学習",
                "budget_yen": 1000,
            },
            headers=p.token(scene.kodomo.staff, "staff"),
        ),
        201,
    )
    pid, version = entered.json()["id"], entered.json()["version"]
    other = site.browser(scene.kankyo.staff, "staff")
    page = await other.page(f"/screening/projects/{pid}")
    assert one(page, "//button[@disabled]") is not None  # the revision is unavailable, with its reason
    before = stored(site)
    forced = await other.post(
        f"/screening/projects/{pid}",
        {"version": f'"{version}"', "project_number": "X-1", "title": "乗っ取り", "purpose": "x", "budget_yen": "1"},
    )
    assert forced.status_code == 403
    assert "この部署の職員ではありません" in forced.text
    imported = await other.post(
        "/screening/inventory/import",
        {"department_id": scene.kodomo.id, "fiscal_year": str(scene.fiscal_year)},
        files=csv_file(HEADER + GOOD_ROWS),
    )
    assert imported.status_code == 403
    assert stored(site) == before
    read = await ok(site.api("screening").get(f"/projects/{pid}"))
    assert (read.json()["version"], read.json()["record"]["title"]) == (version, "緑の講座")


async def test_invalid_project_input_comes_back_beside_its_fields_in_japanese_and_english(scene: Scene) -> None:
    site = scene.site
    staff = site.browser(scene.kodomo.staff, "staff")
    form = await staff.page("/screening/projects/new")
    assert headings_in_order(form)
    body = {
        "department_id": scene.kodomo.id,
        "fiscal_year": str(scene.fiscal_year),
        "project_number": "N-1",
        "title": "",
        "purpose": "目的",
        "budget_yen": "たくさん",
    }
    ja = await staff.post("/screening/projects/new", body)
    assert ja.status_code == 422
    page = doc(ja)
    assert "1文字以上" in error_beside(page, "title") or "入力" in error_beside(page, "title")
    assert error_beside(page, "budget_yen")
    assert one(page, "//*[@data-error-summary]") is not None
    reader_en = site.browser(scene.kodomo.staff, "staff")
    en = doc(await reader_en.post("/screening/projects/new?lang=en", body))
    assert any(words in error_beside(en, "title") for words in ("Enter a value", "at least 1 character"))
    assert "integer" in error_beside(en, "budget_yen")
    assert not project_stored(site, scene.kodomo.id, scene.fiscal_year, "N-1")

    made = await staff.post("/screening/projects/new", {**body, "title": "子育て講座", "budget_yen": "12000"})
    assert made.status_code == 303
    shown = await staff.page(made.headers["location"])
    assert text(one(shown, "//h1")) == "子育て講座"
    version = version_on(shown)
    revise = {
        "version": version,
        "project_number": "N-1",
        "title": "子育て講座（改）",
        "purpose": "目的",
        "budget_yen": "-5",
    }
    wrong = await staff.post(made.headers["location"].split("?")[0], revise)
    assert wrong.status_code == 422
    assert error_beside(doc(wrong), "budget_yen")
    fixed = await staff.post(made.headers["location"].split("?")[0], {**revise, "budget_yen": "15000"})
    assert fixed.status_code == 303
    stale = await staff.post(made.headers["location"].split("?")[0], {**revise, "budget_yen": "16000"})
    assert stale.status_code == 412  # the version the page showed is no longer current


async def test_a_project_names_its_civic_groups_by_ticking_the_registered_groups_by_name(scene: Scene) -> None:
    site = scene.site
    group = GroupClient(site.platform, representative="rep-midori")
    await group.apply(name="国分寺みどりの会")
    await group.assess_all()
    view = app_of(site).view
    await eventually(lambda: [g[:2] for g in view.groups()] == [(group.group_id, "国分寺みどりの会")], timeout=20)
    staff = site.browser(scene.kodomo.staff, "staff")
    form = await staff.page("/screening/projects/new")
    box = one(form, f"//input[@type='checkbox' and @name='group_ids' and @value='{group.group_id}']")
    assert text(one(form, f"//label[@for='{box.get('id')}']")) == "国分寺みどりの会"
    assert not form.xpath("//textarea[@name='group_ids']")  # no ids to paste
    body = {
        "department_id": scene.kodomo.id,
        "fiscal_year": str(scene.fiscal_year),
        "project_number": "G-1",
        "title": "緑の講座",
        "purpose": "目的",
        "budget_yen": "100",
        "group_ids": group.group_id,
    }
    made = await staff.post("/screening/projects/new", body)
    assert made.status_code == 303, made.text[:2000]
    shown = await staff.page(made.headers["location"])
    assert one(shown, f"//input[@name='group_ids' and @value='{group.group_id}']").get("checked") is not None
    pid = made.headers["location"].split("?")[0].rsplit("/", 1)[1]
    read = await ok(site.api("screening").get(f"/projects/{pid}"))
    assert read.json()["record"]["group_ids"] == [group.group_id]


async def test_a_form_post_without_the_csrf_token_is_refused(scene: Scene) -> None:
    site = scene.site
    staff = site.browser(scene.kodomo.staff, "staff")
    body = {
        "department_id": scene.kodomo.id,
        "fiscal_year": str(scene.fiscal_year),
        "project_number": "C-1",
        "title": "講座",
        "purpose": "目的",
        "budget_yen": "100",
    }
    refused = await staff.post("/screening/projects/new", body, csrf=False)
    assert refused.status_code == 403
    assert not project_stored(site, scene.kodomo.id, scene.fiscal_year, "C-1")
    assert (await staff.post("/screening/projects/new", body)).status_code == 303
    assert project_stored(site, scene.kodomo.id, scene.fiscal_year, "C-1")


def answers_form(page: Any, action: str, rating: str, reason: str) -> list[tuple[str, str]]:
    """Every criterion of the form at `action` answered with `rating` and `reason` (the form's controls are named
    `<prefix>.answers.N.…`: the self-check's and the assessment's prefixes differ)."""
    fields = []
    for key in page.xpath(f"//form[@action='{action}']//input[contains(@name, '.answers.') and @type='hidden']"):
        stem = key.get("name").removesuffix(".key")
        fields += [(key.get("name"), key.get("value")), (f"{stem}.rating", rating), (f"{stem}.reason", reason)]
    assert fields, action
    return fields


async def test_a_round_is_drafted_opened_self_checked_assessed_and_decided_through_the_forms(scene: Scene) -> None:
    site = scene.site
    p = site.platform
    coordinator = site.browser("coord-ws", "coordinator")
    entered = await ok(
        site.api("screening").post(
            "/projects",
            json={
                "department_id": scene.kodomo.id,
                "fiscal_year": scene.fiscal_year,
                "project_number": "R-1",
                "title": "地域の見守り",
                "purpose": "高齢者の見守り",
                "budget_yen": 500000,
            },
            headers=p.token(scene.kodomo.staff, "staff"),
        ),
        201,
    )
    pid = entered.json()["id"]

    # --- draft: invalid input beside its fields, then a valid draft ----------------------------------------------
    form = await coordinator.page("/screening/rounds/new")
    assert headings_in_order(form)
    checklist = [
        (el.get("name"), el.get("value") or "") for el in form.xpath("//input[starts-with(@name, 'checklist.')]")
    ]
    deadline = (scene.now + timedelta(days=7)).astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M")
    draft = [
        ("fiscal_year", str(scene.fiscal_year)),
        ("title_ja", f"{scene.fiscal_year}年度 事業の選別"),
        ("self_check_deadline", deadline),
        ("department_ids", scene.kodomo.id),
        *checklist,
    ]
    invalid = [
        (k, "Bad Key" if k == "checklist.0.key" else "" if k == "self_check_deadline" else v)
        for k, v in draft
        if k not in ("title_ja", "department_ids")
    ]
    refused = await coordinator.post("/screening/rounds/new", invalid)
    assert refused.status_code == 422
    page = doc(refused)
    assert error_beside(page, "title_ja")
    assert error_beside(page, "checklist.0.key")
    assert error_beside(page, "department_ids")
    assert "入力してください" in error_beside(page, "self_check_deadline")
    # The summary names each field it links to.
    summary = {a.get("href"): text(a) for a in page.xpath("//*[@data-error-summary]//a")}
    assert summary["#field-title_ja"].startswith("名称（日本語）")
    assert summary["#field-self_check_deadline"].startswith("自己点検の期限")
    assert summary["#field-department_ids"].startswith("対象の部署")
    assert summary["#field-checklist-0-key"].startswith("項目1 キー")
    # Every screening page starts its breadcrumbs at ホーム, like the other services.
    assert text(one(page, "//nav[@class='breadcrumbs']//li[1]")) == "ホーム"
    drafted = await coordinator.post("/screening/rounds/new", draft)
    assert drafted.status_code == 303, drafted.text[:2000]
    round_url = drafted.headers["location"].split("?")[0]
    rid = round_url.rsplit("/", 1)[1]
    shown = await coordinator.page(round_url)
    assert headings_in_order(shown)
    assert "JST" in text(one(shown, "//label[@for='field-self_check_deadline']")) or "日本時間" in text(
        one(shown, "//label[@for='field-self_check_deadline']")
    )
    version = version_on(shown, f"/screening/rounds/{rid}/opening")
    opened = await coordinator.post(f"/screening/rounds/{rid}/opening", {"version": version})
    assert opened.status_code == 303, opened.text[:2000]
    read = await ok(site.api("screening").get(f"/rounds/{rid}"))
    assert read.json()["status"] == "open"
    assert read.json()["self_check_deadline"].startswith(deadline[:10])

    # --- the liaison's self-check; staff who are not the liaison see why they cannot --------------------------
    screening_url = f"/screening/rounds/{rid}/projects/{pid}"
    staff = await site.browser(scene.kodomo.staff, "staff").page(screening_url)
    assert "連絡担当" in text(one(staff, "//*[@id='self-check-unavailable']"))
    liaison = site.browser(scene.kodomo.liaison, "staff")
    page = await liaison.page(screening_url)
    checked = await liaison.post(
        screening_url + "/self-check", answers_form(page, screening_url + "/self-check", "yes", "地域で担える")
    )
    assert checked.status_code == 303, checked.text[:2000]

    # --- two team members assess, each independently -------------------------------------------------------
    team_b = site.browser("team-b", "staff", "team")
    page_b = await team_b.page(screening_url)
    assert not page_b.xpath("//*[@id='assessments-heading']")
    empty = [
        (k, "" if k.endswith(".reason") else v)
        for k, v in answers_form(page_b, screening_url + "/assessment", "partly", "")
    ]
    blank = await team_b.post(screening_url + "/assessment", empty)
    assert blank.status_code == 422
    assert error_beside(doc(blank), "assessment.answers.0.reason")
    assessed = await team_b.post(
        screening_url + "/assessment", answers_form(page_b, screening_url + "/assessment", "partly", "一部は可能")
    )
    assert assessed.status_code == 303, assessed.text[:2000]
    team_a = site.browser("team-a", "staff", "team")
    page_a = await team_a.page(screening_url)
    assert not page_a.xpath("//*[@id='assessments-heading']")  # the other's assessment stays hidden until one's own
    assert "一部は可能" not in html.tostring(page_a, encoding="unicode")
    done = await team_a.post(
        screening_url + "/assessment", answers_form(page_a, screening_url + "/assessment", "yes", "可能")
    )
    assert done.status_code == 303, done.text[:2000]
    after = await team_a.page(screening_url)
    assert "一部は可能" in text(one(after, "//main"))
    assert one(after, "//*[@id='assess-unavailable']") is not None
    again = await team_a.post(
        screening_url + "/assessment", answers_form(page_a, screening_url + "/assessment", "yes", "再")
    )
    assert again.status_code == 409  # assessed once: refused beside the form

    # --- the coordinator decides, then corrects ---------------------------------------------------------------
    page = await coordinator.page(screening_url)
    version = version_on(page, f"{screening_url}/decision")
    no_outcome = await coordinator.post(screening_url + "/decision", {"version": version, "reasons_ja": "理由"})
    assert no_outcome.status_code == 422
    assert "選んでください" in error_beside(doc(no_outcome), "outcome")  # not chosen: asked for, not "not a choice"
    assert text(one(doc(no_outcome), "//*[@data-error-summary]//a[@href='#field-outcome']")).startswith("結果")
    missing_form = await coordinator.post(
        screening_url + "/decision", {"version": version, "outcome": "suitable", "reasons_ja": "地域団体の強みが活きる"}
    )
    assert missing_form.status_code == 422
    assert error_beside(doc(missing_form), "forms")
    decided = await coordinator.post(
        screening_url + "/decision",
        [
            ("version", version),
            ("outcome", "suitable"),
            ("forms", "commission"),
            ("reasons_ja", "地域団体の強みが活きる"),
        ],
    )
    assert decided.status_code == 303, decided.text[:2000]
    view = (await ok(site.api("screening").get(f"/rounds/{rid}/projects/{pid}"))).json()
    assert (view["status"], view["decisions"][0]["forms"]) == ("suitable", ["commission"])
    page = await coordinator.page(screening_url)
    replaces = one(page, "//input[@name='replaces']").get("value")
    assert replaces == view["decisions"][0]["decision_id"]
    version = version_on(page, f"{screening_url}/decision")
    corrected = await coordinator.post(
        screening_url + "/decision",
        [
            ("version", version),
            ("outcome", "suitable"),
            ("forms", "subsidy"),
            ("reasons_ja", "補助が適する"),
            ("replaces", replaces),
        ],
    )
    assert corrected.status_code == 303, corrected.text[:2000]
    assert "done=corrected" in corrected.headers["location"]
    view = (await ok(site.api("screening").get(f"/rounds/{rid}/projects/{pid}"))).json()
    assert [d["replaces"] for d in view["decisions"]] == [None, replaces]
    # The page says a correction was recorded, marks the replaced decision and names it by its time, not its id.
    page = await coordinator.page(corrected.headers["location"])
    assert "訂正を記録しました" in text(page)
    assert "（訂正により置き換え）" in text(one(page, "//h3[@id='decision-1']"))
    assert "訂正により置き換え" not in text(one(page, "//h3[@id='decision-2']"))
    link = one(page, "//section[@aria-labelledby='decision-2']//a[@href='#decision-1']")
    assert text(link).endswith("の決定")
    assert replaces not in text(one(page, "//section[@aria-labelledby='decision-2']"))
    # A suitable decision leads on: a call based on it, or a project started from it.
    follow = f"/proposals/calls/new?screening_decision_id={view['decisions'][1]['decision_id']}"
    assert text(one(page, f"//a[@href='{follow}']")) == "この決定で募集を作成する"
    assert text(one(page, "//a[@href='/evaluation/projects/new']")) == "協働事業を始める"
    assert not (await liaison.page(screening_url)).xpath(f"//a[@href='{follow}']")  # the coordinator's step only

    # --- past the self-check deadline: the liaison sees why, and a forced answer is refused ------------------
    kernel = p.apps["screening"].state.kernel
    offset = kernel.clock() - datetime.now(UTC)
    kernel.clock = lambda: datetime.now(UTC) + offset + timedelta(days=8)
    try:
        late = await liaison.page(screening_url)
        assert "期限を過ぎています" in text(one(late, "//*[@id='self-check-unavailable']"))
        # The self-check form is gone from the liaison's page: its fields named as that form names them.
        late_answers = answers_form(page_b, screening_url + "/assessment", "no", "遅れて")
        forced = await liaison.post(
            screening_url + "/self-check", [(k.replace("assessment.", "self_check.", 1), v) for k, v in late_answers]
        )
        assert forced.status_code == 409
        assert "自己点検の期限を過ぎています" in text(one(doc(forced), "//*[@data-error-summary]"))
    finally:
        kernel.clock = lambda: datetime.now(UTC) + offset
    view = (
        await ok(site.api("screening").get(f"/rounds/{rid}/projects/{pid}", headers=p.token("c", "coordinator")))
    ).json()
    assert {a["reason"] for a in view["self_check"]} == {"地域で担える"}

    # --- both languages ---------------------------------------------------------------------------------------
    english = site.browser("coord-ws", "coordinator")
    page_en = await english.page(screening_url, lang="en")
    assert headings_in_order(page_en)
    assert text(one(page_en, "//h2[@id='decision-heading']")) == "Correct the decision"
    assert "Suitable for collaboration" in text(one(page_en, "//main"))
    assert headings_in_order(await english.page(round_url))
    assert headings_in_order(await english.page("/screening/rounds"))

    # --- closing the round through its page: it cannot be undone, so the page asks for a tick first --------------
    shown = await coordinator.page(round_url)
    version = version_on(shown, f"/screening/rounds/{rid}/closure")
    unconfirmed = await coordinator.post(f"/screening/rounds/{rid}/closure", {"version": version})
    assert unconfirmed.status_code == 422
    assert "元に戻せません" in error_beside(doc(unconfirmed), "confirmed")
    assert (await ok(site.api("screening").get(f"/rounds/{rid}"))).json()["status"] == "open"
    closed = await coordinator.post(f"/screening/rounds/{rid}/closure", {"version": version, "confirmed": "yes"})
    assert closed.status_code == 303
    shown = await coordinator.page(round_url)
    assert one(shown, "//*[@id='close-unavailable']") is not None


async def test_a_liaison_on_the_team_gets_two_forms_each_with_its_own_controls_errors_and_saved_answers(
    scene: Scene,
) -> None:
    """The liaison who also sits on the team sees the self-check and the assessment on one page: no id twice, each
    label names a control of its own form, an error lands beside its form's control (the summary naming the
    criterion), and the saved self-check fills its form again."""
    site = scene.site
    p = site.platform
    since = datetime.now(TOKYO).date() - timedelta(days=30)
    await join_team(p, [(scene.kodomo.liaison, scene.kodomo.id)], since)
    view = p.apps["screening"].state.kernel.application.view
    await eventually(lambda: scene.kodomo.liaison in view.team_on(scene.now.date()), timeout=20)
    entered = await ok(
        site.api("screening").post(
            "/projects",
            json={
                "department_id": scene.kodomo.id,
                "fiscal_year": scene.fiscal_year,
                "project_number": "D-1",
                "title": "親子の居場所",
                "purpose": "親子の交流",
                "budget_yen": 300000,
            },
            headers=p.token(scene.kodomo.staff, "staff"),
        ),
        201,
    )
    pid = entered.json()["id"]
    coordinator = p.token("coord-ws", "coordinator")
    drafted = await ok(
        site.api("screening").post(
            "/rounds",
            json=round_body(scene.fiscal_year, [scene.kodomo.id], scene.now + timedelta(days=7), title_ja="二つの様式"),
            headers=coordinator,
        ),
        201,
    )
    rid = drafted.json()["id"]
    await ok(
        site.api("screening").post(
            f"/rounds/{rid}/opening", headers={**coordinator, "If-Match": drafted.headers["ETag"]}
        )
    )
    url = f"/screening/rounds/{rid}/projects/{pid}"
    liaison = site.browser(scene.kodomo.liaison, "staff", "team")
    page = well_formed(await liaison.page(url))
    forms = {"self_check": f"{url}/self-check", "assessment": f"{url}/assessment"}
    for prefix, action in forms.items():
        form = one(page, f"//form[@action='{action}']")
        controls = form.xpath(".//input[@type!='hidden'] | .//textarea")
        assert controls, prefix
        assert all(c.get("name").startswith(prefix + ".") for c in controls), prefix
        for label in form.xpath(".//label[@for]"):
            assert form.xpath(f".//*[@id='{label.get('for')}']"), (prefix, label.get("for"))

    # A rating not chosen: "choose one" beside that criterion of the self-check, and nothing beside the assessment.
    unanswered = [
        (k, v)
        for k, v in answers_form(page, forms["self_check"], "yes", "地域で担える")
        if k != "self_check.answers.0.rating"
    ]
    refused = await liaison.post(forms["self_check"], unanswered)
    assert refused.status_code == 422, refused.text[:2000]
    again = well_formed(doc(refused))
    assert "選んでください" in error_beside(again, "self_check.answers.0.rating")
    assert not again.xpath("//*[@id='field-assessment-answers-0-rating-error']")
    criterion = text(one(again, "(//form[contains(@action, '/self-check')]//fieldset/legend)[1]")).replace("必須", "")
    summary = text(one(again, "//*[@data-error-summary]//a[@href='#field-self_check-answers-0-rating']"))
    assert criterion.strip() in summary, (criterion, summary)

    saved = await liaison.post(forms["self_check"], answers_form(page, forms["self_check"], "partly", "一部を担える"))
    assert saved.status_code == 303, saved.text[:2000]
    shown = await liaison.page(url)
    checked = shown.xpath(f"//form[@action='{forms['self_check']}']//input[@type='radio' and @checked]")
    assert len(checked) == len(CHECKLIST_KEYS)
    assert {c.get("value") for c in checked} == {"partly"}
    reasons = shown.xpath(f"//form[@action='{forms['self_check']}']//textarea")
    assert [text(r) for r in reasons] == ["一部を担える"] * len(CHECKLIST_KEYS)
    assert not shown.xpath(f"//form[@action='{forms['assessment']}']//input[@checked]")  # the assessment is its own

    blank = [(k, "" if k.endswith(".reason") else v) for k, v in answers_form(shown, forms["assessment"], "yes", "")]
    refused = await liaison.post(forms["assessment"], blank)
    assert refused.status_code == 422, refused.text[:2000]
    again = well_formed(doc(refused))
    assert error_beside(again, "assessment.answers.0.reason")
    assert not again.xpath("//*[@id='field-self_check-answers-0-reason-error']")
