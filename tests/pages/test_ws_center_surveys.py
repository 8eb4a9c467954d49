"""The center's survey pages (real stores, real NATS, the registry beside info-hub, logged-in browsers): a coordinator
builds a survey of two questions at `/center/surveys/new` (a bad question's reasons beside its fields in Japanese and
English, nothing stored), chooses its cross-tabulation and announces it; the registered groups answer; the survey's
page counts how many submitted or saved a draft (never who answered what), and after the close previews the published
statistics with each suppressed cell (秘匿) shown in words, its count nowhere on the page. A group's person gets the
403 page and a post without the CSRF token is refused, nothing stored; a cancellation needs its reason."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest_asyncio

from support.harness import eventually
from support.info_hub_cases import HUB, move_hub_clock, world
from support.info_hub_surveys import TOKYO, center, drafted, put_answer, questionnaire
from support.page_reading import doc, error_beside, links, text, version_on, well_formed
from support.workspace import Site, workspace

NEW = "/center/surveys/new"


@pytest_asyncio.fixture
async def site(tmp_path: Path, nats_url: str, bus_namespace: str) -> AsyncIterator[Site]:
    async with workspace(["registry", HUB], tmp_path, nats_url, bus_namespace) as running:
        yield running


def local(moment: datetime) -> str:
    return moment.astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M")


def builder(opens: datetime, closes: datetime, **changes: str) -> dict[str, str]:
    """Two required questions in one section: members (a number in bands) and the main field (one choice)."""
    form = {
        "title_ja": "市民活動団体実態調査",
        "title_en": "Survey of civic groups",
        "fiscal_year": "2026",
        "opens_at": local(opens),
        "closes_at": local(closes),
        "reminder_days": "3",
        "sections.0.key": "basic",
        "sections.0.title_ja": "団体の基本情報",
        "questions.0.key": "members",
        "questions.0.section": "basic",
        "questions.0.kind": "number",
        "questions.0.required": "on",
        "questions.0.text_ja": "会員数",
        "questions.0.unit_ja": "人",
        "questions.0.min": "0",
        "questions.0.bands": "0, 10, 30",
        "questions.1.key": "field",
        "questions.1.section": "basic",
        "questions.1.kind": "single",
        "questions.1.required": "on",
        "questions.1.text_ja": "主な活動分野",
        "questions.1.text_en": "Main field",
        "questions.1.options": "welfare: 福祉 / Welfare\nkids: 子育て / Children\ntown: まちづくり / Town planning",
        "action": "save",
    }
    return {**form, **changes}


async def surveys_stored(site: Site) -> list[dict[str, Any]]:
    p = site.platform
    found = await p.clients[HUB].get("/surveys", params={"status": "draft"}, headers=center(p))
    assert found.status_code == 200, found.text
    items: list[dict[str, Any]] = found.json()["items"]
    return items


async def survey_of(site: Site, survey_id: str) -> dict[str, Any]:
    p = site.platform
    found = await p.clients[HUB].get(f"/surveys/{survey_id}", headers=center(p))
    assert found.status_code == 200, found.text
    body: dict[str, Any] = found.json()
    return body


def form_values(page: Any, action: str) -> list[tuple[str, str]]:
    """What the form posting to `action` sends as shown: its fields, checked boxes and chosen options."""
    form = page.xpath(f"//form[@action='{action}']")[0]
    sent = []
    for control in form.xpath(".//input[@name] | .//textarea[@name] | .//select[@name]"):
        name = str(control.get("name"))
        if control.tag == "select":
            sent.extend((name, str(o.get("value"))) for o in control.xpath("option[@selected]"))
        elif control.tag == "textarea":
            sent.append((name, control.text or ""))
        elif control.get("type") not in ("checkbox", "radio") or control.get("checked") is not None:
            sent.append((name, str(control.get("value") or "")))
    return [(k, v) for k, v in sent if k != "csrf_token"]


def counts(page: Any) -> dict[str, str]:
    return {str(td.get("data-count")): text(td) for td in page.xpath("//td[@data-count]")}


async def test_the_center_builds_announces_follows_and_previews_a_survey_with_suppressed_cells_shown(
    site: Site,
) -> None:
    p = site.platform
    w = await world(p)
    coordinator = site.browser("coord-1", "coordinator")
    now = datetime.now(TOKYO)
    form = builder(now - timedelta(days=1), now + timedelta(days=10))
    well_formed(await coordinator.page(NEW))
    before = site.domain_events(HUB)

    # A choice question with one option and no text: each reason beside its field, in Japanese and English.
    wrong = {**form, "questions.1.options": "welfare: 福祉", "questions.1.text_ja": ""}
    for lang in ("ja", "en"):
        refused = await coordinator.post(f"{NEW}?lang={lang}", wrong)
        assert refused.status_code == 422, refused.text[:2000]
        shown = doc(refused.text)
        well_formed(shown)
        assert error_beside(shown, "questions.1.text_ja")
        assert shown.xpath("//input[@name='questions.0.key']/@value") == ["members"]  # kept as typed
    one_option = doc((await coordinator.post(f"{NEW}?lang=ja", {**form, "questions.1.options": "welfare: 福祉"})).text)
    assert "2つ以上" in error_beside(one_option, "questions.1.options")
    english = doc((await coordinator.post(f"{NEW}?lang=en", {**form, "questions.1.options": "welfare: 福祉"})).text)
    assert "two or more options" in error_beside(english, "questions.1.options")
    # A group's person gets the 403 page; a post without the CSRF token is refused: nothing stored.
    group = site.browser("rep-g", "group")
    assert (await group.get(NEW)).status_code == 403
    assert (await group.get("/center/surveys")).status_code == 403
    assert (await group.post(NEW, form)).status_code == 403
    assert (await coordinator.post(NEW, form, csrf=False)).status_code == 403
    assert site.domain_events(HUB) == before
    # "Add another question" shows the form again with a blank question, storing nothing.
    more = await coordinator.post(NEW, {**form, "action": "more"})
    assert more.status_code == 200
    assert doc(more.text).xpath("//input[@name='questions.2.key']")
    # The button says a row is added for a question and a section alike (acceptance 21 finding 19).
    assert "設問・区分の行を追加する" in text(await coordinator.page(NEW, lang="ja"))
    assert site.domain_events(HUB) == before

    made = await coordinator.post(NEW, form)
    assert made.status_code == 303, made.text[:2000]
    (stored,) = await eventually(lambda: surveys_stored(site), timeout=30)
    path = f"/center/surveys/{stored['id']}"
    assert made.headers["location"] == f"{path}?done=survey_drafted"
    assert [q["key"] for q in stored["questions"]] == ["members", "field"]
    town = {"key": "town", "label_ja": "まちづくり", "label_en": "Town planning"}
    assert stored["questions"][1]["options"][2] == town
    assert path in links(await coordinator.page("/center/surveys"))

    # The cross-tabulation of the two questions, then the announcement, each with the version the page showed.
    page = await coordinator.page(path, lang="ja")
    well_formed(page)
    assert "会員数" in text(page)
    crosstabs = await coordinator.post(
        f"{path}/crosstabs", {"version": version_on(page, f"{path}/crosstabs"), "crosstabs": "field:members"}
    )
    assert crosstabs.status_code == 303, crosstabs.text[:2000]
    assert (await survey_of(site, stored["id"]))["crosstabs"] == [["field", "members"]]
    page = await coordinator.page(path)
    before = site.domain_events(HUB)
    assert (await group.post(f"{path}/announcement", {"version": '"2"'})).status_code == 403
    stale = await coordinator.post(f"{path}/announcement", {"version": '"1"'})
    assert stale.status_code == 412
    assert site.domain_events(HUB) == before
    announced = await coordinator.post(f"{path}/announcement", {"version": version_on(page, f"{path}/announcement")})
    assert announced.status_code == 303, announced.text[:2000]
    p.apps[HUB].state.kernel.nudge()

    async def opened() -> bool:
        return (await survey_of(site, stored["id"]))["status"] == "open"

    await eventually(opened, timeout=30)
    assert (await coordinator.get(f"{path}/edit")).status_code == 409  # frozen once announced
    # Two groups submit, the third saves a draft: the page counts them, and names no group.
    sid = stored["id"]
    for who, group_id, field in (("rep-g", w.g, "kids"), ("rep-h", w.h, "kids")):
        sent = await put_answer(p, sid, group_id, {"members": 12, "field": field}, who=(who, "group"))
        assert sent.status_code == 200, sent.text
    draft = await put_answer(p, sid, w.k, {"members": 40}, who=("rep-k", "group"), submit=False)
    assert draft.status_code == 200, draft.text
    page = await coordinator.page(path, lang="ja")
    well_formed(page)
    assert counts(page) == {"submitted": "2", "drafts": "1", "not-started": "0"}
    # The progress table says what its columns are (a screen reader reads each count with its heading).
    progress = page.xpath("//table[caption[@id='progress-caption']]/thead/tr/th")
    assert [text(th) for th in progress] == ["状態", "団体", "割合"]
    # The target set by name (registered groups); nothing says which of them answered.
    targets = page.xpath("//table[caption[@id='targets-caption']]/tbody/tr")
    assert sorted(text(row.xpath("th")[0]) for row in targets) == ["ひだまりの会", "みどりの会", "西町スポーツクラブ"]
    assert {text(td) for row in targets for td in row.xpath("td")} == {"登録団体"}
    assert not page.xpath("//form[@action=$a]", a=f"{path}/announcement")

    # The third submits; after the close the statistics: 子育て 2 and 福祉 1 are suppressed, shown in words.
    sent = await put_answer(p, sid, w.k, {"members": 40, "field": "welfare"}, who=("rep-k", "group"), version=1)
    assert sent.status_code == 200, sent.text
    move_hub_clock(p, datetime.fromisoformat((await survey_of(site, sid))["closes_at"]) + timedelta(minutes=1))
    p.apps[HUB].state.kernel.nudge()

    async def published() -> bool:
        return (await p.clients[HUB].get(f"/surveys/{sid}/statistics")).status_code == 200

    await eventually(published, timeout=30)
    stats = (await p.clients[HUB].get(f"/surveys/{sid}/statistics")).json()["statistics"]
    field_stats = next(q for q in stats["questions"] if q["key"] == "field")
    assert [c["suppressed"] for c in field_stats["distribution"]] == [True, True, False]
    for lang, word in (("ja", "秘匿"), ("en", "Suppressed")):
        page = await coordinator.page(path, lang=lang)
        well_formed(page)
        rows = page.xpath("//table[caption[@id='stats-caption-field']]/tbody/tr")
        cells = [[text(td) for td in row.xpath("td")] for row in rows]
        assert cells[0] == [word, word]  # welfare: 1 group
        assert cells[1] == [word, word]  # kids: 2 groups
        assert cells[2] == ["0", "0.0%"]  # zeros are published
        assert page.xpath("//*[@id='suppression-note']")
    assert counts(page) == {"submitted": "3", "drafts": "0", "not-started": "0"}
    # Every page of the part renders in both languages: one h1, headings in order, no id twice, controls labelled.
    for shown in ("/center/surveys", NEW, path, "/center"):
        for lang in ("ja", "en"):
            well_formed(await coordinator.page(shown, lang=lang))
    assert "/center/surveys" in links(await coordinator.page("/center"))


async def test_the_center_cancels_a_draft_with_its_reason_and_a_group_cannot(site: Site) -> None:
    p = site.platform
    survey = await drafted(p, questionnaire())
    path = f"/center/surveys/{survey['id']}"
    coordinator = site.browser("coord-1", "coordinator")
    # The draft's edit page shows the stored questionnaire as the builder's values; saved with the version it showed.
    edit = well_formed(await coordinator.page(f"{path}/edit"))
    assert edit.xpath("//input[@name='questions.0.key']/@value") == ["members"]
    shown = form_values(edit, f"{path}/edit")
    stale = await coordinator.post(f"{path}/edit", {**dict(shown), "version": '"9"', "title_ja": "改めた題名"})
    assert stale.status_code == 412
    revised = await coordinator.post(f"{path}/edit", {**dict(shown), "title_ja": "改めた題名"})
    assert revised.status_code == 303, revised.text[:2000]
    stored = await survey_of(site, survey["id"])
    assert stored["title_ja"] == "改めた題名"
    assert stored["questions"] == survey["questions"]  # the rest as it was
    assert stored["reminder_days"] == survey["reminder_days"]
    group = site.browser("rep-g", "group")
    # A group not registered invited by a one-time link, shown once on the page and never stored in a cache.
    assert (await group.post(f"{path}/invitations", {"name_ja": "招待の会"})).status_code == 403
    for lang in ("ja", "en"):
        nameless = await coordinator.post(f"{path}/invitations?lang={lang}", {"name_ja": ""})
        assert nameless.status_code == 422
        assert error_beside(doc(nameless.text), "name_ja")
    invited = await coordinator.post(f"{path}/invitations", {"name_ja": "招待の会"})
    assert invited.status_code == 200, invited.text[:2000]
    assert invited.headers["cache-control"] == "no-store"
    (link,) = [text(code) for code in doc(invited.text).xpath("//code[@data-link]")]
    assert f"/surveys/{survey['id']}/answers/" in link
    assert "#token=" in link
    page = await coordinator.page(path, lang="ja")
    assert not page.xpath("//code[@data-link]")  # shown once
    targets = page.xpath("//table[caption[@id='targets-caption']]/tbody/tr")
    assert [[text(c) for c in row.xpath("th|td")] for row in targets] == [["招待の会", "リンクで招待（未登録団体）"]]
    (reissue,) = page.xpath("//form[contains(@action, '/reissue')]/@action")
    again = await coordinator.post(str(reissue), {})
    assert again.status_code == 200, again.text[:2000]
    (new_link,) = [text(code) for code in doc(again.text).xpath("//code[@data-link]")]
    assert new_link != link
    assert new_link.split("#")[0] == link.split("#")[0]

    page = await coordinator.page(path)
    version = version_on(page, f"{path}/cancellation")
    before = site.domain_events(HUB)
    for lang in ("ja", "en"):
        refused = await coordinator.post(f"{path}/cancellation?lang={lang}", {"version": version})
        assert refused.status_code == 422
        assert error_beside(doc(refused.text), "reason_ja")
    assert (await group.post(f"{path}/cancellation", {"version": version, "reason_ja": "中止"})).status_code == 403
    assert (await group.get(path)).status_code == 403
    no_token = await coordinator.post(f"{path}/cancellation", {"version": version, "reason_ja": "中止"}, csrf=False)
    assert no_token.status_code == 403
    assert site.domain_events(HUB) == before
    done = await coordinator.post(f"{path}/cancellation", {"version": version, "reason_ja": "予算の都合で中止"})
    assert done.status_code == 303, done.text[:2000]
    assert (await survey_of(site, survey["id"]))["status"] == "cancelled"
    for lang in ("ja", "en"):
        page = await coordinator.page(path, lang=lang, done="survey_cancelled")
        well_formed(page)
        assert "予算の都合で中止" in text(page)
        assert not page.xpath(f"//form[@action='{path}/cancellation']")
