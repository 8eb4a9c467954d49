"""A group's opinion on an opinion exchange topic through its page `/me/exchange/{tid}` (info-hub, real stores, real
NATS): the representative of a registered group gives the opinion (a blank one refused beside its field in Japanese
and English), sees it sealed as its own, replaces it; a post without the CSRF token and a person acting for another
group are refused with nothing stored; after the close the page shows the opinion with the group's name
(acceptance 21 finding 14). The form calls `submit_opinion`, as `PUT /exchange/topics/{tid}/opinions/{gid}`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest_asyncio

from support.calls import ok
from support.harness import eventually
from support.info_hub_cases import HUB
from support.info_hub_news import groups_in_directory, move_hub_clock
from support.page_reading import doc, error_beside, text, well_formed
from support.streams import SourceStream
from support.workspace import Site, workspace


@pytest_asyncio.fixture
async def registry(nats_url: str, bus_namespace: str) -> SourceStream:
    stream = SourceStream(nats_url, bus_namespace, "registry")
    await stream.create()
    return stream


@pytest_asyncio.fixture
async def site(tmp_path: Path, nats_url: str, bus_namespace: str, registry: SourceStream) -> AsyncIterator[Site]:
    async with workspace([HUB], tmp_path, nats_url, bus_namespace) as running:
        yield running


async def test_a_group_gives_and_replaces_its_opinion_through_its_page_and_reads_it_published(
    site: Site, registry: SourceStream
) -> None:
    p = site.platform
    ids = await groups_in_directory(p, registry, {"みどりの会": "rep-1", "ひだまりの会": "rep-2"})
    gid, other = ids["みどりの会"], ids["ひだまりの会"]
    hub, center = site.api(HUB), p.token("coord-1", "coordinator")
    now = p.apps[HUB].state.kernel.clock()
    topic = {
        "title_ja": "協働推進の進め方について",
        "body_ja": "ご意見を募集します。",
        "opens_at": (now - timedelta(minutes=10)).isoformat(),
        "closes_at": (now + timedelta(days=7)).isoformat(),
    }
    made = await ok(hub.post("/exchange/topics", json=topic, headers=center), 201)
    tid = made.json()["id"]
    version = made.headers["ETag"]
    await ok(hub.post(f"/exchange/topics/{tid}/publication", headers={**center, "If-Match": version}))
    path, action = f"/me/exchange/{tid}", f"/me/exchange/{tid}/opinions/{gid}"
    rep = site.browser("rep-1", "group")

    # The group's home page lists the topic open for comment, linking to this page — once the topics' query table,
    # which a projection fills after the publication, has it (it failed under load when read at once).
    async def listed() -> Any:
        home = well_formed(await rep.page("/me", lang="ja"))
        hrefs = {str(h) for h in home.xpath("//section[@aria-labelledby='group-heading']//a/@href")}
        return [home] if path in hrefs else None  # a list: an lxml element's truth is not its presence

    (home,) = await eventually(listed, timeout=30)
    assert "意見交換：意見募集中のテーマ" in text(home)
    for lang in ("ja", "en"):
        page = well_formed(await rep.page(path, lang=lang))
        assert page.xpath(f"//form[@action='{action}']")
        # Home › My page › the topic (/me lists the topics open for comment).
        assert page.xpath("//nav[@class='breadcrumbs']//a/@href") == ["/", "/me"]
    before = site.domain_events(HUB)
    for lang in ("ja", "en"):
        blank = await rep.post(f"{action}?lang={lang}", {f"{gid}.opinion_ja": ""})
        assert blank.status_code == 422, blank.text[:2000]
        assert error_beside(well_formed(doc(blank.text)), f"{gid}.opinion_ja")
    assert (await rep.post(action, {f"{gid}.opinion_ja": "場所を"}, csrf=False)).status_code == 403
    # The other group's representative may not give みどりの会's opinion.
    forced = await site.browser("rep-2", "group").post(action, {f"{gid}.opinion_ja": "代わりに"})
    assert forced.status_code == 403
    assert "text/html" in forced.headers["content-type"]
    assert site.domain_events(HUB) == before

    given = await rep.post(action, {f"{gid}.opinion_ja": "活動場所の確保を支援してください。"})
    assert given.status_code == 303, given.text[:2000]
    assert given.headers["location"] == f"{path}?done=exchange_opinion_given"
    page = well_formed(await rep.page(path, lang="ja", done="exchange_opinion_given"))
    assert "活動場所の確保を支援してください。" in text(page)  # its own, prefilled to replace
    assert "活動場所の確保" not in text(await site.browser("rep-2", "group").page(path, lang="ja"))
    replaced = await rep.post(action, {f"{gid}.opinion_ja": "活動場所と資金の確保を支援してください。"})
    assert replaced.status_code == 303
    stored = await ok(hub.get(f"/exchange/topics/{tid}", headers=center))
    assert [o["opinion_ja"] for o in stored.json()["opinions"]] == ["活動場所と資金の確保を支援してください。"]
    assert other not in {o["group_id"] for o in stored.json()["opinions"]}

    move_hub_clock(p, timedelta(days=8))

    async def closed() -> bool:
        found = await hub.get(f"/exchange/topics/{tid}")
        return found.json()["status"] == "closed"

    await eventually(closed, timeout=30)
    for lang in ("ja", "en"):
        page = well_formed(await rep.page(path, lang=lang))
        minutes = text(page.xpath("//section[@aria-labelledby='minutes-heading']")[0])
        assert "みどりの会" in minutes
        assert "活動場所と資金の確保を支援してください。" in minutes
        assert not page.xpath(f"//form[@action='{action}']")
