"""The evaluation workspace's project and self-evaluation pages as a partner reads them (real stores, real NATS, the
registry beside evaluation, logged-in browsers): the self-evaluation deadline — 00:00 in Tokyo — reads as the end of
the day before (not as that day at 00:00), on the self-evaluation page, the project page and the project list, in
Japanese and English; the versions table shows each hash shortened (the full one kept for screen readers and in its
title); the budget reads without a stray space; the default criteria are written in full-width brackets."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest_asyncio

from support.evaluation_committee_pages import Scene, committee_scene
from support.evaluation_http import ended, read
from support.portal_b import text

TOKYO = ZoneInfo("Asia/Tokyo")
WEEKDAYS_JA = "月火水木金土日"


@pytest_asyncio.fixture(scope="module")
async def scene(tmp_path_factory: Any, nats_url: str) -> AsyncIterator[Scene]:
    async with committee_scene(tmp_path_factory.mktemp("ws-evaluation-project"), nats_url) as made:
        yield made


async def test_a_deadline_at_midnight_reads_as_the_end_of_the_day_before_in_both_languages(scene: Scene) -> None:
    p = scene.p
    pid = await ended(p, scene.w)
    deadline = datetime.fromisoformat((await read(p, pid))["self_evaluation_deadline"]).astimezone(TOKYO)
    assert deadline.time() == time(0, 0)
    day = deadline.date() - timedelta(days=1)
    ja = f"{day.year}年{day.month}月{day.day}日（{WEEKDAYS_JA[day.weekday()]}）まで"
    en = f"by the end of {day:%a} {day.day} {day:%b} {day.year}"

    rep = scene.site.browser("rep-g", "group")
    page = await rep.page(f"/evaluation/projects/{pid}/self-evaluation", lang="ja")
    due = page.xpath("//dt[text()='提出期限']/following-sibling::dd[1]")[0]
    assert text(due) == ja
    # The machine-readable moment stays the deadline itself.
    assert due.xpath(".//time/@datetime") == [deadline.isoformat()]
    assert "00:00" not in text(page.xpath("//main")[0])
    project = await rep.page(f"/evaluation/projects/{pid}", lang="ja")
    assert f"自己評価の提出期限は{ja}です。" in text(project)
    listing = await rep.page("/evaluation/projects", lang="ja")
    assert f"自己評価：{ja}" in text(listing)

    english = scene.site.browser("rep-g", "group")
    page = await english.page(f"/evaluation/projects/{pid}/self-evaluation", lang="en")
    assert text(page.xpath("//dt[text()='Deadline']/following-sibling::dd[1]")[0]) == en
    assert f"Self-evaluations are due {en}." in text(await english.page(f"/evaluation/projects/{pid}", lang="en"))
    assert f"Self-evaluation due {en}" in text(await english.page("/evaluation/projects", lang="en"))


async def test_the_versions_table_shows_short_hashes_and_the_budget_and_criteria_read_cleanly(scene: Scene) -> None:
    p = scene.p
    pid = await ended(p, scene.w)
    rep = scene.site.browser("liaison-1", "staff")
    page = await rep.page(f"/evaluation/projects/{pid}", lang="ja")
    full = (await read(p, pid))["agreement"]["hash"]
    cell = page.xpath("//table[caption[@id='versions-caption']]/tbody/tr[1]/td/code[contains(@class, 'hash')]")[0]
    assert cell.get("title") == full
    assert cell.xpath("span[@aria-hidden='true']/text()") == [f"{full[:12]}…"]
    assert cell.xpath("span[@class='visually-hidden']/text()") == [full]
    budget = text(page.xpath("//dt[text()='予算']/following-sibling::dd[1]")[0])
    assert re.fullmatch(r"[\d,]+円（市[\d,]+円、団体[\d,]+円）", budget), budget
    form = await scene.site.browser("rep-g", "group").page(f"/evaluation/projects/{pid}/self-evaluation", lang="ja")
    assert "協働の効果（情報共有・役割分担・信頼関係）" in text(form)
    assert "協働の効果(" not in text(form)
