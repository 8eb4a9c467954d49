"""info-hub's center pages for coordinators (real stores, real NATS): `/center` lists the programmes; news at
`/center/news…` goes from a draft with a file, scheduled, back to draft and scheduled again, to published on the
portal's `/news` when info-hub's clock passes the time; another is published at once and corrected, the portal
showing the correction's note; wrong input is shown beside its field in Japanese and English with nothing stored; a
group's person gets the 403 page and nothing is stored; a post without the CSRF token is refused."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest_asyncio

from kyodo_shared.pages.format import TOKYO

from support.harness import eventually
from support.info_hub_cases import HUB
from support.info_hub_news import PDF, center_events, hub_now, move_hub_clock
from support.page_reading import doc, error_beside, links, text, version_on, well_formed
from support.workspace import Browser, Site, workspace

DRAFT = {
    "category": "recruitment",
    "title_ja": "夏祭りボランティア募集",
    "body_ja": "夏祭りのボランティアを募集します。",
}


@pytest_asyncio.fixture
async def site(tmp_path: Path, nats_url: str, bus_namespace: str) -> AsyncIterator[Site]:
    async with workspace([HUB], tmp_path, nats_url, bus_namespace) as running:
        yield running


def status_of(site: Site, news_id: str) -> str:
    """The item's status as info-hub stores it."""
    return str(site.application(HUB).repository.get(uuid.UUID(news_id)).status.value)


async def drafted(center: Browser, body: dict[str, str] = DRAFT) -> str:
    done = await center.post("/center/news/new", body)
    assert done.status_code == 303, done.text[:3000]
    location = done.headers["location"]
    assert location.endswith("?done=news_drafted")
    return location.split("?")[0].rsplit("/", 1)[1]


async def acted(center: Browser, news_id: str, action: str, data: dict[str, str] | None = None, **more: Any) -> Any:
    """A form of the item's page posted with the version the page shows; answers the response."""
    page = await center.page(f"/center/news/{news_id}")
    target = f"/center/news/{news_id}/{action}"
    return await center.post(target, {**(data or {}), "version": version_on(page, target)}, **more)


async def test_the_center_page_lists_the_programmes_for_a_coordinator_only(site: Site) -> None:
    page = await site.browser("coord-1", "coordinator").page("/center")
    well_formed(page)
    assert {"/center/news", "/center/exchange", "/center/trainings", "/center/surveys", "/me/cases"} <= links(page)
    assert (await site.browser("rep-g", "group").get("/center")).status_code == 403


async def test_a_draft_is_scheduled_and_published_on_the_portal_when_its_time_comes(site: Site) -> None:
    center = site.browser("coord-1", "coordinator")
    well_formed(await center.page("/center/news/new"))
    news_id = await drafted(center)

    async def listed() -> bool:
        return f"/center/news/{news_id}" in links(await center.page("/center/news?status=draft"))

    await eventually(listed, timeout=30)

    flyer = {"file": ("チラシ.pdf", PDF, "application/pdf")}
    attached = await acted(center, news_id, "attachments", files=flyer)
    assert attached.status_code == 303, attached.text[:3000]
    page = await center.page(f"/center/news/{news_id}")
    well_formed(page)
    download = next(h for h in links(page) if "/attachments/" in h)
    assert (await center.get(download)).content == PDF

    at = (hub_now(site.platform) + timedelta(hours=2)).astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M")
    assert (await acted(center, news_id, "schedule", {"publish_at": at})).status_code == 303
    assert status_of(site, news_id) == "scheduled"
    back = await acted(center, news_id, "schedule/removal")
    assert back.headers["location"] == f"/center/news/{news_id}?done=news_unscheduled"
    assert status_of(site, news_id) == "draft"
    assert (await acted(center, news_id, "schedule", {"publish_at": at})).status_code == 303
    assert "/news/" + news_id not in links(doc(await site.visitor().get("/news")))
    # The form to change the scheduled time shows the time scheduled (acceptance 21 finding 15).
    for lang in ("ja", "en"):
        scheduled = well_formed(await center.page(f"/center/news/{news_id}", lang=lang))
        shown = scheduled.xpath(f"//form[@action='/center/news/{news_id}/schedule']//input[@name='publish_at']/@value")
        assert shown == [at]

    move_hub_clock(site.platform, timedelta(hours=3))

    async def on_the_portal() -> bool:
        return f"/news/{news_id}" in links(doc(await site.visitor().get("/news")))

    await eventually(on_the_portal, timeout=30)
    assert status_of(site, news_id) == "published"


async def test_a_published_item_is_corrected_and_the_portal_shows_the_note(site: Site) -> None:
    center = site.browser("coord-1", "coordinator")
    news_id = await drafted(center)
    published = await acted(center, news_id, "publication")
    assert published.headers["location"] == f"/center/news/{news_id}?done=news_published"
    page = await center.page(f"/center/news/{news_id}")
    well_formed(page)
    assert page.xpath("//form[contains(@action, '/corrections')]")

    fixed = {**{k: v for k, v in DRAFT.items() if k != "category"}, "body_ja": "集合は午前9時です。"}
    corrected = await acted(center, news_id, "corrections", {**fixed, "note_ja": "集合時刻を訂正しました"})
    assert corrected.status_code == 303, corrected.text[:3000]
    portal = doc(await site.visitor().get(f"/news/{news_id}"))
    assert "集合時刻を訂正しました" in text(portal)
    assert "集合は午前9時です。" in text(portal)
    # The center's page: the date row labelled 掲載日時 (not 掲載 again), each revision as 第2版（日時）：note.
    page = well_formed(await center.page(f"/center/news/{news_id}", lang="ja"))
    assert "掲載日時" in [text(dt) for dt in page.xpath("//dl[@class='summary-list']/dt")]
    revisions = [text(li) for li in page.xpath("//section[@aria-labelledby='revisions-heading']//li")]
    assert revisions[-1].startswith("第2版（")
    assert revisions[-1].endswith("）：集合時刻を訂正しました")
    assert ", " not in revisions[-1]


