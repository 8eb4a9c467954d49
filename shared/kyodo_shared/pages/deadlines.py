"""A deadline as people read one: `dt | deadline`.

A deadline at 00:00 in Asia/Tokyo is the start of that day, so written as a time (`2027年7月5日 00:00`) it reads as
the end of 5 July, a day too late. It is written as the end of the day before instead — the day still open:

| the deadline (Asia/Tokyo)  | ja                              | en                                     |
|----------------------------|---------------------------------|----------------------------------------|
| 2027-07-05 00:00           | 2027年7月4日（日）まで           | by the end of Sun 4 Jul 2027           |
| 2027-07-05 17:00           | 2027年7月5日（月）17:00まで      | by 17:00 JST on Mon 5 Jul 2027         |
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from jinja2 import pass_context
from jinja2.runtime import Context

from kyodo_shared.pages.format import MONTHS_EN, TOKYO

_WEEKDAYS_JA = "月火水木金土日"
_WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def format_deadline(value: datetime, lang: str) -> str:
    """The last moment still in time, in words: the day before a deadline at midnight, else the day and time."""
    if value.tzinfo is None:
        raise ValueError("a naive datetime has no place in time; pass an aware one (UTC or Asia/Tokyo)")
    local = value.astimezone(TOKYO)
    midnight = local.time() == time(0, 0)
    day = local.date() - timedelta(days=1) if midnight else local.date()
    if lang == "en":
        named = f"{_WEEKDAYS_EN[day.weekday()]} {day.day} {MONTHS_EN[day.month - 1]} {day.year}"
        return f"by the end of {named}" if midnight else f"by {local:%H:%M} JST on {named}"
    named = f"{day.year}年{day.month}月{day.day}日（{_WEEKDAYS_JA[day.weekday()]}）"
    return f"{named}まで" if midnight else f"{named}{local:%H:%M}まで"


@pass_context
def deadline(context: Context, value: datetime | None) -> str:
    return "" if value is None else format_deadline(value, "en" if context.get("lang") == "en" else "ja")
