"""The portal's home page and group directory through the gateway (real NATS; info-hub on SQLite): the home page's
published news, open calls with their deadline and time left, and upcoming trainings; the directory's search
(Japanese-normalized), filters and pages as a GET form; a group's page with its profile, the registry's bylaws and
ties links, and its participation in calls and projects — in Japanese and in English, never a restricted field.

The read models are fed through info-hub's own bus handlers (tests/support/info_hub_open_data.py); news and trainings
are made through the API by the center, as in the API's tests.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import pytest_asyncio
from lxml import html

from kyodo_contracts import registry as r
from kyodo_info_hub.bus.ties import HANDLERS as TIE_HANDLERS
from kyodo_info_hub.settings import CenterSettings
from kyodo_shared.bus.cloudevents import Envelope
from kyodo_shared.bus.dlq import tracked_in
from kyodo_shared.web.devissuer import DevIssuer
from kyodo_shared.web.gateway import mount_services

from support.calls import coordinator, ok
from support.harness import Backend, Platform, eventually, platform, settings_for
from support.info_hub_news import news_at
from support.info_hub_open_data import call, feed, group, result
from support.info_hub_trainings import announced, plan
from support.servers import delete_streams_sync

REP = "rep-canary-sub"  # every fed group's representative: never on a page


def feed_ties(p: Platform, *events: r.GroupTieDeclared | r.GroupTieWithdrawn) -> None:
    """The registry's tie events applied as info-hub's consumer applies them (the handler and the tracking in one
    transaction), as `support.info_hub_open_data.feed` does for the directory."""
    kernel = p.apps["info-hub"].state.kernel
    with kernel.db.transaction() as tx:
        for event in events:
            sequence = tracked_in(tx, "registry") + 1
            envelope = Envelope(
                id=str(uuid.uuid4()),
                source="registry",
                type=event.ce_type(),
                time=datetime(2026, 6, 1, 1, 0, tzinfo=UTC),
                subject="s",
                sequence=sequence,
                correlation_id="c",
                causation_id="c",
                data=event,
            )
            TIE_HANDLERS[type(event)](envelope, tx)
            kernel.ledger.advance(tx, "registry", sequence)


@dataclass
class Portal:
    p: Platform
    web: httpx.AsyncClient
    groups: dict[str, str]
    open_call: str
    decided_call: str
    news_id: str
    draft_news_id: str
    training_id: str


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def portal(tmp_path_factory: pytest.TempPathFactory, nats_url: str) -> AsyncIterator[Portal]:
    folder = tmp_path_factory.mktemp("portal-home")
    namespace = f"t{uuid.uuid4().hex[:8]}"
    issuer = DevIssuer.load_or_create(folder / "issuer")
    settings = settings_for(
        "info-hub",
        Backend("sqlite", folder),
        nats_url,
        namespace,
        issuer,
        center=CenterSettings(public_url="https://center.example"),
    )
    try:
        async with platform({"info-hub": settings}, issuer) as p:
            midori = group("みどりの会", fields_of_activity=["福祉"], area="本町")
            hikari = group("ひかりの会", fields_of_activity=["まちづくり"], area="光町")
            sakura = group("さくら子育てネット", fields_of_activity=["子育て", "福祉"], area="本町")
            feed(p, "registry", midori, hikari, sakura)
            feed(p, "registry", r.GroupSuspended(group_id=hikari.group_id, reason="活動実績の報告がありません"))
            ids = {g.profile.name: str(g.group_id) for g in (midori, hikari, sakura)}
            kept, ended = uuid.uuid4(), uuid.uuid4()
            feed_ties(
                p,
                r.GroupTieDeclared(
                    group_id=midori.group_id, tie_id=kept, kind=r.TieKind.COMMERCIAL, counterpart="みどり商店"
                ),
                r.GroupTieDeclared(
                    group_id=midori.group_id, tie_id=ended, kind=r.TieKind.POLITICAL, counterpart="某政党"
                ),
                r.GroupTieWithdrawn(group_id=midori.group_id, tie_id=ended),
            )
            deadline = datetime.now(UTC) + timedelta(days=3, hours=5)
            opened = call("子ども食堂の協働事業", title_en="Children's cafeteria partnership", deadline=deadline)
            decided = call("地域の居場所づくり協働事業")
            feed(p, "proposals", opened, decided)
            feed(
                p,
                "proposals",
                result(decided.call_id, [midori.group_id, sakura.group_id], hikari.group_id, "地域への効果が高い"),
            )
            news = await news_at(p, "published")
            draft = await news_at(p, "draft")
            training = await announced(p, plan(timedelta(days=5)))
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=mount_services(p.apps)), base_url="http://portal.test"
            ) as web:
                portal = Portal(
                    p, web, ids, str(opened.call_id), str(decided.call_id), news["id"], draft["id"], training["id"]
                )
                # The home page reads the news and trainings' query tables: wait for their projections.
                await eventually(lambda: page_has(portal, "/", f"/trainings/{training['id']}"), timeout=20)
                await eventually(lambda: page_has(portal, "/", f"/news/{news['id']}"), timeout=20)
                yield portal
    finally:
        delete_streams_sync(nats_url, f"{namespace.upper()}_")


async def page_has(portal: Portal, path: str, href: str) -> bool:
    return href in links(await get(portal, path))


async def get(portal: Portal, path: str, status: int = 200) -> html.HtmlElement:
    response = await portal.web.get(path)
    portal.web.cookies.clear()  # a language chosen by one test's `?lang=` is not kept for the next
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert REP not in response.text, "a restricted field on a page"
    return html.fromstring(response.text)


def links(doc: html.HtmlElement) -> dict[str, str]:
    """Each link of the page's main content: href → its text."""
    return {a.get("href"): a.text_content().strip() for a in doc.xpath("//main//a[@href]")}


