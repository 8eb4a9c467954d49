"""The rules an agreement (協定) and its reported values follow, beyond their shape (the API's schemas check that):
budgets that add up, a period with its report dates inside it, distinct indicator keys with baselines and targets
of the indicator's type, and reported values in the indicator's unit and type. Pure functions over plain data.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from kyodo_evaluation.vocabulary import exact
from kyodo_shared.domain.refusals import Refusal


def check_agreement(agreement: dict[str, Any]) -> None:
    """Refuse (naming the field) an agreement whose parts do not fit together."""
    budget = agreement["budget"]
    if int(budget["city_yen"]) + int(budget["group_yen"]) != int(budget["total_yen"]):
        raise Refusal("budget_does_not_add_up", field="agreement.budget", rule="budget_does_not_add_up")
    start, end = date.fromisoformat(agreement["period_start"]), date.fromisoformat(agreement["period_end"])
    if end < start:
        raise Refusal("period_reversed", field="agreement.period_end", rule="period_reversed")
    dates = [date.fromisoformat(d) for d in agreement["report_dates"]]
    for n, day in enumerate(dates):
        where = f"agreement.report_dates.{n}"
        if not start <= day <= end:
            raise Refusal("report_date_outside_period", field=where, rule="report_date_outside_period")
        if n and day <= dates[n - 1]:
            raise Refusal("report_dates_not_ascending", field=where, rule="report_dates_not_ascending")
    keys: list[str] = []
    for n, indicator in enumerate(agreement["indicators"]):
        where = f"agreement.indicators.{n}"
        if indicator["key"] in keys:
            raise Refusal("indicator_repeated", field=f"{where}.key", rule="indicator_repeated")
        keys.append(indicator["key"])
        exact(indicator["value_type"], indicator["baseline"], f"{where}.baseline")
        exact(indicator["value_type"], indicator["target"], f"{where}.target")
    if not keys:
        raise Refusal("indicators_required", field="agreement.indicators", rule="indicators_required")


def check_amendment(previous: dict[str, Any], agreement: dict[str, Any], fixed: int, reported: set[str]) -> None:
    """An amendment extends, shortens or adds; it never rewrites what was already due or reported: the start, the
    first `fixed` report dates, and the unit and type of every indicator already reported on."""
    if agreement["period_start"] != previous["period_start"]:
        raise Refusal("period_start_fixed", field="agreement.period_start", rule="period_start_fixed")
    if agreement["report_dates"][:fixed] != previous["report_dates"][:fixed]:
        raise Refusal("report_dates_fixed", field="agreement.report_dates", rule="report_dates_fixed", kept=str(fixed))
    now = {str(i["key"]): i for i in agreement["indicators"]}
    for n, indicator in enumerate(previous["indicators"]):
        key = str(indicator["key"])
        if key not in reported:
            continue
        kept = now.get(key)
        if kept is None or (kept["unit"], kept["value_type"]) != (indicator["unit"], indicator["value_type"]):
            raise Refusal("indicator_fixed", field=f"agreement.indicators.{n}", rule="indicator_fixed", key=key)


def check_values(indicators: list[dict[str, Any]], values: list[dict[str, str]], field: str) -> None:
    """Every indicator of the agreement reported exactly once, in its unit, as a value of its type."""
    by_key = {str(i["key"]): i for i in indicators}
    seen: list[str] = []
    for n, value in enumerate(values):
        where = f"{field}.{n}"
        indicator = by_key.get(value["key"])
        if indicator is None:
            raise Refusal("unknown_indicator", field=f"{where}.key", rule="unknown_indicator")
        if value["key"] in seen:
            raise Refusal("indicator_repeated", field=f"{where}.key", rule="indicator_repeated")
        seen.append(value["key"])
        if value["unit"] != indicator["unit"]:
            raise Refusal("wrong_unit", field=f"{where}.unit", rule="wrong_unit", unit=str(indicator["unit"]))
        exact(indicator["value_type"], value["value"], f"{where}.value")
    missing = [k for k in by_key if k not in seen]
    if missing:
        raise Refusal("indicator_unreported", field=field, rule="indicator_unreported", key=missing[0])


def check_ratings(criteria: list[dict[str, Any]], ratings: list[dict[str, Any]], field: str) -> None:
    """Every published criterion rated exactly once (1–5 is the schema's), nothing else."""
    keys = [str(c["key"]) for c in criteria]
    given = [str(r["key"]) for r in ratings]
    for n, key in enumerate(given):
        if key not in keys:
            raise Refusal("unknown_criterion", field=f"{field}.{n}.key", rule="unknown_criterion")
        if key in given[:n]:
            raise Refusal("criterion_repeated", field=f"{field}.{n}.key", rule="criterion_repeated")
    missing = [k for k in keys if k not in given]
    if missing:
        raise Refusal("criterion_unrated", field=field, rule="criterion_unrated", key=missing[0])
