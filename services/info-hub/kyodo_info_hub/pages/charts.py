"""Server-side SVG charts for the portal's statistics: horizontal bar charts built in Python, every text escaped.

A chart is an image with a text alternative (`role="img"`, `<title>` and `<desc>` named by `aria-labelledby`) and is
always followed on the page by its data table, which carries the numbers. No inline style (the pages' CSP refuses
it): geometry in presentation attributes, colours in the kit's CSS classes (`chart-bar`, `chart-label`, …).

A suppressed count (秘匿) never becomes a bar: its row holds only the words the caller gives, and the scale is taken
from the published counts alone, so nothing in the drawing depends on a hidden value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# Each category is a row of two lines: its label, then its bar with the value beside it. Labels above the bars (not
# beside them) leave the bars the whole width, so a narrow screen scales the drawing down less.
WIDTH = 480
BAR_X = 0
BAR_SPACE = 360  # the longest published bar; its value fits in the 120 units beside it
ROW = 46
LABEL_Y = 16  # the label's baseline in its row
BAR_Y = 22  # the bar's top in its row
BAR_HEIGHT = 18
TOP = 4
LABEL_CHARS = 28  # longer labels are shortened in the drawing; the table gives them whole


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


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _number(value: float) -> str:
    return f"{value:g}"


def bar_chart(chart_id: str, title: str, description: str, bars: Sequence[Bar]) -> Markup:
    """A horizontal bar chart as inline SVG. `chart_id` must be unique on the page (it names the title and the
    description); `description` says in words what the chart shows (the data table follows it)."""
    ident = escape(chart_id)
    largest = max((b.count for b in bars if b.count is not None), default=0)
    height = TOP * 2 + ROW * max(len(bars), 1)
    parts = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" class="chart-bars" role="img" '
            'aria-labelledby="{0}-title {0}-desc" viewBox="0 0 {1} {2}" width="100%" '
            'preserveAspectRatio="xMinYMin meet">'
        ).format(ident, WIDTH, height),
        Markup('<title id="{}-title">{}</title>').format(ident, title),
        Markup('<desc id="{}-desc">{}</desc>').format(ident, description),
    ]
    for n, bar in enumerate(bars):
        y = TOP + ROW * n
        middle = _number(y + BAR_Y + BAR_HEIGHT / 2)
        parts.append(
            Markup('<text class="chart-label" x="{}" y="{}">{}</text>').format(
                BAR_X, _number(y + LABEL_Y), _short(bar.label)
            )
        )
        if bar.count is None:
            parts.append(
                Markup(
                    '<text class="chart-value chart-value--suppressed" x="{}" y="{}" dominant-baseline="middle">'
                    "{}</text>"
                ).format(BAR_X, middle, bar.text)
            )
            continue
        length = bar_length(bar.count, largest)
        bar_y = _number(y + BAR_Y)
        parts.append(
            Markup('<rect class="chart-bar" x="{}" y="{}" width="{}" height="{}"></rect>').format(
                BAR_X, bar_y, _number(length), BAR_HEIGHT
            )
        )
        parts.append(
            Markup('<text class="chart-value" x="{}" y="{}" dominant-baseline="middle">{}</text>').format(
                _number(BAR_X + length + 6), middle, bar.text
            )
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