def text(doc: html.HtmlElement) -> str:
    return " ".join(doc.xpath("//main")[0].text_content().split())


def headings_in_order(doc: html.HtmlElement) -> None:
    """One h1, and no heading deeper than one level below the one before it."""
    levels = [int(h.tag[1]) for h in doc.iter("h1", "h2", "h3", "h4", "h5", "h6")]
    assert levels[:1] == [1], levels
    assert levels.count(1) == 1, levels
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), levels


def labelled(doc: html.HtmlElement) -> None:
    """Every visible form control has a label tied to it."""
    labels = {label.get("for") for label in doc.iter("label")}
    for control in doc.xpath("//main//input[not(@type='hidden')] | //main//select | //main//textarea"):
        assert control.get("id") in labels, html.tostring(control)


async def test_the_home_page_shows_published_news_open_calls_with_their_deadline_and_upcoming_trainings(
    portal: Portal,
) -> None:
    doc = await get(portal, "/")
    assert doc.get("lang") == "ja"
    headings_in_order(doc)
    found = links(doc)
    assert found[f"/news/{portal.news_id}"] == "ボランティア募集"
    assert f"/news/{portal.draft_news_id}" not in found, "a draft is not news yet"
    assert found[f"/calls/{portal.open_call}"] == "子ども食堂の協働事業"
    assert f"/calls/{portal.decided_call}" not in found, "only open calls"
    assert found[f"/trainings/{portal.training_id}"] == "市民活動のための会計講座"
    call_item = doc.xpath(f"//a[@href='/calls/{portal.open_call}']/..")[0]
    assert call_item.xpath(".//time/@datetime"), "the deadline is a machine-readable time"
    assert "あと3日" in call_item.text_content(), call_item.text_content()
    for section in ("/groups", "/calls", "/news", "/trainings", "/open-data"):
        assert section in found


async def test_the_home_page_in_english_keeps_japanese_texts_marked_as_japanese(portal: Portal) -> None:
    doc = await get(portal, "/?lang=en")
    assert doc.get("lang") == "en"
    assert links(doc)[f"/calls/{portal.open_call}"] == "Children's cafeteria partnership"
    news = doc.xpath(f"//a[@href='/news/{portal.news_id}']")[0]
    assert news.get("lang") == "ja", "an item without English is shown in Japanese, marked so"
    assert "3 days" in text(doc)


async def test_the_directory_lists_groups_by_name_with_a_labelled_search_form(portal: Portal) -> None:
    doc = await get(portal, "/groups")
    headings_in_order(doc)
    labelled(doc)
    form = doc.xpath("//main//form")[0]
    assert (form.get("method"), form.get("action")) == ("get", "/groups")
    names = [a.text_content() for a in doc.xpath("//main//ul[contains(@class, 'group-list')]//h3/a")]
    assert names == sorted(portal.groups)
    assert "/groups/" + portal.groups["ひかりの会"] in links(doc)


