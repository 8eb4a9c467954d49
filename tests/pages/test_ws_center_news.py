"""info-hub's center pages for coordinators (real stores, real NATS): `/center` lists the programmes; news at
`/center/news…` goes from a draft to published on the portal's `/news`, a correction shows there with its note;
wrong input is shown beside its field in Japanese and English; a group's person gets the 403 page and nothing is
stored; a post without the CSRF token is refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from support.info_hub_cases import HUB
from support.page_reading import links, well_formed
from support.workspace import Site, workspace


@pytest_asyncio.fixture
async def site(tmp_path: Path, nats_url: str, bus_namespace: str) -> AsyncIterator[Site]:
    async with workspace(["registry", HUB], tmp_path, nats_url, bus_namespace) as running:
        yield running


async def test_the_center_page_lists_the_programmes_for_a_coordinator_only(site: Site) -> None:
    page = await site.browser("coord-1", "coordinator").page("/center")
    well_formed(page)
    assert {"/center/news", "/center/exchange", "/center/trainings", "/center/surveys", "/me/cases"} <= set(links(page))
    refused = await site.browser("rep-g", "group").get("/center")
    assert refused.status_code == 403
