"""Jinja filters of the page kit: times in Asia/Tokyo, fiscal years in the Japanese calendar, exact numbers, counts
of time left — each in the page's language (`lang` in the template's context).

| filter              | ja                                 | en                          |
|---------------------|------------------------------------|-----------------------------|
| `dt \\| jst`          | 2026年12月4日 10:00                 | 4 Dec 2026 10:00 JST        |
| `dt \\| jst_date`     | 2026年12月4日                       | 4 Dec 2026                  |
| `2026 \\| fiscal_year` (or a date) | 令和8年度（2026年度）     | FY2026 (Reiwa 8)            |
| `"121/4" \\| exact`   | `<data value="121/4">30.25</data>` (both)                        |
| `1234567 \\| num`     | 1,234,567 (both)                                                 |
| `1200 \\| yen`        | 1,200円                             | ¥1,200                      |
| `deadline \\| countdown` | あと3日と4時間 / 締切を過ぎました  | 3 days 4 hours left / closed |
| `dt \\| deadline`     | 2027年7月4日（日）まで (00:00 on the 5th) | by the end of Sun 4 Jul 2027 (deadlines.py) |

The language of parts (`lang_of`, `lang_attr`, `in_lang`, `ja_parts`, `without_ja`, `pick`): languages.py.

Rounding is half away from zero (四捨五入) on the exact value, never on a float.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from kyodo_shared.pages.languages import in_lang, ja_parts, lang_attr, lang_of, page_lang, pick, without_ja

TOKYO = ZoneInfo("Asia/Tokyo")
# The first year of each era in the Gregorian calendar (year N of the era = year − start + 1).
REIWA_START, HEISEI_START = 2019, 1989
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def register(env: Environment) -> None:
    """The kit's filters, and the globals its form and pagination macros call (`forms.register`, `paging.register`)."""
    from kyodo_shared.pages import deadlines, forms, paging

    env.filters["jst"] = jst
    env.filters["jst_date"] = jst_date
    env.filters["jst_iso"] = jst_iso
    env.filters["fiscal_year"] = fiscal_year
    env.filters["exact"] = exact
    env.filters["num"] = num
    env.filters["yen"] = yen
    env.filters["countdown"] = countdown
    env.filters["deadline"] = deadlines.deadline
    env.filters["lang_of"] = lang_of
    env.filters["lang_attr"] = lang_attr
    env.filters["in_lang"] = in_lang
    env.filters["ja_parts"] = ja_parts
    env.filters["without_ja"] = without_ja
    env.globals["fiscal_year_of"] = fiscal_year_of
    env.globals["pick"] = pick
    forms.register(env)
    paging.register(env)


def _lang(context: Context) -> str:
    return page_lang(context)


