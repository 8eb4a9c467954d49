"""The portal's survey pages (real store, real NATS): the list (open surveys with their window, closed ones with their
statistics), and a closed survey's statistics — per question a bar chart (HTML words, SVG bars) named by its title
and described, followed by its data table; suppressed cells (秘匿) as words with the rule explained, never a number or
a bar, checked against the published statistics JSON and the answers the groups really gave; the response rate; the
cross-tab as a table with headers; the mean where published."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest_asyncio

from support.harness import Backend, eventually
from support.info_hub_cases import move_hub_clock
from support.info_hub_surveys import TOKYO, announced, answer, center, drafted, hub, invited, put_answer, questionnaire
from support.portal_b import Portal, headings_in_order, one, portal, text

SVG = "http://www.w3.org/2000/svg"
# Seven invited groups: their main field and members, and what they lack (a multiple choice).
FIELDS = ["welfare"] * 5 + ["kids"] * 2
MEMBERS = [3, 12, 15, 40, 8, 22, 5]
NEEDS = [["place", "people"]] * 6 + [["place", "money"]]
FREE_TEXT = "センターへの意見の検査文7f3e"


@pytest_asyncio.fixture(loop_scope="session")
async def hub_pages(tmp_path: Path, nats_url: str, bus_namespace: str, backend: Backend) -> AsyncIterator[Portal]:
    async with portal(tmp_path, backend, nats_url, bus_namespace) as found:
        yield found


async def closed_survey(pages: Portal) -> tuple[dict[str, Any], dict[str, Any]]:
    """A survey opened already, answered by seven invited groups, closed by its timer on the moved clock: the
    survey as drafted and its published statistics (the API's JSON)."""
    p = pages.platform
    body = questionnaire(datetime.now(TOKYO) - timedelta(days=2))
    survey = await drafted(p, body)
    links = [await invited(p, survey["id"], f"招待の会{n}") for n in range(len(FIELDS))]
    await announced(p, (await hub(p).get(f"/surveys/{survey['id']}", headers=center(p))).json())
    p.apps["info-hub"].state.kernel.nudge()

    async def answered_all() -> bool:
        for link, field, members, needs in zip(links, FIELDS, MEMBERS, NEEDS, strict=True):
            values = answer(members, field, needs=needs, comment=FREE_TEXT)
            sent = await put_answer(p, survey["id"], link["invitation_id"], values, token=link["token"])
            if sent.status_code != 200:
                return False
        return True

    await eventually(answered_all, timeout=30)  # the opening timer runs at once (its time has passed)
    move_hub_clock(p, datetime.fromisoformat(body["closes_at"]) + timedelta(minutes=1))
    p.apps["info-hub"].state.kernel.nudge()

    async def statistics() -> Any:
        found = await hub(p).get(f"/surveys/{survey['id']}/statistics")
        return found.json() if found.status_code == 200 else None

    return survey, (await eventually(statistics, timeout=30))["statistics"]


def table_after(svg: Any) -> Any:
    """The first table following the chart (its figure) in document order."""
    return svg.xpath("following::table[1]")[0]


def rows_of(table: Any) -> dict[str, list[str]]:
    return {text(row.xpath("th")[0]): [text(td) for td in row.xpath("td")] for row in table.xpath("tbody/tr")}


async def test_a_closed_surveys_statistics_are_charts_each_followed_by_its_table_with_suppressed_cells_as_words(
    hub_pages: Portal,
) -> None:
    survey, stats = await closed_survey(hub_pages)
    page = await hub_pages.page(f"/surveys/{survey['id']}")
    html = (await hub_pages.pages.get(f"/surveys/{survey['id']}")).text
    assert headings_in_order(page)
    assert "回答率100.0%" in text(page)  # 7 of 7 invited groups

    field = next(q for q in stats["questions"] if q["key"] == "field")
    labels = {"welfare": "福祉", "kids": "子育て", "town": "まちづくり"}
    # The chart: an image named and described (its words are HTML, so they wrap and resize; only the bars are SVG).
    chart = one(page, "//div[@role='img'][*[@id='chart-field-title']]")
    assert chart.get("aria-labelledby") == "chart-field-title chart-field-desc"
    assert text(one(chart, ".//*[@id='chart-field-title']")) == "主な活動分野"
    assert text(one(chart, ".//*[@id='chart-field-desc']"))
    assert [text(s) for s in chart.xpath(".//span[@class='chart-label']")] == [
        labels[c["category"]] for c in field["distribution"]
    ]
    table = table_after(chart)
    assert "主な活動分野" in text(one(table, "caption"))
    assert [text(th) for th in table.xpath("thead//th")] == ["回答", "団体数", "割合"]
    assert all(th.get("scope") == "row" for th in table.xpath("tbody//th"))
    rows = rows_of(table)
    suppressed = [c for c in field["distribution"] if c["suppressed"]]
    assert suppressed, "the answers were chosen so that the protection suppresses a cell"
    for cell in field["distribution"]:
        row = rows[labels[cell["category"]]]
        if cell["suppressed"]:
            assert row == ["秘匿", "秘匿"]
            # The group count it hides (from the answers) and its share appear nowhere on the page.
            hidden = FIELDS.count(cell["category"])
            assert f"{round(hidden * 100 / 7, 1)}%" not in html
        else:
            assert row == [str(cell["count"]), f"{cell['percent']}%"]
    # A bar per published cell only; the suppressed rows are words in the drawing.
    assert len(chart.xpath(".//*[local-name()='rect']")) == len(field["distribution"]) - len(suppressed)
    words = chart.xpath(".//span[contains(@class, 'chart-value--suppressed')]")
    assert [text(w) for w in words] == ["秘匿"] * len(suppressed)
    # The rule is explained, and every suppressed cell links to it.
    note = one(page, "//h2[@id='suppression-note']")
    assert "1団体または2団体" in text(note.xpath("following-sibling::p[1]")[0])
    assert {a.get("href") for a in table.xpath(".//a")} == {"#suppression-note"}

    # The multiple choice: 'people' chosen by all but one group is suppressed, its complement too.
    needs = rows_of(table_after(one(page, "//div[@role='img'][*[@id='chart-needs-title']]")))
    assert needs["担い手"] == ["秘匿", "秘匿"]
    assert needs["活動場所"] == ["7", "100.0%"]
    # Free text is never published; the cross-tab is a table with row and column headers.
    assert FREE_TEXT not in html
    crosstab = one(page, "//h2[text()='クロス集計']/following::table[1]")
    assert crosstab.xpath("thead//th[@scope='col']")
    assert crosstab.xpath("tbody//th[@scope='row']")

    # In English: the question's own English text, the categories' labels, the same cells as words.
    english = await hub_pages.page(f"/surveys/{survey['id']}", lang="en")
    chart = one(english, "//div[@role='img'][*[@id='chart-field-title']]")
    assert text(one(chart, "*[@id='chart-field-title']")) == "Main field"
    rows = rows_of(table_after(chart))
    assert rows["Children"] == ["Suppressed", "Suppressed"]
    assert "response rate of 100.0%" in text(english)

    # The list shows it among the closed surveys, with how many answered.
    async def listed_closed() -> Any:
        found = await hub_pages.page("/surveys", lang="ja")
        rows = found.xpath(f"//a[@href='/surveys/{survey['id']}']/ancestor::tr")
        return rows if rows and "7 / 7" in text(rows[0]) else None

    row = (await eventually(listed_closed, timeout=20))[0]
    assert "集計結果を公表した調査" in text(row.xpath("preceding::h2[1]")[0])


async def test_the_list_shows_open_surveys_with_their_window_and_closed_ones_with_their_statistics(
    hub_pages: Portal,
) -> None:
    p = hub_pages.platform
    body = questionnaire(title_ja="令和8年度 団体実態調査")
    upcoming = await announced(p, await drafted(p, body))
    link = f"//a[@href='/surveys/{upcoming['id']}']"

    async def listed() -> Any:  # the list reads the survey index, a projection kept behind the store
        found = await hub_pages.page("/surveys")
        return [found] if found.xpath(link) else None

    (listing,) = await eventually(listed, timeout=20)
    assert headings_in_order(listing)
    row = one(listing, f"{link}/ancestor::tr")
    cells = [text(c) for c in row.xpath("th|td")]
    assert cells[0] == "令和8年度 団体実態調査"
    assert cells[1] == "令和8年度（2026年度）"
    opens = datetime.fromisoformat(body["opens_at"]).astimezone(TOKYO)
    assert cells[3] == f"{opens.year}年{opens.month}月{opens.day}日 {opens:%H:%M}"

    page = await hub_pages.page(f"/surveys/{upcoming['id']}")
    assert headings_in_order(page)
    assert "集計結果は調査の締切後に公表します。" in text(page)
    assert not page.xpath("//*[local-name()='svg']")
