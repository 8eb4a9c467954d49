"""Jinja filters of the page kit: times in Asia/Tokyo, fiscal years in the Japanese calendar, exact numbers.

(Initial version by the lead; the kit part owns and completes it.)
"""

from __future__ import annotations

from datetime import date, datetime
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

TOKYO = ZoneInfo("Asia/Tokyo")


def register(env: Environment) -> None:
    env.filters["jst"] = jst
    env.filters["jst_date"] = jst_date
    env.filters["exact"] = exact
    env.filters["num"] = num


@pass_context
def jst(context: Context, value: datetime | None) -> str:
    if value is None:
        return ""
    local = value.astimezone(TOKYO)
    if context.get("lang") == "en":
        return local.strftime("%-d %b %Y %H:%M JST")
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


@pass_context
def jst_date(context: Context, value: date | datetime | None) -> str:
    if value is None:
        return ""
    day = value.astimezone(TOKYO).date() if isinstance(value, datetime) else value
    if context.get("lang") == "en":
        return day.strftime("%-d %b %Y")
    return f"{day.year}年{day.month}月{day.day}日"


def exact(value: Any, places: int = 2) -> Markup:
    """A rational as readable decimals, the exact value kept in `<data value=…>` ("121/4" → 30.25)."""
    if value is None:
        return Markup("")
    fraction = Fraction(str(value))
    if fraction.denominator == 1:
        return Markup('<data value="{0}">{0}</data>').format(fraction.numerator)
    rounded = round(float(fraction), places)
    approx = "" if Fraction(str(rounded)) == fraction else "≈"
    return Markup('<data value="{}">{}{}</data>').format(str(fraction), approx, f"{rounded:.{places}f}")


def num(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


__all__ = ["TOKYO", "escape", "register"]