async def test_the_directory_search_is_japanese_normalized_and_filters_by_field_area_and_status(
    portal: Portal,
) -> None:
    async def names(query: str) -> list[str]:
        doc = await get(portal, f"/groups?{query}")
        return [a.text_content() for a in doc.xpath("//main//ul[contains(@class, 'group-list')]//h3/a")]

    assert await names("q=さくら") == ["さくら子育てネット"]
    assert await names("q=ミドリ") == ["みどりの会"], "katakana finds hiragana"
    assert await names("q=ｻｸﾗ") == ["さくら子育てネット"], "half-width katakana too"
    assert await names("field=福祉") == ["さくら子育てネット", "みどりの会"]
    assert await names("area=光町") == ["ひかりの会"]
    assert await names("status=suspended") == ["ひかりの会"]
    assert await names("field=福祉&area=本町&q=みどり") == ["みどりの会"]
    doc = await get(portal, "/groups?status=suspended&field=まちづくり")
    assert doc.xpath("//select[@name='status']/option[@selected]/@value") == ["suspended"]
    assert doc.xpath("//input[@name='field']/@value") == ["まちづくり"]
    assert "/groups" in links(doc), "a link clears the filters"


async def test_the_directory_pages_with_links_that_keep_the_filters(portal: Portal) -> None:
    doc = await get(portal, "/groups?field=福祉&per_page=1")
    pager = doc.xpath("//nav[contains(@class, 'pagination')]")[0]
    hrefs = pager.xpath(".//a/@href")
    assert any("page=2" in h and "per_page=1" in h and "field=" in h for h in hrefs), hrefs
    assert pager.xpath(".//a[@aria-current='page']//span[@aria-hidden='true']/text()") == ["1"]
    second = await get(portal, "/groups?field=福祉&per_page=1&page=2")
    assert [a.text_content() for a in second.xpath("//main//ul[contains(@class, 'group-list')]//h3/a")] == [
        "みどりの会"
    ]
    assert second.xpath("//a[@rel='prev']/@href")


async def test_a_group_page_shows_its_profile_bylaws_ties_and_its_part_in_published_results(portal: Portal) -> None:
    gid = portal.groups["みどりの会"]
    doc = await get(portal, f"/groups/{gid}")
    headings_in_order(doc)
    assert doc.xpath("//h1/text()") == ["みどりの会"]
    found = links(doc)
    assert f"/api/registry/groups/{gid}/bylaws" in found
    # The ties are a table on the page: no link offers people the registry's JSON record.
    assert f"/api/registry/groups/{gid}" not in found
    assert found[f"/calls/{portal.decided_call}"] == "地域の居場所づくり協働事業"
    ties = doc.xpath("//table[caption[@id='ties-caption']]//tbody/tr")
    cells = [[" ".join(cell.text_content().split()) for cell in row.xpath("./th | ./td")] for row in ties]
    assert cells == [["みどり商店", "営利企業", "2026年6月1日"]]
    assert "某政党" not in text(doc), "a withdrawn tie is no longer in force"
    table = doc.xpath("//table[caption[@id='calls-caption']]")[0]
    assert table.xpath(".//th[@scope='col']")
    assert table.xpath(".//th[@scope='row']")
    row = table.xpath(".//tbody/tr")[0]
    assert "選定" in row.text_content()
    assert "1" in row.text_content()
    suspended = await get(portal, f"/groups/{portal.groups['ひかりの会']}")
    assert "登録停止" in text(suspended)
    assert "活動実績の報告がありません" in text(suspended)
    assert "不受理（団体登録の更新切れ）" in text(suspended), "a proposal set aside is shown with its reason"


async def test_a_group_page_in_english_names_its_status_and_outcome(portal: Portal) -> None:
    doc = await get(portal, f"/groups/{portal.groups['みどりの会']}?lang=en")
    assert doc.get("lang") == "en"
    assert "Registered" in text(doc)
    assert "Selected" in text(doc)


async def test_an_unknown_group_is_a_404_page_in_the_layout(portal: Portal) -> None:
    doc = await get(portal, f"/groups/{uuid.uuid4()}", 404)
    assert doc.xpath("//h1/text()") == ["団体が見つかりません"]
    english = await get(portal, f"/groups/{uuid.uuid4()}?lang=en", 404)
    assert english.xpath("//h1/text()") == ["Group not found"]


async def test_a_center_coordinator_token_changes_nothing_the_public_pages_show(portal: Portal) -> None:
    response = await portal.web.get("/news", headers=coordinator(portal.p))
    assert portal.draft_news_id not in response.text, "drafts are never on the public pages"
    await ok(portal.web.get("/api/info-hub/groups"))
