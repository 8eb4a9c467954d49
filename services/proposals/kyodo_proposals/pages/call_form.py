"""A call's form as the API's JSON: the draft (`CallDraft`, also its revision) and an amendment (`Amendment`), and
a stored call as the form shows it. The page builds the API's own models from these, so the schema and the domain
judge a form exactly as they judge a request."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from starlette.datastructures import FormData

from kyodo_proposals.domain import Call
from kyodo_proposals.pages.common import deadline_of, exact_text, flat, jst_input, keys_list, local_time, rows
from kyodo_shared.pages.actions import text, texts

CRITERION = ("key", "name_ja", "name_en", "weight", "max_points")
_TEXTS = (
    "kind",
    "title_ja",
    "title_en",
    "description_ja",
    "description_en",
    "screening_decision_id",
    "department_id",
    "committee_id",
    "formula",
    "passing_score",
    "tie_rule",
    "quorum",
    "select",
)


def draft_body(form: FormData) -> dict[str, Any]:
    """The draft's JSON: blank optional fields left out, so the API's defaults apply and its errors name the field."""
    body: dict[str, Any] = {name: text(form, name) for name in _TEXTS if text(form, name)}
    deadline = jst_input(text(form, "deadline"))
    if deadline is not None:
        body["deadline"] = deadline
    if text(form, "priority"):
        body["priority"] = keys_list(text(form, "priority"))
    body["criteria"] = rows(form, "criteria", CRITERION, optional=("name_en",))
    return body


def spec_values(call: Call) -> dict[str, str]:
    """The stored call's rules as the form's flat values."""
    spec = call.spec
    values = {name: "" if spec.get(name) is None else str(spec[name]) for name in _TEXTS}
    values["passing_score"] = exact_text(spec["passing_score"])
    values["deadline"] = local_time(deadline_of(spec))
    values["priority"] = ", ".join(spec.get("priority") or [])
    flat(values, "criteria", [{k: c.get(k) for k in CRITERION} for c in spec["criteria"]])
    return values


def _same_number(a: str, b: Any) -> bool:
    try:
        return Fraction(a) == Fraction(str(b))
    except (ValueError, ZeroDivisionError):
        return False


def _criteria(items: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    return [tuple(str(c.get(k) or "") for k in CRITERION) for c in items]


def amendment_body(form: FormData, call: Call) -> dict[str, Any]:
    """An amendment's JSON: the reason and the new deadline, and only what the form changed from the call's rules
    (the form shows them all, so a reader changes one field and leaves the others)."""
    spec = call.spec
    body: dict[str, Any] = {}
    if text(form, "reason"):
        body["reason"] = text(form, "reason")
    deadline = jst_input(text(form, "deadline"))
    if deadline is not None:
        body["deadline"] = deadline
    for name in ("description_ja", "description_en", "formula", "tie_rule", "department_id"):
        value = text(form, name)
        if value and value != str(spec.get(name) or ""):
            body[name] = value
    passing = text(form, "passing_score")
    if passing and not _same_number(passing, spec["passing_score"]):
        body["passing_score"] = passing
    chosen = text(form, "select")
    if chosen and chosen != str(spec["select"]):
        body["select"] = chosen
    priority = keys_list(text(form, "priority"))
    if priority != list(spec.get("priority") or []):
        body["priority"] = priority
    criteria = rows(form, "criteria", CRITERION, optional=("name_en",))
    if _criteria(criteria) != _criteria(spec["criteria"]):
        body["criteria"] = criteria
    board = sorted(texts(form, "board"))
    if board != sorted(call.board):
        body["board"] = board
    return body


def amendment_values(call: Call) -> dict[str, str]:
    """The amendment form at first: the call's rules as they stand, the reason blank."""
    values = spec_values(call)
    values["reason"] = ""
    return values
