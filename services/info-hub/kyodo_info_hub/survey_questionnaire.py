"""The survey's questionnaire (調査票) as events keep it, the rules it must follow, and an answer checked against it.

A questionnaire is a plain dict: `title_ja`, `title_en`, `fiscal_year`, `sections` [{key, title_ja, title_en}],
`questions` [{key, section, kind, required, text_ja, text_en, options [{key, label_ja, label_en}], unit_ja, unit_en,
min, max, bands}] (numbers as decimal strings), `targets` {fields, areas} (both empty: every registered group),
`crosstabs` [[row key, column key]], `opens_at`, `closes_at` (ISO 8601, Asia/Tokyo), `reminder_days` [days before
the close]. Pure: no I/O, no clock; a broken rule is a `Refusal` naming the field.

Every number (an answer, a question's min, max and band edges) is bounded whatever the question's range:
|x| < 10^12 with at most 6 decimal places, so the statistics computed at the close always fit their arithmetic.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from kyodo_shared.domain.refusals import Refusal

KINDS = ("single", "multiple", "number", "date", "text")
CHOICE = ("single", "multiple")
TEXT_MAX = 5000
# The bounds of every number, answered or in a question (see the module's description).
NUMBER_LIMIT = Decimal(10) ** 12
NUMBER_STEP = Decimal("0.000001")
REMINDER_DAYS = range(1, 366)


def _bad(field: str, rule: str) -> Refusal:
    return Refusal("invalid_survey", field=field, rule=rule)


def _number(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _bounds_rule(number: Decimal) -> str | None:
    """Why a finite number is outside every number's bounds (None: inside)."""
    if abs(number) >= NUMBER_LIMIT:
        return "number_too_large"
    if number != number.quantize(NUMBER_STEP):  # exact: |number| < 10^12 leaves room in the context's precision
        return "number_too_precise"
    return None


def question(q: dict[str, Any], key: str) -> dict[str, Any] | None:
    return next((x for x in q["questions"] if x["key"] == key), None)


def crosstab_ready(q: dict[str, Any] | None) -> bool:
    """A question a cross-tab may use: required, and single choice or a number with bands."""
    return q is not None and bool(q["required"]) and (q["kind"] == "single" or (q["kind"] == "number" and q["bands"]))


def check_crosstabs(q: dict[str, Any], crosstabs: list[list[str]]) -> None:
    seen: set[tuple[str, str]] = set()
    for i, pair in enumerate(crosstabs):
        if len(pair) != 2 or pair[0] == pair[1] or not all(crosstab_ready(question(q, k)) for k in pair):
            raise _bad(f"crosstabs.{i}", "crosstab_question")
        if (pair[0], pair[1]) in seen or (pair[1], pair[0]) in seen:
            raise _bad(f"crosstabs.{i}", "crosstab_repeated")
        seen.add((pair[0], pair[1]))


def check_questionnaire(q: dict[str, Any]) -> None:
    """Every rule of a questionnaire the schema cannot say alone."""
    if datetime.fromisoformat(q["closes_at"]) <= datetime.fromisoformat(q["opens_at"]):
        raise _bad("closes_at", "survey_closes_before_opening")
    sections = [s["key"] for s in q["sections"]]
    if len(set(sections)) != len(sections):
        raise _bad("sections", "survey_section_repeated")
    keys: set[str] = set()
    for i, x in enumerate(q["questions"]):
        at = f"questions.{i}"
        if x["key"] in keys:
            raise _bad(f"{at}.key", "survey_question_repeated")
        keys.add(x["key"])
        if x["section"] not in sections:
            raise _bad(f"{at}.section", "survey_section_unknown")
        options = [o["key"] for o in x["options"]]
        if x["kind"] in CHOICE and len(options) < 2:
            raise _bad(f"{at}.options", "survey_options_needed")
        if x["kind"] not in CHOICE and options:
            raise _bad(f"{at}.options", "survey_options_not_allowed")
        if len(set(options)) != len(options):
            raise _bad(f"{at}.options", "survey_option_repeated")
        _check_number_question(x, at)
    _check_reminders(q)
    check_crosstabs(q, q["crosstabs"])


