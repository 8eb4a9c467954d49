"""The coordinator's organisation pages in the registry (departments, the team, committees, declared interests):
each form posts to a page route that calls the API route's own application method, so what a form did is checked
through the public API afterwards; invalid input comes back beside its fields in Japanese and English with nothing
stored; a reader who is not a coordinator sees why a form is missing and is refused (403) when forcing a post; a
post without the session's CSRF token is refused."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from kyodo_registry.app import RegistryApplication

from support.harness import eventually
from support.page_reading import doc, error_beside, version_on
from support.portal_b import headings_in_order, one, table, text
from support.registry import CRITERIA, apply_directly, assess_directly
from support.workspace import Browser, Site, workspace

COORDINATOR = "coord-org"
CALL = "3f2b1c4e-8a9d-4e5f-b6a7-1c2d3e4f5a6b"  # a call the registry does not know: it only records the matter


@pytest_asyncio.fixture(scope="module")
async def site(nats_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    folder: Path = tmp_path_factory.mktemp("ws-registry-org")
    async with workspace(["registry"], folder, nats_url) as running:
        yield running


def app_of(site: Site) -> RegistryApplication:
    app: RegistryApplication = site.application("registry")
    return app


def stored_events(site: Site) -> int:
    return app_of(site).recorder.max_notification_id() or 0


def org_events_since(site: Site, before: int) -> list[str]:
    """The topics of the org part's events (departments, the team, committees, interests) stored after `before`.
    Only these: the registry's background work (a group's projections, timers) may store events of its own."""
    found = app_of(site).recorder.select_notifications(before + 1, 1000)
    return [n.topic for n in found if n.topic.startswith("kyodo_registry.org.")]


async def api_get(site: Site, path: str) -> Any:
    response = await site.api("registry").get(path)
    assert response.status_code == 200, response.text
    return response.json()


async def posted(browser: Browser, path: str, data: dict[str, Any], status: int = 303) -> Any:
    answer = await browser.post(path, data)
    assert answer.status_code == status, (answer.status_code, answer.text[:3000])
    return answer


async def department(site: Site, code: str, *staff: str) -> str:
    """A department registered and staffed through the pages; its id."""
    coordinator = site.browser(COORDINATOR, "coordinator")
    await posted(coordinator, "/registry/departments", {"code": code, "name_ja": f"{code}課"})
    [found] = [d for d in (await api_get(site, "/departments?per_page=100"))["items"] if d["code"] == code]
    here = f"/registry/departments/{found['id']}"
    for sub in staff:
        page = await coordinator.page(here)
        version = version_on(page, f"{here}/staff")
        await posted(coordinator, f"{here}/staff", {"staff_sub": sub, "job_title": "主事", "version": version})
    return str(found["id"])


async def test_a_coordinator_registers_a_department_assigns_staff_and_appoints_the_liaison(site: Site) -> None:
    coordinator = site.browser(COORDINATOR, "coordinator")
    page = await coordinator.page("/registry/departments")
    assert headings_in_order(page)
    assert text(one(page, "//h1")) == "部署"
    # The organisation's pages link to each other, this one marked as the current page (in words, not colour).
    assert [text(a) for a in page.xpath("//nav[@aria-label='組織']//a")] == [
        "部署",
        "庁内横断的チーム",
        "委員会",
        "利害関係の申告",
    ]
    assert text(one(page, "//nav[@aria-label='組織']//a[@aria-current='page']/strong")) == "部署"

    answer = await posted(
        coordinator,
        "/registry/departments",
        {"code": "KOSODATE", "name_ja": "子ども子育て支援課", "name_en": "Child Support"},
    )
    [found] = [d for d in (await api_get(site, "/departments"))["items"] if d["code"] == "KOSODATE"]
    here = f"/registry/departments/{found['id']}"
    # On to the new department, where its staff and liaison are assigned next.
    assert answer.headers["location"] == f"{here}?done=department_registered"
    registered = await coordinator.page(answer.headers["location"])
    assert "部署を登録しました" in text(one(registered, "//*[@role='status']"))
    listed = await coordinator.page("/registry/departments")
    assert text(one(listed, f"//a[@href='{here}']")) == "子ども子育て支援課"

    page = await coordinator.page(here)
    assert headings_in_order(page)
    for sub in ("staff-ko-1", "staff-ko-2"):
        version = version_on(await coordinator.page(here), f"{here}/staff")
        data = {"staff_sub": sub, "job_title": "主査", "since": "2026-04-01", "version": version}
        await posted(coordinator, f"{here}/staff", data)
    page = await coordinator.page(f"{here}/liaison")
    assert headings_in_order(page)
    options = page.xpath("//select[@name='staff_sub']/option/@value")
    assert options == ["staff-ko-1", "staff-ko-2"]
    answer = await posted(
        coordinator, f"{here}/liaison", {"staff_sub": "staff-ko-1", "version": version_on(page, f"{here}/liaison")}
    )
    assert answer.headers["location"] == f"{here}?done=liaison_appointed"

    unassign = f"{here}/staff/staff-ko-2/unassignment"
    page = await coordinator.page(here)
    one(page, f"//a[@href='{unassign}']")
    page = await coordinator.page(unassign)
    await posted(coordinator, unassign, {"version": version_on(page, unassign)})

    shown = await api_get(site, f"/departments/{found['id']}")
    assert [(s["staff_sub"], s["job_title"]) for s in shown["staff"]] == [("staff-ko-1", "主査")]
    assert [s["staff_sub"] for s in shown["former_staff"]] == ["staff-ko-2"]
    assert shown["liaison"]["staff_sub"] == "staff-ko-1"
    page = await coordinator.page(here)
    rows = table(page, "現在の部署の職員")
    assert rows[1][:2] == ["staff-ko-1 (連絡担当)", "主査"]


async def test_invalid_input_is_shown_beside_its_fields_in_japanese_and_english_and_nothing_is_stored(
    site: Site,
) -> None:
    coordinator = site.browser(COORDINATOR, "coordinator")
    before = stored_events(site)
    answer = await posted(coordinator, "/registry/departments", {"code": "課 コード", "name_en": "x"}, status=422)
    page = doc(answer)
    one(page, "//*[@role='alert']")  # the error summary, above the form
    assert error_beside(page, "code")
    assert error_beside(page, "name_ja")
    assert one(page, "//input[@name='code']").get("value") == "課 コード"  # what was typed stays
    assert "必須" in error_beside(page, "name_ja") or "入力" in error_beside(page, "name_ja")

    await coordinator.page("/registry/departments", lang="en")  # the reader switches to English
    answer = await posted(coordinator, "/registry/departments", {"code": "課 コード", "name_en": "x"}, status=422)
    page = doc(answer)
    assert one(page, "/html").get("lang") == "en"
    assert "Field required" in error_beside(page, "name_ja")
    assert "pattern" in error_beside(page, "code")

    # A rule of the API's own model, worded by it: a term that ends before it starts, beside term_end.
    committee = await establish(site, "evaluation_committee", "評価委員会（検証用）")
    manage = f"/registry/committees/{committee}/manage"
    page = await coordinator.page(manage)
    data = {
        "member_sub": "ev-x",
        "name": "検証 花子",
        "term_start": "2026-04-01",
        "term_end": "2026-03-31",
        "version": version_on(page, manage),
    }
    answer = await posted(coordinator, manage, data, status=422)
    assert "term_end (2026-03-31) must not be before term_start" in error_beside(doc(answer), "term_end")
    await coordinator.page(manage, lang="ja")
    answer = await posted(coordinator, manage, data, status=422)
    assert "任期の終了日（2026年3月31日）が開始日（2026年4月1日）より前です" in error_beside(doc(answer), "term_end")
    # A refusal of the domain (the code is taken) comes back on the form too, in the API's words.
    await posted(coordinator, "/registry/departments", {"code": "DUP", "name_ja": "重複課"})
    middle = stored_events(site)
    answer = await posted(coordinator, "/registry/departments", {"code": "DUP", "name_ja": "別の課"}, status=409)
    assert "この部署コードは既に使われています" in text(one(doc(answer), "//*[@role='alert']"))
    assert org_events_since(site, middle) == []
    roster = await api_get(site, f"/committees/{committee}")
    assert roster["members"] == []
    assert not [d for d in (await api_get(site, "/departments?per_page=100"))["items"] if " " in d["code"]]
    # Only what succeeded was stored: the committee and the DUP department (with their directories' entries).
    stored = [t.split(":")[1] for t in org_events_since(site, before) if ":Directory." not in t]
    assert stored == ["Committee.Established", "Department.Created"]


async def establish(site: Site, kind: str, name_ja: str) -> str:
    coordinator = site.browser(COORDINATOR, "coordinator")
    answer = await posted(coordinator, "/registry/committees", {"kind": kind, "name_ja": name_ja})
    assert answer.headers["location"] == "/registry/committees?done=committee_established"
    committees = (await api_get(site, "/committees?per_page=100"))["items"]
    return str(next(c["id"] for c in reversed(committees) if c["name_ja"] == name_ja))


async def test_a_coordinator_establishes_a_committee_appoints_members_and_sets_its_officers(site: Site) -> None:
    coordinator = site.browser(COORDINATOR, "coordinator")
    committee = await establish(site, "review_board", "令和8年度 協働事業審査会")
    page = await coordinator.page("/registry/committees")
    assert headings_in_order(page)
    manage = f"/registry/committees/{committee}/manage"
    one(page, f"//a[@href='{manage}']")

    today = app_of(site).today()
    term = {"term_start": str(today - timedelta(days=10)), "term_end": str(today + timedelta(days=700))}
    for n, sub in enumerate(["rb-1", "rb-2", "rb-3"]):
        page = await coordinator.page(manage)
        data = {"member_sub": sub, "name": f"審査委員{n + 1}", **term, "version": version_on(page, manage)}
        answer = await posted(coordinator, manage, data)
        assert answer.headers["location"] == f"{manage}?done=member_appointed"

    page = await coordinator.page(f"{manage}/officers")
    assert headings_in_order(page)
    assert page.xpath("//select[@name='chair_sub']/option/@value") == ["rb-1", "rb-2", "rb-3"]
    data = {"chair_sub": "rb-2", "vice_chair_sub": "rb-3", "version": version_on(page, f"{manage}/officers")}
    await posted(coordinator, f"{manage}/officers", data)

    page = await coordinator.page(f"{manage}/acting-chairs")
    # A review board's matter is a call: the kind is not asked, only the call's id, with where to find it.
    assert not page.xpath("//select[@name='matter_kind']")
    one(page, "//a[@href='/proposals/calls']")
    assert not page.xpath("//a[@href='/evaluation/projects']")
    data = {
        "matter_kind": "evaluation:project",  # forced: the committee's kind decides
        "matter_id": "c-1",
        "acting_chair_sub": "rb-1",
        "elector_subs": ["rb-1", "rb-3"],
        "version": version_on(page, f"{manage}/acting-chairs"),
    }
    wrong = await coordinator.post(f"{manage}/acting-chairs", data)
    assert wrong.status_code == 422
    assert "ID" in error_beside(doc(wrong.text), "matter_id")
    assert "募集のページのアドレスにある ID" in error_beside(doc(wrong.text), "matter_id")
    assert text(one(doc(wrong.text), "//*[@class='error-summary']//a")).startswith("募集の ID")
    # A pasted address holds the id: the form takes it and shows the matter it will record.
    data["matter_id"] = f"https://kyodo.example/proposals/calls/{CALL.upper()}/manage"
    again = await coordinator.post(f"{manage}/acting-chairs", {**data, "elector_subs": []})
    assert again.status_code == 422
    assert f"proposals:call:{CALL}" in text(one(doc(again.text), "//main//form"))
    answer = await coordinator.post(f"{manage}/acting-chairs", data)
    assert answer.status_code == 303, answer.text
    assert f"募集 {CALL}" in text(
        one(
            await coordinator.page(manage),
            "//table[@aria-labelledby='acting-caption' or .//caption[@id='acting-caption']]//th[@scope='row']",
        )
    )

    end = f"{manage}/members/rb-3/end"
    page = await coordinator.page(manage)
    one(page, f"//a[@href='{end}']")
    page = await coordinator.page(end)
    await posted(coordinator, end, {"reason": "resigned", "version": version_on(page, end)})
    page = await coordinator.page(end)  # ended: nothing more to end, and the page says so
    assert not page.xpath("//main//form[@method='post']")
    assert "終了できる任期がありません" in text(one(page, "//*[@id='action-unavailable']"))

    # Ended today (left blank): today is the member's last day; from tomorrow the roster is without them.
    roster = await api_get(site, f"/committees/{committee}")
    assert [(m["member_sub"], m["role"], m["ended_on"]) for m in roster["members"]] == [
        ("rb-2", "chair", None),
        ("rb-3", "vice_chair", str(today)),
        ("rb-1", "member", None),
    ]
    assert roster["members"][0]["name"] == "審査委員2"
    tomorrow = await api_get(site, f"/committees/{committee}?on={today + timedelta(days=1)}")
    assert [(m["member_sub"], m["role"]) for m in tomorrow["members"]] == [("rb-2", "chair"), ("rb-1", "member")]
    acting = await api_get(site, f"/committees/{committee}/acting-chairs")
    assert [(a["matter"], a["acting_chair_sub"], a["elector_subs"]) for a in acting["items"]] == [
        (f"proposals:call:{CALL}", "rb-1", ["rb-1", "rb-3"])
    ]
    # The public roster links a coordinator to the management page, and nobody else.
    public = f"/registry/committees/{committee}"
    one(await coordinator.page(public), f"//a[@href='{manage}']")
    assert not (await site.browser("someone", "staff").page(public)).xpath(f"//a[@href='{manage}']")


async def test_a_coordinator_records_who_joins_and_leaves_the_team(site: Site) -> None:
    coordinator = site.browser(COORDINATOR, "coordinator")
    found = await department(site, "TEAMSRC", "staff-t-1")
    page = await coordinator.page("/registry/team")
    assert headings_in_order(page)
    data = {"staff_sub": "staff-t-1", "department_id": found, "version": version_on(page, "/registry/team/members")}
    answer = await posted(coordinator, "/registry/team/members", data)
    assert answer.headers["location"] == "/registry/team?done=team_joined"
    team = await api_get(site, "/team")
    assert [(m["staff_sub"], m["department_id"]) for m in team["members"]] == [("staff-t-1", found)]

    # Someone not on the department's staff: the application's refusal, on the form, nothing stored.
    before = stored_events(site)
    page = await coordinator.page("/registry/team")
    data = {"staff_sub": "stranger", "department_id": found, "version": version_on(page, "/registry/team/members")}
    answer = await posted(coordinator, "/registry/team/members", data, status=409)
    assert "その部署の職員ではありません" in text(one(doc(answer), "//*[@role='alert']"))
    assert "その部署の職員ではありません" in error_beside(doc(answer), "department_id")
    assert org_events_since(site, before) == []

    departure = "/registry/team/members/staff-t-1/departure"
    page = await coordinator.page(departure)
    assert headings_in_order(page)
    await posted(coordinator, departure, {"version": version_on(page, departure)})
    history = await api_get(site, "/team/history")
    assert [(m["staff_sub"], m["left_on"]) for m in history["members"]] == [("staff-t-1", str(app_of(site).today()))]


async def test_a_staff_member_declares_and_withdraws_their_own_interests(site: Site) -> None:
    app = app_of(site)
    group = apply_directly(app, "国分寺ひだまりの会", rep_sub="rep-hidamari")
    for criterion in CRITERIA:
        assess_directly(app, group.id, criterion)
    found = await department(site, "DECLARE")
    staff = site.browser("staff-decl", "staff")

    async def listed() -> bool:
        page = await staff.page("/registry/interests/groups")
        return str(group.id) in page.xpath("//select[@name='group_id']/option/@value")

    await eventually(listed)
    page = await staff.page("/registry/interests")
    assert headings_in_order(page)
    assert not page.xpath("//form[@action='/registry/interests/people']")  # on someone's behalf: coordinators'
    page = await staff.page("/registry/interests/groups")
    data = {
        "group_id": str(group.id),
        "kind": "member",
        "note": "会員として活動",
        "version": version_on(page, "/registry/interests/groups"),
    }
    answer = await posted(staff, "/registry/interests/groups", data)
    assert answer.headers["location"] == "/registry/interests?done=interest_declared"
    page = await staff.page("/registry/interests/departments")
    data = {"department_id": found, "kind": "other", "version": version_on(page, "/registry/interests/departments")}
    await posted(staff, "/registry/interests/departments", data)

    mine = await api_get(site, "/interests/people/staff-decl")
    [declared] = mine["declarations"]
    assert (declared["group_id"], declared["kind"], declared["note"], declared["active"]) == (
        str(group.id),
        "member",
        "会員として活動",
        True,
    )
    assert [d["department_id"] for d in mine["department_declarations"]] == [found]
    page = await staff.page("/registry/interests")
    assert table(page, "市民活動団体")[1][0] == "国分寺ひだまりの会"

    withdrawal = f"/registry/interests/declarations/{declared['declaration_id']}/withdrawal"
    one(page, f"//a[@href='{withdrawal}']")
    page = await staff.page(withdrawal)
    assert headings_in_order(page)
    await posted(staff, withdrawal, {"reason": "退会しました", "version": version_on(page, withdrawal)})
    mine = await api_get(site, "/interests/people/staff-decl")
    assert mine["declarations"][0]["active"] is False
    assert mine["declarations"][0]["withdrawal_reason"] == "退会しました"
    assert mine["department_declarations"][0]["active"] is True


async def test_a_coordinator_records_and_withdraws_a_declaration_on_a_persons_behalf(site: Site) -> None:
    coordinator = site.browser(COORDINATOR, "coordinator")
    found = await department(site, "BEHALF")
    answer = await coordinator.get("/registry/interests/people", person_sub="reviewer-9")
    assert answer.status_code == 303
    base = answer.headers["location"]
    assert base == "/registry/interests/people/reviewer-9"
    page = await coordinator.page(f"{base}/departments")
    data = {"department_id": found, "kind": "business", "version": version_on(page, f"{base}/departments")}
    await posted(coordinator, f"{base}/departments", data)
    theirs = await api_get(site, "/interests/people/reviewer-9")
    [declared] = theirs["department_declarations"]
    assert (declared["kind"], declared["recorded_by"]) == ("business", COORDINATOR)
    # The department's page shows who declared an interest in it (public, as the API's read by department).
    rows = table(await coordinator.page(f"/registry/departments/{found}"), "利害関係を申告した人")
    assert [row[:2] for row in rows[1:]] == [["reviewer-9", "取引関係"]]
    withdrawal = f"{base}/declarations/{declared['declaration_id']}/withdrawal"
    page = await coordinator.page(withdrawal)
    await posted(coordinator, withdrawal, {"reason": "誤登録", "version": version_on(page, withdrawal)})
    assert (await api_get(site, "/interests/people/reviewer-9"))["department_declarations"][0]["active"] is False


async def test_a_reader_who_is_not_a_coordinator_sees_why_and_is_refused_when_forcing_a_post(site: Site) -> None:
    found = await department(site, "FORCED", "staff-f-1")
    staff = site.browser("staff-f-1", "staff")
    page = await staff.page("/registry/departments")
    assert not page.xpath("//form[@action='/registry/departments']")
    assert "コーディネーターのみ" in text(one(page, "//*[@id='register-unavailable']"))
    assert one(page, "//button[@disabled]").get("aria-describedby") == "register-unavailable"
    here = f"/registry/departments/{found}"
    page = await staff.page(here)
    assert not page.xpath("//form[@method='post' and contains(@action, '/staff')]")
    version = f'"{(await api_get(site, f"/departments/{found}"))["version"]}"'

    before = stored_events(site)
    forced = [
        ("/registry/departments", {"code": "FORCED2", "name_ja": "強行課"}),
        (f"{here}/staff", {"staff_sub": "staff-f-2", "job_title": "主事", "version": version}),
        (f"{here}/liaison", {"staff_sub": "staff-f-1", "version": version}),
        ("/registry/committees", {"kind": "review_board", "name_ja": "強行委員会"}),
        ("/registry/team/members", {"staff_sub": "staff-f-1", "department_id": found, "version": '"0"'}),
        ("/registry/interests/people/other-person/departments", {"department_id": found, "kind": "other"}),
    ]
    for path, data in forced:
        answer = await staff.post(path, data)
        assert answer.status_code == 403, (path, answer.status_code)
        assert answer.headers["content-type"].startswith("text/html")
    assert org_events_since(site, before) == []
    shown = await api_get(site, f"/departments/{found}")
    assert [s["staff_sub"] for s in shown["staff"]] == ["staff-f-1"]
    assert shown["liaison"] is None


async def test_a_post_without_the_sessions_csrf_token_is_refused_and_stores_nothing(site: Site) -> None:
    coordinator = site.browser(COORDINATOR, "coordinator")
    before = stored_events(site)
    answer = await coordinator.post("/registry/departments", {"code": "NOCSRF", "name_ja": "無効課"}, csrf=False)
    assert answer.status_code == 403
    answer = await coordinator.post(
        "/registry/committees", {"kind": "review_board", "name_ja": "x", "csrf_token": "forged"}, csrf=False
    )
    assert answer.status_code == 403
    assert org_events_since(site, before) == []


async def test_a_form_sent_after_a_change_meanwhile_is_shown_again_with_the_precondition_failure(site: Site) -> None:
    coordinator = site.browser(COORDINATOR, "coordinator")
    found = await department(site, "STALE")
    here = f"/registry/departments/{found}"
    stale = version_on(await coordinator.page(here), f"{here}/staff")
    await posted(coordinator, f"{here}/staff", {"staff_sub": "s-1", "job_title": "主事", "version": stale})
    before = stored_events(site)
    answer = await posted(
        coordinator, f"{here}/staff", {"staff_sub": "s-2", "job_title": "主事", "version": stale}, status=412
    )
    page = doc(answer)
    one(page, "//*[@role='alert']")
    assert one(page, "//input[@name='staff_sub']").get("value") == "s-2"
    assert org_events_since(site, before) == []


@pytest.mark.parametrize("lang", ["ja", "en"])
async def test_every_org_page_renders_in_both_languages(site: Site, lang: str) -> None:
    coordinator = site.browser(COORDINATOR, "coordinator")
    found = await department(site, f"LANG{lang.upper()}", "staff-l-1")
    committee = await establish(site, "evaluation_committee", f"評価委員会 {lang}")
    manage = f"/registry/committees/{committee}/manage"
    paths = [
        "/registry/departments",
        f"/registry/departments/{found}",
        f"/registry/departments/{found}/liaison",
        f"/registry/departments/{found}/staff/staff-l-1/unassignment",
        "/registry/team",
        "/registry/team/members/staff-l-1/departure",
        "/registry/committees",
        manage,
        f"{manage}/officers",
        f"{manage}/acting-chairs",
        f"{manage}/members/nobody/end",
        "/registry/interests",
        "/registry/interests/groups",
        "/registry/interests/departments",
        "/registry/interests/people/someone-else",
        "/registry/interests/people/someone-else/departments",
    ]
    for path in paths:
        page = await coordinator.page(path, lang=lang)
        assert one(page, "/html").get("lang") == lang, path
        assert headings_in_order(page), path
        words = text(one(page, "//main"))
        if lang == "en":
            # Every label from the catalog: no Japanese but names and marked terms.
            assert "必須" not in words, (path, words)
            assert "コーディネーター" not in words, (path, words)
        else:
            assert "Required" not in words, (path, words)
            assert "coordinator" not in words, (path, words)
    await coordinator.page("/registry/departments", lang="ja")


async def test_an_unknown_or_malformed_id_is_the_404_page(site: Site) -> None:
    coordinator = site.browser(COORDINATOR, "coordinator")
    for path in (
        f"/registry/departments/{uuid.uuid4()}",
        "/registry/departments/not-an-id",
        f"/registry/committees/{uuid.uuid4()}/manage",
        "/registry/interests/declarations/nope/withdrawal",
    ):
        await coordinator.page(path, status=404)


async def test_the_org_pages_need_a_login(site: Site) -> None:
    visitor = site.visitor()
    answer = await visitor.get("/registry/departments")
    assert answer.status_code in (302, 303, 307)
    assert answer.headers["location"].startswith("/auth/login")
