"""The portal's calls and results pages (real store, real NATS): calls by state with deadlines in Japan time and the
time left; a call's criteria, rules and board; results only once published, naming each group from the directory
(never a bare id; an unknown group said to be so), scores exact and readable, recusals, reasons and the revealed
seed with the command that recomputes the decision."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest_asyncio

from support.harness import Backend
from support.info_hub_open_data import call, group, result
from support.portal_b import Portal, headings_in_order, one, portal, table, text


@pytest_asyncio.fixture(loop_scope="session")
async def hub(tmp_path: Path, nats_url: str, bus_namespace: str, backend: Backend) -> AsyncIterator[Portal]:
    async with portal(tmp_path, backend, nats_url, bus_namespace) as found:
        yield found


async def test_results_name_the_groups_and_show_exact_scores_only_once_published(hub: Portal) -> None:
    first, second = group("こくぶんじ子ども食堂"), group("西元町 見守り隊")
    hub.feed(first, second)
    published = call("地域の居場所づくり協働事業")
    hub.feed(published)
    call_id = published.call_id

    # Before the decision: the call is open, and its results page says they are not published, with no score.
    before = await hub.page(f"/calls/{call_id}/results", status=404)
    assert headings_in_order(before)
    assert not before.xpath("//table")
    assert not before.xpath("//data")
    assert "13/2" not in text(before)

    stranger = uuid.uuid4()  # a group the directory never heard of, set aside at the deadline
    ranked = [first.group_id, second.group_id]
    hub.feed(result(call_id, ranked, set_aside=stranger, reasons="地域との連携が具体的であるため"))
    page = await hub.page(f"/calls/{call_id}/results")
    assert headings_in_order(page)
    rows = table(page, "順位順の提案")
    # Six columns that fit a desktop screen; the criterion means in a table of their own below.
    assert rows[0] == ["順位", "団体", "得点", "結果", "同点", "回避した委員の数"]
    # Names, not ids; the scores exact in <data value> and readable: 9/1 is 9, 13/2 is 6.50.
    assert [row[1] for row in rows[1:]] == ["こくぶんじ子ども食堂", "西元町 見守り隊"]
    assert all(str(gid) not in text(page.xpath("//table")[0]) for gid in ranked)
    scores = page.xpath("(//table)[1]//tbody//tr/td[2]/data")
    assert [(d.get("value"), text(d)) for d in scores] == [("9", "9"), ("13/2", "6.5")]
    assert [row[3:] for row in rows[1:]] == [["選定", "いいえ", "0"], ["合格（選定外）", "いいえ", "1"]]
    means_rows = table(page, "評価基準ごとの平均点")
    assert means_rows[0] == ["順位", "団体", "効果", "実現性"]
    assert [row[:2] for row in means_rows[1:]] == [["1", "こくぶんじ子ども食堂"], ["2", "西元町 見守り隊"]]
    means = [(d.get("value"), text(d)) for d in page.xpath("(//table)[2]//tbody//tr[2]/td/data")]
    assert means == [("9/4", "2.25"), ("2", "2")]
    # The group set aside is not in the directory: said plainly, with its id beside.
    aside = table(page, "審査に回されなかった提案")
    assert "団体一覧にありません" in aside[1][0]
    assert str(stranger) in aside[1][0]
    assert "地域との連携が具体的であるため" in text(page)
    assert "c" * 64 in text(page)
    assert f"kyodo audit recompute {call_id}" in text(one(page, "//pre"))


async def test_the_call_page_shows_criteria_rules_and_the_deadline_with_time_left_in_both_languages(
    hub: Portal,
) -> None:
    published = call("子育てひろば協働事業", passing_score="121/4")
    hub.feed(published)
    kernel = hub.platform.apps["info-hub"].state.kernel
    deadline = published.rules.deadline  # 2026-07-31 17:00 in Tokyo
    kernel.clock = lambda: deadline - timedelta(days=3, hours=4, minutes=5)

    page = await hub.page(f"/calls/{published.call_id}")
    assert headings_in_order(page)
    assert text(one(page, "//h1")) == "子育てひろば協働事業"
    criteria = table(page, "重みおよび配点")
    # Named for people: no developer key column, the maximum points beside the weight.
    assert criteria[0] == ["評価基準", "重み", "配点"]
    assert criteria[1:] == [["効果", "2", "5"], ["実現性", "1", "5"]]
    ties = text(one(page, "//dt[. = '同点の場合']/following-sibling::dd[1]"))
    assert "効果" in ties  # the priority order by the criteria's names
    assert "impact" not in text(one(page, "//main"))
    assert "2026年7月31日 17:00" in text(page)
    assert "あと3日と4時間" in text(one(page, "//time[contains(@class, 'countdown')]"))
    passing = one(page, "//dd/data")
    assert (passing.get("value"), text(passing)) == ("121/4", "30.25")
    # The board's roster is the registry's page, not its JSON.
    assert one(page, "//a[contains(@href, '/committees/')]").get("href") == (
        f"/registry/committees/{published.rules.committee_id}"
    )

    english = await hub.page(f"/calls/{published.call_id}", lang="en")
    assert one(english, "/html").get("lang") == "en"
    assert "31 Jul 2026 17:00 JST" in text(english)
    assert "3 days 4 hours left" in text(english)
    assert table(english, "weights")[2][0] == "Feasibility"

    listing = await hub.page("/calls", lang="ja")  # the English page above kept English in the cookie
    assert headings_in_order(listing)
    open_calls = table(listing, "募集中")
    assert any("子育てひろば協働事業" in row[0] and "あと3日と4時間" in row[1] for row in open_calls[1:])
    # How many, in each language's grammar: Japanese has one form, English a singular and a plural.
    assert text(one(listing, "//caption[contains(., '募集中')]")).endswith("— 1件")
    english_listing = await hub.page("/calls", lang="en")
    caption = text(one(english_listing, "//caption[contains(., 'Open for proposals')]"))
    assert caption.endswith("— 1 call")
    assert "(s)" not in text(english_listing)


async def test_an_unknown_call_is_a_page_that_says_so(hub: Portal) -> None:
    page = await hub.page("/calls/00000000-0000-0000-0000-000000000000", status=404)
    assert "募集が見つかりません" in text(one(page, "//h1"))