def _check_number_question(x: dict[str, Any], at: str) -> None:
    """A number's range and bands: bounded; bands need the least value, start at or below it, and lie in the
    range, ascending (so every answer falls in exactly one band and none below the first edge)."""
    given = {k: x.get(k) for k in ("min", "max")}
    low, high = _number(given["min"]), _number(given["max"])
    raw = [_number(b) for b in x.get("bands") or []]
    bands = [b for b in raw if b is not None]
    if x["kind"] != "number" and (low is not None or high is not None or bands):
        raise _bad(f"{at}.kind", "survey_number_only")
    for name, number in (("min", low), ("max", high)):
        rule = _bounds_rule(number) if number is not None else None
        if rule or (number is None and given[name] is not None):
            raise _bad(f"{at}.{name}", f"survey_{rule or 'number_invalid'}")
    if low is not None and high is not None and low > high:
        raise _bad(f"{at}.max", "survey_number_range")
    if len(bands) != len(raw) or any(a >= b for a, b in itertools.pairwise(bands)):
        raise _bad(f"{at}.bands", "survey_bands_ascending")
    rule = next((r for r in map(_bounds_rule, bands) if r), None)
    if rule:
        raise _bad(f"{at}.bands", f"survey_{rule}")
    if not bands:
        return
    if low is None:
        raise _bad(f"{at}.min", "survey_bands_need_min")
    if bands[0] > low:
        raise _bad(f"{at}.bands", "survey_bands_below_min")
    if any(b <= low or (high is not None and b > high) for b in bands[1:]):
        raise _bad(f"{at}.bands", "survey_bands_outside_range")


def _check_reminders(q: dict[str, Any]) -> None:
    """Reminders: whole days before the close (1 to 365), each inside the answer window, none twice."""
    days = q["reminder_days"]
    window = datetime.fromisoformat(q["closes_at"]) - datetime.fromisoformat(q["opens_at"])
    for i, day in enumerate(days):
        if isinstance(day, bool) or not isinstance(day, int) or day not in REMINDER_DAYS:
            raise _bad(f"reminder_days.{i}", "survey_reminder_days")
        if timedelta(days=day) >= window:
            raise _bad(f"reminder_days.{i}", "survey_reminder_outside_window")
    if len(set(days)) != len(days):
        raise _bad("reminder_days", "survey_reminder_repeated")


# --- answers --------------------------------------------------------------------------------------------------


def _wrong(key: str, rule: str) -> Refusal:
    return Refusal("invalid_answer", field=f"answers.{key}", rule=rule)


def _value(x: dict[str, Any], value: Any) -> Any:
    """One answer normalized as events keep it, or a refusal naming the question."""
    key, kind = x["key"], x["kind"]
    options = [o["key"] for o in x["options"]]
    if kind == "single":
        if not isinstance(value, str) or value not in options:
            raise _wrong(key, "answer_option_unknown")
        return value
    if kind == "multiple":
        if not isinstance(value, list) or not all(isinstance(v, str) and v in options for v in value):
            raise _wrong(key, "answer_option_unknown")
        if len(set(value)) != len(value):
            raise _wrong(key, "answer_option_repeated")
        return [o for o in options if o in value]  # the questionnaire's order
    if kind == "number":
        number = _number(value)
        if number is None:
            raise _wrong(key, "answer_number_invalid")
        low, high = _number(x.get("min")), _number(x.get("max"))
        rule = _bounds_rule(number)
        if rule:
            raise _wrong(key, f"answer_{rule}")
        if (low is not None and number < low) or (high is not None and number > high):
            raise _wrong(key, "answer_number_range")
        return format(number, "f")  # plain digits, never an exponent ("1E+3" is kept as "1000")
    if kind == "date":
        try:
            return date.fromisoformat(value).isoformat() if isinstance(value, str) else _raise(key)
        except ValueError:
            raise _wrong(key, "answer_date_invalid") from None
    if not isinstance(value, str) or not value.strip() or len(value) > TEXT_MAX:
        raise _wrong(key, "answer_text_invalid")
    return value


def _raise(key: str) -> Any:
    raise ValueError(key)


def check_answer(q: dict[str, Any], values: dict[str, Any], *, complete: bool) -> dict[str, Any]:
    """The answer normalized (a question left empty — None, a blank text or [] — is absent); a submission
    (`complete`) must answer every required question."""
    known = {x["key"]: x for x in q["questions"]}
    for key in values:
        if key not in known:
            raise _wrong(key, "answer_unknown_question")
    normalized: dict[str, Any] = {}
    for key, x in known.items():
        value = values.get(key)
        if value is None or (isinstance(value, str) and not value.strip()) or value == []:
            if complete and x["required"]:
                raise _wrong(key, "answer_required")
            continue
        normalized[key] = _value(x, value)
    return normalized
