"""The center's provisional statistics (暫定) of an open survey at `/center/surveys/{sid}` (real stores, real NATS,
a logged-in coordinator): before the close the page previews the statistics over the answers submitted so far,
computed and protected by the close's own code — a suppressed cell shown in words, its count nowhere on the page, no
group named —, labelled provisional; each table with a suppressed cell links once to why. After the close the
published statistics of the same answers show the same cells. A group's person gets the 403 page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest_asyncio

from support.harness import eventually
from support.info_hub_cases import HUB, move_hub_clock
from support.info_hub_surveys import TOKYO, announced, answer, center, drafted, hub, invited, put_answer, questionnaire
from support.page_reading import text, well_formed
from support.workspace import Site, workspace

# Three invited groups: two of them 子育て (kids) with 12 members, one 福祉 (welfare) with 40.
ANSWERS = (("招待の会1", 12, "kids"), ("招待の会2", 12, "kids"), ("招待の会3", 40, "welfare"))


@pytest_asyncio.fixture
async def site(tmp_path: Path, nats_url: str, bus_namespace: str) -> AsyncIterator[Site]:
    async with workspace([HUB], tmp_path, nats_url, bus_namespace) as running:
        yield running


def field_cells(page: Any) -> list[list[str]]:
    rows = page.xpath("//table[caption[@id='stats-caption-field']]/tbody/tr")
    return [[text(td) for td in row.xpath("td")] for row in rows]


def statistics_part(page: Any) -> str:
    """The page's text from the statistics' heading on."""
    heading = page.xpath("//h2[@id='statistics-heading']")[0]
    return text(heading) + " ".join(text(e) for e in heading.xpath("following-sibling::*"))


async def test_an_open_surveys_provisional_statistics_show_a_suppressed_cell_without_its_count(site: Site) -> None:
    p = site.platform
    body = questionnaire(datetime.now(TOKYO) - timedelta(days=2))  # opened yesterday, closes in nine days
    survey = await drafted(p, body)
    sid, path = survey["id"], f"/center/surveys/{survey['id']}"
    links = [await invited(p, sid, name) for name, _, _ in ANSWERS]
    await announced(p, (await hub(p).get(f"/surveys/{sid}", headers=center(p))).json())
    p.apps[HUB].state.kernel.nudge()
    coordinator = site.browser("coord-1", "coordinator")

    # Open, nothing submitted yet: the preview is there, provisional, of no answers.
    async def opened() -> list[Any]:
        page = await coordinator.page(path, lang="ja")
        return [page] if page.xpath("//*[@id='provisional-note']") else []

    (page,) = await eventually(opened, timeout=30)
    well_formed(page)
    assert "暫定" in text(page.xpath("//h2[@id='statistics-heading']")[0])
    assert "これまでに3団体中0団体が回答を提出しました" in text(page)

    async def answered_all() -> bool:
        for link, (_, members, field) in zip(links, ANSWERS, strict=True):
            sent = await put_answer(p, sid, link["invitation_id"], answer(members, field), token=link["token"])
            if sent.status_code != 200:
                return False
        return True

    await eventually(answered_all, timeout=30)
    assert (await hub(p).get(f"/surveys/{sid}/statistics")).status_code != 200  # nothing published

    # 福祉 (1 group) and 子育て (2) suppressed, shown in words; まちづくり's zero shown; the counts nowhere.
    provisional = {}
    for lang, word, label in (("ja", "秘匿", "暫定"), ("en", "Suppressed", "Provisional")):
        page = well_formed(await coordinator.page(path, lang=lang))
        assert label in text(page.xpath("//h2[@id='statistics-heading']")[0])
        assert page.xpath("//*[@id='provisional-note']")
        cells = field_cells(page)
        assert cells == [[word, word], [word, word], ["0", "0.0%"]]
        provisional[lang] = cells
        shown = statistics_part(page)
        for name, _, _ in ANSWERS:
            assert name not in shown  # the preview names no group
        for share in ("33.3", "66.7"):
            assert share not in shown  # 1 and 2 of 3, as shares, nowhere
        # One link to why per table with a suppressed cell, in its caption — not one per cell.
        caption = page.xpath("//caption[@id='stats-caption-field']")[0]
        assert caption.xpath(".//a/@href") == ["#suppression-note"]
        table = page.xpath("//table[caption[@id='stats-caption-field']]")[0]
        assert len(table.xpath(".//a[@href='#suppression-note']")) == 1
    # A group's person gets the 403 page.
    refused = await site.browser("rep-g", "group").get(path)
    assert refused.status_code == 403
    assert "text/html" in refused.headers["content-type"]

    # Closed: the published statistics of the same answers show the same cells, no longer provisional.
    move_hub_clock(p, datetime.fromisoformat(body["closes_at"]) + timedelta(minutes=1))
    p.apps[HUB].state.kernel.nudge()

    async def published() -> bool:
        return (await hub(p).get(f"/surveys/{sid}/statistics")).status_code == 200

    await eventually(published, timeout=30)
    for lang in ("ja", "en"):
        page = well_formed(await coordinator.page(path, lang=lang))
        assert not page.xpath("//*[@id='provisional-note']")
        assert field_cells(page) == provisional[lang]
