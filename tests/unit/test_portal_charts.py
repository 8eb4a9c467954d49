"""The portal's bar charts (pages/charts.py), read back with a real XML parser: bar lengths worked out by hand, every
text escaped and given whole (words are HTML, so they wrap and resize; only the bars are SVG), a text alternative
named by aria-labelledby, no inline style, and a suppressed count shown as words only — no bar, and a scale that
ignores it."""

from __future__ import annotations

from typing import Any

from lxml import etree

from kyodo_info_hub.pages.charts import BAR_HEIGHT, BAR_SPACE, BAR_X, Bar, bar_chart, bar_length

SVG = "{http://www.w3.org/2000/svg}"


def parsed(markup: str) -> Any:
    return etree.fromstring(markup.encode())


def rects(chart: Any) -> list[Any]:
    return list(chart.iter(f"{SVG}rect"))


def spans(chart: Any, cls: str) -> list[Any]:
    return chart.xpath(f".//span[contains(concat(' ', @class, ' '), ' {cls} ')]")


def test_bars_are_as_long_as_their_share_of_the_largest_published_count() -> None:
    # The bar space is 360 units: 10 of 10 is 360, 4 of 10 is 144, 1 of 10 is 36, 0 is no length at all.
    assert BAR_SPACE == 360
    assert [bar_length(n, 10) for n in (10, 4, 1, 0)] == [360.0, 144.0, 36.0, 0.0]
    # 1 of 3: 120; 2 of 3: 240; 1 of 7: 360 / 7 = 51.428… → 51.4.
    assert [bar_length(1, 3), bar_length(2, 3), bar_length(1, 7)] == [120.0, 240.0, 51.4]
    chart = parsed(bar_chart("chart-q", "会員数", "説明", [Bar("A", 10, "10"), Bar("B", 4, "4"), Bar("C", 0, "0")]))
    assert [r.get("width") for r in rects(chart)] == ["360", "144", "0"]
    assert {r.get("x") for r in rects(chart)} == {str(BAR_X)}
    assert [r.get("class") for r in rects(chart)] == ["chart-bar"] * 3
    # Each bar is drawn in its own row's drawing, whose viewBox is the bar space stretched to the row's width: the
    # lengths stay shares of the same 360 units whatever the screen.
    drawings = list(chart.iter(f"{SVG}svg"))
    assert {d.get("viewBox") for d in drawings} == {f"0 0 {BAR_SPACE} {BAR_HEIGHT}"}
    assert {d.get("preserveAspectRatio") for d in drawings} == {"none"}
    assert {d.get("aria-hidden") for d in drawings} == {"true"}


def test_the_chart_is_an_image_named_by_its_title_and_described_with_no_inline_style() -> None:
    chart = parsed(bar_chart("chart-members", "会員数", "団体数の横棒グラフ", [Bar("0-9", 5, "5 (50.0%)")]))
    assert chart.get("role") == "img"
    assert chart.get("aria-labelledby") == "chart-members-title chart-members-desc"
    assert chart.xpath("string(.//*[@id='chart-members-title'])") == "会員数"
    assert chart.xpath("string(.//*[@id='chart-members-desc'])") == "団体数の横棒グラフ"
    assert all(element.get("style") is None for element in chart.iter())
    assert [s.text for s in spans(chart, "chart-label")] == ["0-9"]
    assert [s.text for s in spans(chart, "chart-value")] == ["5 (50.0%)"]


def test_every_text_is_escaped_and_a_long_label_is_given_whole() -> None:
    nasty = '<script>alert("x")</script> & "q" ' + "とても長い活動分野の名前" * 4
    markup = bar_chart('c"><script>', nasty, nasty, [Bar(nasty, 1, nasty), Bar("ok", None, nasty)])
    assert "<script>" not in markup
    chart = parsed(markup)  # well-formed: nothing broke out of its attribute or element
    assert chart.xpath("string(.//*[@id='c\"><script>-title'])") == nasty
    assert chart.xpath("string(.//*[@id='c\"><script>-desc'])") == nasty
    assert [s.text for s in spans(chart, "chart-label")] == [nasty, "ok"]  # never shortened with "…"
    assert "…" not in markup
    assert [s.text for s in spans(chart, "chart-value")] == [nasty, nasty]


def test_a_suppressed_count_is_words_without_a_bar_and_does_not_set_the_scale() -> None:
    bars = [Bar("福祉", 6, "6 (60.0%)"), Bar("子育て", None, "秘匿"), Bar("まちづくり", 3, "3 (30.0%)")]
    chart = parsed(bar_chart("chart-field", "分野", "説明", bars))
    # Two bars only; the scale is the largest published count (6): 360 and 180.
    assert [r.get("width") for r in rects(chart)] == ["360", "180"]
    rows = chart.xpath("./div[@class='chart-row']")
    assert [len(list(row.iter(f"{SVG}rect"))) for row in rows] == [1, 0, 1]  # the words sit in the middle row alone
    suppressed = spans(chart, "chart-value--suppressed")
    assert [s.text for s in suppressed] == ["秘匿"]
    assert suppressed[0].xpath("string(ancestor::div[@class='chart-row']/span[@class='chart-label'])") == "子育て"


def test_a_label_or_title_in_another_language_than_the_pages_is_marked_with_its_lang() -> None:
    bars = [Bar("Welfare", 2, "2 (40.0%)"), Bar("子育て", 3, "3 (60.0%)"), Bar("5-9", 0, "0 (0.0%)")]
    english = parsed(bar_chart("chart-f", "主な活動分野", "Bar chart", bars, lang="en"))
    # On an English page the Japanese label (an option with no English) and title say so; numbers tell nothing.
    assert [s.get("lang") for s in spans(english, "chart-label")] == [None, "ja", None]
    assert english.xpath("string(.//*[@id='chart-f-title']/@lang)") == "ja"
    assert english.xpath(".//*[@id='chart-f-desc']/@lang") == []
    japanese = parsed(bar_chart("chart-f", "Main field", "横棒グラフ", bars, lang="ja"))
    assert [s.get("lang") for s in spans(japanese, "chart-label")] == ["en", None, None]
    assert japanese.xpath("string(.//*[@id='chart-f-title']/@lang)") == "en"
    # The words beside the bars are the page's own (counts, 秘匿 / Suppressed): never marked.
    assert all(s.get("lang") is None for s in spans(japanese, "chart-value"))
