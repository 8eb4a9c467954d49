"""The portal's statistics charts: horizontal bar charts built in Python, every text escaped.

A chart is an image with a text alternative (`role="img"`, named and described by `aria-labelledby`) and is always
followed on the page by its data table, which carries the numbers. Its words are HTML, not SVG text, so they are
readable on a phone and resize with the reader's text size (JIS X 8341-3 / WCAG 1.4.4): each category is a row with
its label whole on its own line (wrapping as long as it needs, never shortened), then its bar and, beside the bar's
track, the text the caller gives. Only the bars are SVG: one small drawing per row, its `viewBox` the bar space
(`BAR_SPACE` units) stretched to the row's width, so every bar keeps its share of the largest. No inline style (the
pages' CSP refuses it): geometry in presentation attributes, colours and sizes in the kit's CSS classes.

The labels and the title are data (a question's and its options' words, which may have no English and fall back to
Japanese): one written in another language than the page's is marked with its `lang` (WCAG 3.1.2, the kit's
`lang_attribute`), so a screen reader reads it with the right voice.

A suppressed count (秘匿) never becomes a bar: its row holds only the words the caller gives, and the scale is taken
from the published counts alone, so nothing in the drawing depends on a hidden value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from kyodo_shared.pages.languages import lang_attribute

BAR_X = 0
BAR_SPACE = 360  # the longest published bar, in the units of each row's drawing
BAR_HEIGHT = 18


@dataclass(frozen=True)
class Bar:
    """One category: its label, its count (None when suppressed) and the text shown beside the bar."""

    label: str
    count: int | None
    text: str


def bar_length(count: int, largest: int) -> float:
    """The bar's length in user units: `count / largest` of the bar space, to one decimal place (0 for 0)."""
    if largest <= 0 or count <= 0:
        return 0.0
    return round(BAR_SPACE * count / largest, 1)


def _number(value: float) -> str:
    return f"{value:g}"


def _bar(length: float) -> Markup:
    """A row's drawing: the bar on its track, stretched to the row's width (`preserveAspectRatio="none"`)."""
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart-track" viewBox="0 0 {space} {height}" '
        'width="100%" height="{height}" preserveAspectRatio="none" aria-hidden="true" focusable="false">'
        '<rect class="chart-bar" x="{x}" y="0" width="{length}" height="{height}"></rect></svg>'
    ).format(space=BAR_SPACE, height=BAR_HEIGHT, x=BAR_X, length=_number(length))


def bar_chart(chart_id: str, title: str, description: str, bars: Sequence[Bar], *, lang: str = "ja") -> Markup:
    """A horizontal bar chart (HTML words, SVG bars). `chart_id` must be unique on the page (it names the title and
    the description); `description` says in words what the chart shows (the data table follows it), in the page's
    language `lang`; the title and the labels are marked when in another language."""
    ident = escape(chart_id)
    largest = max((b.count for b in bars if b.count is not None), default=0)
    parts = [
        Markup('<div class="chart-bars" role="img" aria-labelledby="{0}-title {0}-desc">').format(ident),
        Markup('<span id="{}-title" hidden=""{}>{}</span>').format(ident, lang_attribute(title, lang), title),
        Markup('<span id="{}-desc" hidden="">{}</span>').format(ident, description),
    ]
    for bar in bars:
        label = Markup('<div class="chart-row"><span class="chart-label"{}>{}</span>')
        parts.append(label.format(lang_attribute(bar.label, lang), bar.label))
        if bar.count is None:
            words = Markup('<span class="chart-value chart-value--suppressed">{}</span>').format(bar.text)
            parts.append(Markup('<span class="chart-measure">{}').format(words))
        else:
            parts.append(
                Markup('<span class="chart-measure">{}<span class="chart-value">{}</span>').format(
                    _bar(bar_length(bar.count, largest)), bar.text
                )
            )
        parts.append(Markup("</span></div>"))
    parts.append(Markup("</div>"))
    return Markup("").join(parts)