def _tokyo(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("a naive datetime has no place in time; pass an aware one (UTC or Asia/Tokyo)")
    return value.astimezone(TOKYO)


# ---- dates and times -------------------------------------------------------------------------------------------


def format_datetime(value: datetime, lang: str) -> str:
    local = _tokyo(value)
    if lang == "en":
        return f"{local.day} {MONTHS_EN[local.month - 1]} {local.year} {local:%H:%M} JST"
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def format_date(value: date | datetime, lang: str) -> str:
    day = _tokyo(value).date() if isinstance(value, datetime) else value
    if lang == "en":
        return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"
    return f"{day.year}年{day.month}月{day.day}日"


@pass_context
def jst(context: Context, value: datetime | None) -> str:
    """A moment as read in Kokubunji: `2026年12月4日 10:00` / `4 Dec 2026 10:00 JST`."""
    return "" if value is None else format_datetime(value, _lang(context))


@pass_context
def jst_date(context: Context, value: date | datetime | None) -> str:
    """The day (in Asia/Tokyo) of a moment, or a date as is: `2026年12月4日` / `4 Dec 2026`."""
    return "" if value is None else format_date(value, _lang(context))


def jst_iso(value: datetime | date | None) -> str:
    """For `<time datetime="…">`: ISO 8601 with the +09:00 offset (a date as `YYYY-MM-DD`)."""
    if value is None:
        return ""
    return _tokyo(value).isoformat(timespec="seconds") if isinstance(value, datetime) else value.isoformat()


# ---- fiscal years ----------------------------------------------------------------------------------------------


def fiscal_year_of(value: date | datetime) -> int:
    """The Japanese fiscal year (April to March) holding `value`; a moment counts by its day in Asia/Tokyo
    (2027-03-31T15:00Z is 1 April 2027 in Tokyo: fiscal year 2027)."""
    day = _tokyo(value).date() if isinstance(value, datetime) else value
    return day.year if day.month >= 4 else day.year - 1


def format_fiscal_year(year: int, lang: str) -> str:
    """`令和8年度（2026年度）` / `FY2026 (Reiwa 8)`. A fiscal year is named by the era of its April: FY2019 is
    令和元年度 (Reiwa 1), FY2018 平成30年度 (Heisei 30). The Japanese has full-width brackets, as Japanese text does."""
    if year >= REIWA_START:
        era_ja, era_en, number = "令和", "Reiwa", year - REIWA_START + 1
    elif year >= HEISEI_START:
        era_ja, era_en, number = "平成", "Heisei", year - HEISEI_START + 1
    else:
        return f"FY{year}" if lang == "en" else f"{year}年度"
    if lang == "en":
        return f"FY{year} ({era_en} {number})"
    return f"{era_ja}{'元' if number == 1 else number}年度（{year}年度）"


@pass_context
def fiscal_year(context: Context, value: int | date | datetime | None) -> str:
    """A fiscal year given as its number (2026), or the fiscal year of a date or moment."""
    if value is None:
        return ""
    year = value if isinstance(value, int) else fiscal_year_of(value)
    return format_fiscal_year(year, _lang(context))


# ---- numbers ---------------------------------------------------------------------------------------------------


def _group(whole: int) -> str:
    return f"{whole:,}"


def decimal_text(value: Fraction, places: int = 2) -> tuple[str, bool]:
    """`value` in decimals with digit grouping, and whether that is the exact value. Exact values show as many
    places as they need (61/2 → 30.5); others are rounded half away from zero to `places` (61/3 → 20.33)."""
    sign = "-" if value < 0 else ""
    magnitude = abs(value)
    for shown in range(places + 1):
        scaled = magnitude * 10**shown
        if scaled.denominator == 1:
            return sign + _digits(int(scaled), shown), True
    scaled = magnitude * 10**places
    rounded = int(scaled) + (1 if scaled - int(scaled) >= Fraction(1, 2) else 0)
    return ("-" if rounded and sign else "") + _digits(rounded, places), False


def _digits(scaled: int, places: int) -> str:
    whole, part = divmod(scaled, 10**places)
    return _group(whole) + (f".{part:0{places}d}" if places else "")


def as_fraction(value: int | str | Fraction | Decimal) -> Fraction:
    if isinstance(value, (bool, float)):
        raise TypeError("exact values are given as int, Fraction, Decimal or a string like '121/4', never a float")
    return Fraction(value.strip() if isinstance(value, str) else value)


@pass_context
def exact(context: Context, value: int | str | Fraction | Decimal | None, places: int = 2) -> Markup:
    """A rational readable, its exact value kept.

    - exact in decimals: `<data class="exact" value="121/4">30.25</data>`;
    - otherwise rounded, marked approximate for every reader, the exact fraction shown beside it:
      `<data class="exact exact--approx" value="61/3" title="61/3"><span aria-hidden="true">≈</span>
      <span class="visually-hidden">約</span>20.33<span class="exact-value"> (61/3)</span></data>` — the "≈" is
      seen, "約 / about" is heard, and the fraction is text (not only a tooltip), so keyboard and touch users have it.
    """
    if value is None:
        return Markup("")
    fraction = as_fraction(value)
    exact_text = str(fraction)  # "121/4", "30", "-7/2": the canonical form the API also writes
    shown, is_exact = decimal_text(fraction, places)
    if is_exact:
        return Markup('<data class="exact" value="{}">{}</data>').format(exact_text, shown)
    about = "about " if _lang(context) == "en" else "約"
    exact_label = "exact value" if _lang(context) == "en" else "正確な値"
    return Markup(
        '<data class="exact exact--approx" value="{v}" title="{label}: {v}"><span aria-hidden="true">≈</span>'
        '<span class="visually-hidden">{about}</span>{shown}<span class="exact-value"> ('
        '<span class="visually-hidden">{label} </span>{v})</span></data>'
    ).format(v=exact_text, label=exact_label, about=about, shown=shown)


def num(value: int | Decimal | Fraction | str | None, places: int = 2) -> str:
    """Digit grouping (`1,234,567`); a non-integer as `exact` shows it, without the markup."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return _group(value)
    return decimal_text(as_fraction(value), places)[0]


@pass_context
def yen(context: Context, value: int | None) -> str:
    """An amount in yen: `1,200円` / `¥1,200`."""
    if value is None:
        return ""
    return f"¥{_group(value)}" if _lang(context) == "en" else f"{_group(value)}円"


# ---- time left -------------------------------------------------------------------------------------------------


def time_left(deadline: datetime, now: datetime, lang: str) -> str:
    """`あと3日と4時間` / `3 days 4 hours left`; under a day hours and minutes, under an hour minutes; past the
    deadline `締切を過ぎました` / `closed`. Rounded down: "あと1日" is never said with 23 hours to go."""
    left = deadline - now
    if left <= timedelta(0):
        return "closed" if lang == "en" else "締切を過ぎました"
    minutes = int(left.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        parts = [(days, "day", "日"), (hours, "hour", "時間")]
    elif hours:
        parts = [(hours, "hour", "時間"), (mins, "minute", "分")]
    elif mins:
        parts = [(mins, "minute", "分")]
    else:
        return "less than a minute left" if lang == "en" else "まもなく締切"
    parts = [p for p in parts if p[0]]
    if lang == "en":
        return " ".join(f"{n} {unit}{'' if n == 1 else 's'}" for n, unit, _ in parts) + " left"
    joiner = "と" if days else ""
    return "あと" + joiner.join(f"{n}{unit}" for n, _, unit in parts)


@pass_context
def countdown(context: Context, deadline: datetime | None) -> Markup:
    """The time left until `deadline` from the page's `now` (the service clock), as a `<time>` that `kit.js` keeps
    current (it reads the deadline and the server's now, so a shifted staging clock counts the same)."""
    if deadline is None:
        return Markup("")
    now: datetime = context["now"]
    lang = _lang(context)
    return Markup('<time class="countdown" datetime="{}" data-countdown data-now="{}">{}</time>').format(
        jst_iso(deadline), _tokyo(now).isoformat(timespec="seconds"), time_left(deadline, now, lang)
    )


__all__ = [
    "TOKYO",
    "decimal_text",
    "escape",
    "exact",
    "fiscal_year_of",
    "format_date",
    "format_datetime",
    "format_fiscal_year",
    "in_lang",
    "ja_parts",
    "lang_attr",
    "lang_of",
    "num",
    "pick",
    "register",
    "time_left",
    "without_ja",
]