async def test_wrong_input_is_shown_beside_its_field_in_japanese_and_english_with_nothing_stored(site: Site) -> None:
    center = site.browser("coord-1", "coordinator")
    for lang in ("ja", "en"):
        wrong = await center.post(f"/center/news/new?lang={lang}", {**DRAFT, "title_ja": ""})
        assert wrong.status_code == 422
        assert error_beside(doc(wrong.text), "title_ja")
    assert center_events(site.platform) == 0

    news_id = await drafted(center)
    before = center_events(site.platform)
    past = (hub_now(site.platform) - timedelta(days=1)).astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M")
    reasons = set()
    for lang in ("ja", "en"):
        page = await center.page(f"/center/news/{news_id}")
        target = f"/center/news/{news_id}/schedule?lang={lang}"
        wrong = await center.post(target, {"publish_at": past, "version": version_on(page, target.split("?")[0])})
        assert wrong.status_code in (409, 422), wrong.text[:3000]
        reasons.add(error_beside(doc(wrong.text), "publish_at"))
    assert len(reasons) == 2
    published = await acted(center, news_id, "publication")
    assert published.status_code == 303
    before = center_events(site.platform)
    wrong = await acted(center, news_id, "corrections", {"title_ja": "題", "body_ja": "本文", "note_ja": ""})
    assert wrong.status_code in (409, 422)
    assert error_beside(doc(wrong.text), "note_ja")
    assert center_events(site.platform) == before


async def test_a_group_member_gets_the_403_page_and_a_post_without_the_token_is_refused(site: Site) -> None:
    center = site.browser("coord-1", "coordinator")
    news_id = await drafted(center)
    before = center_events(site.platform)
    member = site.browser("rep-g", "group")
    assert (await member.get("/center/news")).status_code == 403
    forced = await member.post("/center/news/new", DRAFT)
    assert forced.status_code == 403
    assert "text/html" in forced.headers["content-type"]
    assert (await member.post(f"/center/news/{news_id}/publication", {"version": '"1"'})).status_code == 403
    assert (await acted(center, news_id, "publication", csrf=False)).status_code == 403
    assert center_events(site.platform) == before
    assert status_of(site, news_id) == "draft"


async def test_a_draft_is_revised_its_file_refused_or_removed_and_a_stale_form_is_shown_again(site: Site) -> None:
    center = site.browser("coord-1", "coordinator")
    news_id = await drafted(center)
    page = await center.page(f"/center/news/{news_id}")
    stale = version_on(page, f"/center/news/{news_id}/revision")
    revised = await acted(center, news_id, "revision", {**DRAFT, "title_ja": "夏祭りボランティア大募集"})
    assert revised.headers["location"] == f"/center/news/{news_id}?done=news_revised"
    assert "夏祭りボランティア大募集" in text(await center.page(f"/center/news/{news_id}"))

    # The form read before the revision: refused as changed meanwhile, shown again with what was typed.
    again = await center.post(f"/center/news/{news_id}/revision", {**DRAFT, "title_ja": "古い題", "version": stale})
    assert again.status_code == 412, again.text[:3000]
    assert doc(again.text).xpath("//input[@name='title_ja']/@value") == ["古い題"]

    before = center_events(site.platform)
    for lang in ("ja", "en"):
        page = await center.page(f"/center/news/{news_id}")
        target = f"/center/news/{news_id}/attachments"
        fake = {"file": ("flyer.pdf", b"not a pdf at all", "application/pdf")}
        wrong = await center.post(f"{target}?lang={lang}", {"version": version_on(page, target)}, files=fake)
        assert wrong.status_code == 422, wrong.text[:3000]
        assert error_beside(doc(wrong.text), "file")
    assert center_events(site.platform) == before

    assert (
        await acted(center, news_id, "attachments", files={"file": ("a.pdf", PDF, "application/pdf")})
    ).status_code == 303
    page = await center.page(f"/center/news/{news_id}")
    removal = next(str(a) for a in page.xpath("//form/@action") if str(a).endswith("/removal"))
    removed = await center.post(removal, {"version": version_on(page, removal)})
    assert removed.headers["location"] == f"/center/news/{news_id}?done=news_detached"
    assert not site.application(HUB).repository.get(uuid.UUID(news_id)).attachments


async def test_a_withdrawn_item_shows_its_reason_on_the_portal(site: Site) -> None:
    center = site.browser("coord-1", "coordinator")
    news_id = await drafted(center)
    assert (await acted(center, news_id, "publication")).status_code == 303
    withdrawn = await acted(center, news_id, "withdrawal", {"reason_ja": "募集を終了しました"})
    assert withdrawn.headers["location"] == f"/center/news/{news_id}?done=news_withdrawn"
    assert status_of(site, news_id) == "withdrawn"
    assert "募集を終了しました" in text(doc(await site.visitor().get(f"/news/{news_id}")))
    page = await center.page(f"/center/news/{news_id}")
    well_formed(page)
    assert not page.xpath("//form[contains(@action, '/corrections')]")
