"""The portal's SVG bar charts (pages/charts.py), read back with a real XML parser: bar lengths worked out by hand,
every text escaped, a text alternative named by aria-labelledby, no inline style, and a suppressed count drawn as
words only — no bar, and a scale that ignores it."""

from __future__ import annotations

from typing import Any

from lxml import etree

from kyodo_info_hub.pages.charts import BAR_SPACE, BAR_X, Bar, bar_chart, bar_length

SVG = "{http://www.w3.org/2000/svg}"


def parsed(markup: str) -> Any:
    return etree.fromstring(markup.encode())


def test_bars_are_as_long_as_their_share_of_the_largest_published_count() -> None:
    # The bar space is 360 units: 10 of 10 is 360, 4 of 10 is 144, 1 of 10 is 36, 0 is no length at all.
    assert BAR_SPACE == 360
    assert [bar_length(n, 10) for n in (10, 4, 1, 0)] == [360.0, 144.0, 36.0, 0.0]
    # 1 of 3: 120; 2 of 3: 240; 1 of 7: 360 / 7 = 51.428… → 51.4.
    assert [bar_length(1, 3), bar_length(2, 3), bar_length(1, 7)] == [120.0, 240.0, 51.4]
    svg = parsed(bar_chart("chart-q", "会員数", "説明", [Bar("A", 10, "10"), Bar("B", 4, "4"), Bar("C", 0, "0")]))
    rects = svg.findall(f"{SVG}rect")
    assert [r.get("width") for r in rects] == ["360", "144", "0"]
    assert {r.get("x") for r in rects} == {str(BAR_X)}
    assert [r.get("class") for r in rects] == ["chart-bar"] * 3


def test_the_chart_is_an_image_named_by_its_title_and_described_with_no_inline_style() -> None:
    svg = parsed(bar_chart("chart-members", "会員数", "団体数の横棒グラフ", [Bar("0-9", 5, "5 (50.0%)")]))
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "chart-members-title chart-members-desc"
    assert svg.find(f"{SVG}title").get("id") == "chart-members-title"
    assert svg.find(f"{SVG}title").text == "会員数"
    assert svg.find(f"{SVG}desc").get("id") == "chart-members-desc"
    assert svg.find(f"{SVG}desc").text == "団体数の横棒グラフ"
    assert all(element.get("style") is None for element in svg.iter())
    assert [t.text for t in svg.findall(f"{SVG}text")] == ["0-9", "5 (50.0%)"]


def test_every_text_is_escaped() -> None:
    nasty = '<script>alert("x")</script> & "q"'
    markup = bar_chart('c"><script>', nasty, nasty, [Bar(nasty, 1, nasty), Bar("ok", None, nasty)])
    assert "<script>" not in markup
    svg = parsed(markup)  # well-formed: nothing broke out of its attribute or element
    assert svg.find(f"{SVG}title").text == nasty
    assert svg.find(f"{SVG}desc").text == nasty
    assert svg.find(f"{SVG}title").get("id") == 'c"><script>-title'
    texts = [t.text for t in svg.findall(f"{SVG}text")]
    assert nasty in texts
    assert '<script>alert("x")</script>…' in texts  # a long label shortened (the table gives it whole)


def test_a_suppressed_count_is_words_without_a_bar_and_does_not_set_the_scale() -> None:
    bars = [Bar("福祉", 6, "6 (60.0%)"), Bar("子育て", None, "秘匿"), Bar("まちづくり", 3, "3 (30.0%)")]
    svg = parsed(bar_chart("chart-field", "分野", "説明", bars))
    rects = svg.findall(f"{SVG}rect")
    # Two bars only; the scale is the largest published count (6): 360 and 180.
    assert [r.get("width") for r in rects] == ["360", "180"]
    suppressed = [t for t in svg.findall(f"{SVG}text") if "chart-value--suppressed" in (t.get("class") or "")]
    assert [t.text for t in suppressed] == ["秘匿"]
    # Its row sits between the others' (rows of 46 units from y = 4, each bar 22 units into its row): the bars are
    # in rows 0 and 2, at 4 + 22 = 26 and 4 + 2 × 46 + 22 = 118; the words sit where row 1's bar would be centred,
    # 4 + 46 + 22 + 9 = 81.
    assert [float(r.get("y")) for r in rects] == [26.0, 118.0]
    assert [float(t.get("y")) for t in suppressed] == [81.0]
