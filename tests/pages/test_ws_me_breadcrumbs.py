"""Where a page under `/me` sits, as the center's pages say where theirs do: breadcrumbs Home › My page › the list ›
this page, on a coordination case (`/me/cases/{cid}`, named by the start of its problem), a training's registration
page (`/me/trainings/{tid}`, by its title) and their lists, in Japanese and English (info-hub with the registry
beside it, real stores, real NATS, logged-in browsers)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio

from support.info_hub_cases import HUB, raised, world
from support.info_hub_trainings import announced, plan
from support.page_reading import text, well_formed
from support.workspace import Site, workspace


@pytest_asyncio.fixture
async def site(tmp_path: Path, nats_url: str, bus_namespace: str) -> AsyncIterator[Site]:
    async with workspace(["registry", HUB], tmp_path, nats_url, bus_namespace) as running:
        yield running


def crumbs(page: Any) -> list[tuple[str | None, str]]:
    """The breadcrumbs' (href, text), the last (this page) with no link and marked as the current page."""
    (trail,) = page.xpath("//nav[@class='breadcrumbs']")
    items = trail.xpath(".//li")
    assert items[-1].xpath(".//*[@aria-current='page']")
    return [(next(iter(li.xpath("./a/@href")), None), text(li)) for li in items]


async def test_a_case_and_a_training_under_me_say_where_they_sit(site: Site) -> None:
    p = site.platform
    w = await world(p)
    case = await raised(p, w, problem_ja="子育て中の親が気軽に集まれる場所が地域に足りず、週末に開ける部屋を探している")
    raiser = site.browser("rep-g", "group")
    path = f"/me/cases/{case['id']}"
    page = well_formed(await raiser.page(path, lang="ja"))
    assert crumbs(page) == [
        ("/", "ホーム"),
        ("/me", "マイページ"),
        ("/me/cases", "相談案件"),
        (None, "子育て中の親が気軽に集まれる場所が地域に足りず、週末に開け…"),  # its first 29 characters and …
    ]
    english = crumbs(well_formed(await raiser.page(path, lang="en")))
    assert english[:3] == [("/", "Home"), ("/me", "My page"), ("/me/cases", "Coordination cases")]
    assert english[3][1].startswith("子育て中の親が")  # the problem has no English: its Japanese, marked so
    assert well_formed(await raiser.page(path, lang="en")).xpath("//nav[@class='breadcrumbs']//li[4]//*[@lang='ja']")
    assert crumbs(well_formed(await raiser.page("/me/cases", lang="ja")))[-1] == (None, "相談案件")
    assert crumbs(well_formed(await raiser.page("/me/cases/new", lang="ja")))[2:] == [
        ("/me/cases", "相談案件"),
        (None, "相談する"),
    ]

    training = await announced(p, plan())
    staff = site.browser("staff-a", "staff")
    page = well_formed(await staff.page(f"/me/trainings/{training['id']}", lang="ja"))
    assert crumbs(page) == [
        ("/", "ホーム"),
        ("/me", "マイページ"),
        ("/me/trainings", "研修会・講座の申込"),
        (None, "市民活動のための会計講座"),
    ]
    english = crumbs(well_formed(await staff.page(f"/me/trainings/{training['id']}", lang="en")))
    assert english[2:] == [("/me/trainings", "Training registration"), (None, "Bookkeeping for civic groups")]
    assert crumbs(well_formed(await staff.page("/me/trainings", lang="ja")))[-1] == (None, "研修会・講座の申込")
