"""info-hub's opinion exchange pages for the center's coordinators (real stores, real NATS): a topic drafted at
`/center/exchange/new` is published for comment; a registered group gives its opinion (sealed: the page says only how
many); when info-hub's clock passes the close the page shows the minutes — the opinion with its group's name — and
the center publishes the city's answer beside it. A wrong period or a blank answer is shown beside its field in
Japanese and English with nothing stored; a group's person gets the 403 page; a post without the CSRF token is
refused."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest_asyncio

from kyodo_shared.pages.format import TOKYO

from support.calls import ok
from support.harness import eventually
from support.info_hub_cases import HUB
from support.info_hub_news import center_events, groups_in_directory, hub_now, move_hub_clock
from support.page_reading import doc, error_beside, text, version_on, well_formed
from support.streams import SourceStream
from support.workspace import Browser, Site, workspace


@pytest_asyncio.fixture
async def registry(nats_url: str, bus_namespace: str) -> SourceStream:
    """The registry's stream, which info-hub's directory of groups follows (no registry service needed)."""
    stream = SourceStream(nats_url, bus_namespace, "registry")
    await stream.create()
    return stream


@pytest_asyncio.fixture
async def site(tmp_path: Path, nats_url: str, bus_namespace: str, registry: SourceStream) -> AsyncIterator[Site]:
    async with workspace([HUB], tmp_path, nats_url, bus_namespace) as running:
        yield running


def jst(site: Site, delta: timedelta) -> str:
    return (hub_now(site.platform) + delta).astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M")


def topic_form(site: Site, **changes: str) -> dict[str, str]:
    return {
        "title_ja": "協働推進の進め方について",
        "body_ja": "市民活動団体の皆さまのご意見を募集します。",
        "opens_at": jst(site, timedelta(minutes=-10)),
        "closes_at": jst(site, timedelta(days=7)),
    } | changes


def status_of(site: Site, topic_id: str) -> str:
    return str(site.application(HUB).repository.get(uuid.UUID(topic_id)).status.value)


async def drafted(center: Browser, body: dict[str, str]) -> str:
    done = await center.post("/center/exchange/new", body)
    assert done.status_code == 303, done.text[:3000]
    assert done.headers["location"].endswith("?done=topic_drafted")
    return str(done.headers["location"].split("?")[0].rsplit("/", 1)[1])


async def test_a_topic_is_published_for_comment_and_its_minutes_answered_after_the_close(
    site: Site, registry: SourceStream
) -> None:
    ids = await groups_in_directory(site.platform, registry, {"みどりの会": "rep-1"})
    center = site.browser("coord-1", "coordinator")
    well_formed(await center.page("/center/exchange/new"))
    topic_id = await drafted(center, topic_form(site))
    page = await center.page(f"/center/exchange/{topic_id}")
    well_formed(page)
    action = f"/center/exchange/{topic_id}/publication"
    published = await center.post(action, {"version": version_on(page, action)})
    assert published.headers["location"] == f"/center/exchange/{topic_id}?done=topic_published"
    assert status_of(site, topic_id) == "published"

    gid = ids["みどりの会"]
    opinion = {"opinion_ja": "活動場所の確保を支援してください。"}
    hub, rep = site.api(HUB), site.platform.token("rep-1", "group")
    await ok(hub.put(f"/exchange/topics/{topic_id}/opinions/{gid}", json=opinion, headers=rep))
    sealed = await center.page(f"/center/exchange/{topic_id}")
    well_formed(sealed)
    assert "活動場所の確保" not in text(sealed)
    assert sealed.xpath("//button[@disabled]")

    move_hub_clock(site.platform, timedelta(days=8))
    await eventually(lambda: status_of(site, topic_id) == "closed", timeout=30)
    minutes = await center.page(f"/center/exchange/{topic_id}")
    well_formed(minutes)
    assert "みどりの会" in text(minutes)
    assert "活動場所の確保を支援してください。" in text(minutes)

    before = center_events(site.platform)
    target = f"/center/exchange/{topic_id}/answers/{gid}"
    reasons = set()
    for lang in ("ja", "en"):
        wrong = await center.post(f"{target}?lang={lang}", {f"{gid}.answer_ja": ""})
        assert wrong.status_code == 422, wrong.text[:3000]
        reasons.add(error_beside(doc(wrong.text), f"{gid}.answer_ja"))
    assert len(reasons) == 2
    assert (await site.browser("rep-1", "group").post(target, {f"{gid}.answer_ja": "検討します"})).status_code == 403
    assert (await center.post(target, {f"{gid}.answer_ja": "検討します"}, csrf=False)).status_code == 403
    assert center_events(site.platform) == before

    answered = await center.post(target, {f"{gid}.answer_ja": "公共施設の利用枠を拡充します。"})
    assert answered.headers["location"] == f"/center/exchange/{topic_id}?done=opinion_answered"
    shown = await center.page(f"/center/exchange/{topic_id}")
    assert "公共施設の利用枠を拡充します。" in text(shown)
    assert not shown.xpath(f"//form[@action='{target}']")
    api = await ok(hub.get(f"/exchange/topics/{topic_id}"))
    assert api.json()["opinions"][0]["answer"]["answer_ja"] == "公共施設の利用枠を拡充します。"


async def test_a_wrong_period_is_shown_beside_its_field_and_a_group_gets_the_403_page(site: Site) -> None:
    center = site.browser("coord-1", "coordinator")
    reasons = set()
    for lang in ("ja", "en"):
        backwards = topic_form(site, closes_at=jst(site, timedelta(days=-1)))
        wrong = await center.post(f"/center/exchange/new?lang={lang}", backwards)
        assert wrong.status_code in (409, 422), wrong.text[:3000]
        reasons.add(error_beside(doc(wrong.text), "closes_at"))
    assert len(reasons) == 2
    assert center_events(site.platform) == 0

    topic_id = await drafted(center, topic_form(site))
    page = await center.page(f"/center/exchange/{topic_id}")
    target = f"/center/exchange/{topic_id}/revision"
    revised = topic_form(site, title_ja="協働推進の進め方（改訂）", version=version_on(page, target))
    assert (await center.post(target, revised)).headers["location"] == f"/center/exchange/{topic_id}?done=topic_revised"
    assert "協働推進の進め方（改訂）" in text(await center.page(f"/center/exchange/{topic_id}"))
    member = site.browser("rep-1", "group")
    assert (await member.get("/center/exchange")).status_code == 403
    assert (await member.get(f"/center/exchange/{topic_id}")).status_code == 403
    forced = await member.post(f"/center/exchange/{topic_id}/publication", {"version": '"1"'})
    assert forced.status_code == 403
    assert "text/html" in forced.headers["content-type"]
    page = await center.page(f"/center/exchange/{topic_id}")
    action = f"/center/exchange/{topic_id}/publication"
    assert (await center.post(action, {"version": version_on(page, action)}, csrf=False)).status_code == 403
    assert status_of(site, topic_id) == "draft"

    async def listed() -> bool:
        page = await center.page("/center/exchange?status=draft")
        return f"/center/exchange/{topic_id}" in {str(h) for h in page.xpath("//main//a/@href")}

    await eventually(listed, timeout=30)


async def test_a_topic_published_before_its_period_opens_is_shown_as_not_open_yet_then_open(site: Site) -> None:
    """Acceptance finding 13 of issue 21: published at once with a period opening in an hour, the topic reads
    "published, the comment period not open yet" on its page and in the list — not "open for comment" — until the
    period opens on info-hub's clock."""
    center = site.browser("coord-1", "coordinator")
    topic_id = await drafted(center, topic_form(site, opens_at=jst(site, timedelta(hours=1))))
    page = await center.page(f"/center/exchange/{topic_id}")
    action = f"/center/exchange/{topic_id}/publication"
    assert (await center.post(action, {"version": version_on(page, action)})).status_code == 303
    assert status_of(site, topic_id) == "published"

    async def listed_as(words: str) -> bool:
        listing = await center.page("/center/exchange", lang="ja")
        rows = [text(r) for r in listing.xpath("//table[caption[@id='topics-caption']]/tbody/tr")]
        return any(words in r for r in rows)

    shown_as = (("ja", "公開済み（意見募集の開始前）", "意見募集中"), ("en", "not open yet", "Open for"))
    for lang, words, not_yet in shown_as:
        shown = well_formed(await center.page(f"/center/exchange/{topic_id}", lang=lang))
        status = text(shown.xpath("//dl[@class='summary-list']/dd")[0])
        assert words in status
        assert not_yet not in status
    assert "意見募集はまだ始まっていません" in text(await center.page(f"/center/exchange/{topic_id}", lang="ja"))
    await eventually(lambda: listed_as("公開済み（意見募集の開始前）"), timeout=30)

    move_hub_clock(site.platform, timedelta(hours=2))
    opened = await center.page(f"/center/exchange/{topic_id}", lang="ja")
    assert text(opened.xpath("//dl[@class='summary-list']/dd")[0]) == "意見募集中"
    assert await listed_as("意見募集中")
