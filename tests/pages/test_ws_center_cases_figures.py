"""The coordination window's monthly figures for the center at `/center/cases/figures` (real stores, real NATS): a
coordinator publishes a past month that has none, which is then listed (linking to the API's figures); the current
month, a month written wrongly and a month published already are refused on the form in Japanese and English; a
group's person gets the 403 page, a post without the CSRF token is refused, and nothing is stored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest_asyncio

from support.harness import eventually
from support.info_hub_cases import HUB, hub_now
from support.page_reading import doc, error_beside, links, text, well_formed
from support.workspace import Site, workspace

PATH = "/center/cases/figures"


@pytest_asyncio.fixture
async def site(tmp_path: Path, nats_url: str, bus_namespace: str) -> AsyncIterator[Site]:
    async with workspace([HUB], tmp_path, nats_url, bus_namespace) as running:
        yield running


async def test_the_center_publishes_a_past_month_that_has_no_figures(site: Site) -> None:
    p = site.platform
    center, group = site.browser("coord-1", "coordinator"), site.browser("rep-g", "group")
    now = hub_now(p)
    this_month = now.strftime("%Y-%m")
    last_month = (now.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    for lang in ("ja", "en"):
        well_formed(await center.page(PATH, lang=lang))
    assert "公表済みの月はまだありません" in text(await center.page(PATH, lang="ja"))
    assert PATH in links(await center.page("/me/cases"))
    assert PATH not in links(await group.page("/me/cases"))

    before = site.domain_events(HUB)
    for lang in ("ja", "en"):
        for month in ("2026/11", this_month):
            wrong = await center.post(f"{PATH}?lang={lang}", {"month": month})
            assert wrong.status_code == 422, wrong.text[:2000]
            assert error_beside(well_formed(doc(wrong.text)), "month")
    assert (await group.get(PATH)).status_code == 403
    assert (await group.post(PATH, {"month": last_month})).status_code == 403
    assert (await center.post(PATH, {"month": last_month}, csrf=False)).status_code == 403
    assert site.domain_events(HUB) == before

    done = await center.post(PATH, {"month": last_month})
    assert done.status_code == 303, done.text[:2000]
    assert done.headers["location"] == f"{PATH}?done=case_figures_published"
    page = await center.page(PATH, lang="ja", done="case_figures_published")
    assert "月次の集計を公表しました" in text(page)

    # Listed once info-hub's query table has it (a projection of the published figures).
    async def listed() -> bool:
        return f"/api/info-hub/cases/statistics/{last_month}" in links(await center.page(PATH))

    await eventually(listed, timeout=30)
    published = await p.clients[HUB].get(f"/cases/statistics/{last_month}")
    assert published.status_code == 200, published.text
    assert published.json()["received"] == 0

    for lang, words in (("ja", "公表済み"), ("en", "published already")):
        again = await center.post(f"{PATH}?lang={lang}", {"month": last_month})
        assert again.status_code == 409
        assert words in text(doc(again.text).xpath("//*[@data-error-summary]")[0])
