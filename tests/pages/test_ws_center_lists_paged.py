"""The center's lists that used to stop at their first 100 rows without a word — every survey at `/center/surveys`
and every case at `/me/cases` — go page by page in the repo's one style (`?page=`, `?per_page=`, the kit's
"showing n–m of N" and its page links), as the center's news, trainings and figures do (info-hub with the registry
beside it, real stores, real NATS, a coordinator's browser)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest_asyncio

from support.harness import eventually
from support.info_hub_cases import HUB, raised, world
from support.info_hub_surveys import drafted, questionnaire
from support.page_reading import text, well_formed
from support.workspace import Browser, Site, workspace


@pytest_asyncio.fixture
async def site(tmp_path: Path, nats_url: str, bus_namespace: str) -> AsyncIterator[Site]:
    async with workspace(["registry", HUB], tmp_path, nats_url, bus_namespace) as running:
        yield running


def rows(page: Any) -> list[str]:
    return [text(r) for r in page.xpath("//main//table//tbody/tr")]


def summary(page: Any) -> str:
    found = page.xpath("//p[contains(@class, 'pagination-summary')]")
    return text(found[0]) if found else ""


def next_page(page: Any) -> str | None:
    found = page.xpath("//nav[@class='pagination']//a[@rel='next']/@href")
    return str(found[0]) if found else None


async def paged_through(browser: Browser, path: str, count: int) -> None:
    """`count` rows two to a page: the summary says which of how many, the next page's link leads to the rest."""
    first = well_formed(await browser.page(path, lang="ja", per_page="2"))
    assert len(rows(first)) == 2
    assert summary(first) == f"全{count}件中 1–2件を表示"
    following = next_page(first)
    assert following is not None
    where, query = urlsplit(following).path, dict(parse_qsl(urlsplit(following).query))
    assert (where, query) == (path, {"page": "2", "per_page": "2", "lang": "ja"})
    second = well_formed(await browser.page(path, **query))
    assert len(rows(second)) == count - 2
    assert summary(second) == f"全{count}件中 3–{count}件を表示"
    assert next_page(second) is None
    assert not (set(rows(first)) & set(rows(second)))
    english = well_formed(await browser.page(path, lang="en", per_page="2"))
    assert summary(english) == f"Showing 1–2 of {count}"


async def test_the_center_reads_every_survey_and_every_case_page_by_page(site: Site) -> None:
    p = site.platform
    center = site.browser("coord-1", "coordinator")

    for n in range(3):
        await drafted(p, questionnaire(title_ja=f"市民活動団体実態調査 その{n + 1}"))

    async def listed() -> bool:
        page = await center.page("/center/surveys", lang="ja")
        return len(rows(page)) == 3

    await eventually(listed, timeout=30)  # the surveys' query table is filled by a projection after the save
    await paged_through(center, "/center/surveys", 3)

    w = await world(p)
    for n in range(3):
        await raised(p, w, problem_ja=f"地域の居場所が足りない（{n + 1}）")

    async def raised_all() -> bool:
        return len(rows(await center.page("/me/cases", lang="ja"))) == 3

    await eventually(raised_all, timeout=30)
    await paged_through(center, "/me/cases", 3)
