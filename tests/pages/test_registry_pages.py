"""The registry's pages through the gateway (real store, real NATS): a committee's public roster at
`/registry/committees/{id}` shows what the public JSON beside it shows — the committee's kind and name, its members'
names as published with their roles and terms, its chair and vice-chair — in Japanese and English through the
catalog; an unknown committee is a 404 page."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio
from lxml import html as lxml_html

from kyodo_shared.web.devissuer import DevIssuer
from kyodo_shared.web.gateway import mount_services

from support.calls import appointed_committee
from support.harness import Backend, Platform, platform, settings_for
from support.portal_b import headings_in_order, one, table, text
from support.servers import delete_streams_sync

# appointed_committee names them 委員0, 委員1, 委員2 in this order, with terms from yesterday for 700 days.
MEMBERS = ["rv-a", "rv-b", "rv-c"]
CHAIR, VICE_CHAIR = "rv-b", "rv-c"


@dataclass
class Registry:
    platform: Platform
    browser: httpx.AsyncClient  # through the gateway, as a reader's browser: pages and the API on one origin
    committee_id: str

    async def page(self, path: str, status: int = 200, **params: Any) -> Any:
        response = await self.browser.get(path, params=params)
        assert response.status_code == status, (response.status_code, response.text[:2000])
        assert response.headers["content-type"].startswith("text/html")
        return lxml_html.document_fromstring(response.text)


@pytest_asyncio.fixture(scope="module")
async def registry(nats_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Registry]:
    folder = tmp_path_factory.mktemp("registry-pages")
    issuer = DevIssuer.load_or_create(folder / "issuer")
    namespace = f"t{uuid.uuid4().hex[:8]}"
    settings = settings_for("registry", Backend("sqlite", folder), nats_url, namespace, issuer)
    try:
        async with platform({"registry": settings}, issuer) as p:  # runs the registry's lifespan
            today = p.apps["registry"].state.kernel.application.today()
            committee_id = await appointed_committee(
                p, "review_board", "協働事業審査会", MEMBERS, CHAIR, VICE_CHAIR, today
            )
            transport = httpx.ASGITransport(app=mount_services(p.apps))
            async with httpx.AsyncClient(transport=transport, base_url="http://kyodo.test") as browser:
                yield Registry(p, browser, committee_id)
    finally:
        delete_streams_sync(nats_url, f"{namespace.upper()}_")


async def test_a_committee_page_shows_the_roster_the_public_json_shows_in_japanese(registry: Registry) -> None:
    roster = (await registry.browser.get(f"/api/registry/committees/{registry.committee_id}")).json()
    page = await registry.page(f"/registry/committees/{registry.committee_id}")

    assert one(page, "/html").get("lang") == "ja"
    assert headings_in_order(page)
    assert text(one(page, "//h1")) == "協働事業審査会"
    rows = table(page, "委員と任期")
    assert rows[0] == ["氏名", "役職", "任期の開始", "任期の終了"]
    # Every member the JSON lists, by name, officers first, with the role in words and the terms as the kit writes
    # dates: the same people, in the same order.
    start, end = (date.fromisoformat(roster["members"][0][k]) for k in ("term_start", "term_end"))
    shown = [(row[0], row[1]) for row in rows[1:]]
    assert shown == [
        (m["name"], {"chair": "委員長", "vice_chair": "副委員長", "member": "委員"}[m["role"]])
        for m in roster["members"]
    ]
    assert shown == [("委員1", "委員長"), ("委員2", "副委員長"), ("委員0", "委員")]
    assert rows[1][2:] == [f"{start.year}年{start.month}月{start.day}日", f"{end.year}年{end.month}月{end.day}日"]
    facts = dict(
        zip((text(dt) for dt in page.xpath("//dl/dt")), (text(dd) for dd in page.xpath("//dl/dd")), strict=True)
    )
    assert (facts["委員会の種類"], facts["委員長"], facts["副委員長"]) == ("協働事業審査会", "委員1", "委員2")
    on = date.fromisoformat(roster["on"])
    fiscal = on.year if on.month >= 4 else on.year - 1
    assert facts["名簿の基準日"] == f"{on.year}年{on.month}月{on.day}日（本日）"
    assert facts["年度"].endswith(f"（{fiscal}年度）")
    # Nothing beyond the JSON, and the identity provider's ids stay there, for programs.
    assert not any(sub in text(one(page, "//main")) for sub in MEMBERS)
    assert one(page, "//a[contains(., 'JSON')]").get("href") == f"/api/registry/committees/{registry.committee_id}"


async def test_a_committee_page_reads_in_english_through_the_catalog(registry: Registry) -> None:
    page = await registry.page(f"/registry/committees/{registry.committee_id}", lang="en")
    assert one(page, "/html").get("lang") == "en"
    assert headings_in_order(page)
    rows = table(page, "officers first")
    assert rows[0] == ["Name", "Role", "Term from", "Term to"]
    assert [(row[0], row[1]) for row in rows[1:]] == [("委員1", "Chair"), ("委員2", "Vice-chair"), ("委員0", "Member")]
    words = text(one(page, "//main"))
    assert "Collaboration project review board" in words
    assert "Roster as of" in words
    assert re.search(r"FY\d{4} \(Reiwa \d+\)", words)  # the kit's fiscal_year, in English
    assert "委員長" not in words  # every label from the catalog, names as published
    # The language stays with the reader (cookie): the next page is English too.
    again = await registry.page(f"/registry/committees/{registry.committee_id}")
    assert one(again, "/html").get("lang") == "en"
    await registry.page(f"/registry/committees/{registry.committee_id}", lang="ja")


async def test_the_roster_on_a_day_before_the_terms_has_no_members(registry: Registry) -> None:
    long_ago = date.today() - timedelta(days=3000)
    page = await registry.page(f"/registry/committees/{registry.committee_id}", on=long_ago.isoformat())
    assert not page.xpath("//table")
    assert "この日に在任している委員はいません。" in text(one(page, "//main"))
    json = (
        await registry.browser.get(
            f"/api/registry/committees/{registry.committee_id}", params={"on": long_ago.isoformat()}
        )
    ).json()
    assert json["members"] == []


async def test_an_unknown_committee_is_a_404_page_that_says_so(registry: Registry) -> None:
    for missing in (str(uuid.uuid4()), "not-a-committee"):
        page = await registry.page(f"/registry/committees/{missing}", status=404)
        assert headings_in_order(page)
        assert "委員会" in text(one(page, "//h1"))
        assert not page.xpath("//table")
