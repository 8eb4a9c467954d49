"""The portal's open data pages through the gateway (real NATS; info-hub on SQLite): every dataset of the
catalogue with its CSV and JSON links (each answering), licence and update time, the feeds (each answering), and a
dataset's data dictionary as a table with the API's fields — in Japanese and English; an unknown dataset is a 404
page.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio
from lxml import html

from kyodo_info_hub.settings import CenterSettings
from kyodo_shared.web.devissuer import DevIssuer
from kyodo_shared.web.gateway import mount_services

from support.harness import Backend, Platform, platform, settings_for
from support.info_hub_open_data import feed, group
from support.servers import delete_streams_sync


@dataclass
class Site:
    p: Platform
    web: httpx.AsyncClient
    catalogue: dict[str, Any]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def site(tmp_path_factory: pytest.TempPathFactory, nats_url: str) -> AsyncIterator[Site]:
    folder = tmp_path_factory.mktemp("portal-open-data")
    namespace = f"t{uuid.uuid4().hex[:8]}"
    issuer = DevIssuer.load_or_create(folder / "issuer")
    center = CenterSettings(public_url="https://center.example")
    settings = settings_for("info-hub", Backend("sqlite", folder), nats_url, namespace, issuer, center=center)
    try:
        async with platform({"info-hub": settings}, issuer) as p:
            feed(p, "registry", group("オープンデータの会"))
            gateway = mount_services(p.apps)
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=gateway), base_url="http://portal.test"
            ) as web:
                catalogue = (await web.get("/api/info-hub/open-data/datasets")).json()
                yield Site(p, web, catalogue)
    finally:
        delete_streams_sync(nats_url, f"{namespace.upper()}_")


async def page(site: Site, path: str, status: int = 200) -> html.HtmlElement:
    response = await site.web.get(path)
    site.web.cookies.clear()  # a language chosen by `?lang=` is not kept for the next request
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    return html.fromstring(response.text)


def hrefs(doc: html.HtmlElement) -> list[str]:
    return [str(a.get("href")) for a in doc.xpath("//main//a[@href]")]


async def test_the_open_data_page_lists_every_dataset_with_its_formats_licence_and_update_time(site: Site) -> None:
    doc = await page(site, "/open-data")
    table = doc.xpath("//table[caption]")[0]
    assert table.xpath(".//thead//th[@scope='col']")
    rows = table.xpath(".//tbody/tr")
    names = [row.xpath("./td[1]/code/text()")[0] for row in rows]
    assert names == [d["name"] for d in site.catalogue["datasets"]]
    for row, dataset in zip(rows, site.catalogue["datasets"], strict=True):
        title = row.xpath("./th[@scope='row']/a")[0]
        assert (title.get("href"), title.text_content()) == (f"/open-data/{dataset['name']}", dataset["title_ja"])
        downloads = row.xpath("./td[2]//a/@href")
        base = f"/api/info-hub/open-data/datasets/{dataset['name']}"
        assert downloads == [f"{base}.csv", f"{base}.json"], "links on this origin, never the public URL's host"
        assert row.xpath("./td[3]/time/@datetime")
    text = " ".join(doc.xpath("//main")[0].text_content().split())
    assert "CC BY 4.0" in text
    assert site.catalogue["licence"]["url"] not in hrefs(doc), "no link to another host"


async def test_every_download_and_feed_the_page_links_answers(site: Site) -> None:
    doc = await page(site, "/open-data")
    linked = [h for h in hrefs(doc) if h.startswith("/api/")]
    assert any(h.endswith(".atom") for h in linked)
    assert any(h.endswith("trainings.ics") for h in linked)
    for href in linked:
        response = await site.web.get(href)
        assert response.status_code == 200, href
    groups_csv = await site.web.get("/api/info-hub/open-data/datasets/groups.csv")
    assert "オープンデータの会" in groups_csv.content.decode("utf-8-sig")


async def test_a_datasets_page_shows_its_data_dictionary_as_the_api_gives_it(site: Site) -> None:
    dictionary = (await site.web.get("/api/info-hub/open-data/datasets/groups")).json()
    doc = await page(site, "/open-data/groups")
    assert doc.xpath("//h1/text()") == [dictionary["title_ja"]]
    table = doc.xpath("//table[contains(@class, 'dictionary')]")[0]
    assert table.xpath("./caption")
    assert len(table.xpath(".//thead//th[@scope='col']")) == 5
    rows = [
        tuple(" ".join(cell.text_content().split()) for cell in row.xpath("./th | ./td"))
        for row in table.xpath(".//tbody/tr")
    ]
    expected = [
        (f["field"], f["csv_header"], f["type"], f["description_ja"], f["description_en"]) for f in dictionary["fields"]
    ]
    assert rows == expected
    assert "/api/info-hub/open-data/datasets/groups.csv" in hrefs(doc)


async def test_the_open_data_pages_in_english(site: Site) -> None:
    doc = await page(site, "/open-data/groups?lang=en")
    assert doc.get("lang") == "en"
    assert doc.xpath("//h1/text()") == [site.catalogue["datasets"][0]["title_en"]]
    listing = await page(site, "/open-data?lang=en")
    assert listing.xpath("//h1/text()") == ["Open data"]


async def test_an_unknown_dataset_is_a_404_page(site: Site) -> None:
    doc = await page(site, "/open-data/no-such-dataset", 404)
    assert doc.xpath("//h1/text()") == ["データセットが見つかりません"]
