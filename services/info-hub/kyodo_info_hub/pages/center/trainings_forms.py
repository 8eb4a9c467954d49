"""The center's training form (`TrainingIn` / `PlanIn` of the API): what a posted form becomes as the API's JSON,
and what a stored plan shows in the form again. Field names are the API's JSON names, so its errors land beside
them. Times are typed as Japan time (`datetime-local`, the page says so) and sent with their offset.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from starlette.datastructures import FormData

from kyodo_shared.pages.actions import text, texts
from kyodo_shared.pages.format import TOKYO

TIMES = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")
# Left out when blank: the API's model has them optional (a blank would be refused as too short).
OPTIONAL = ("title_en", "description_en", "place", "online_url")
REQUIRED = ("title_ja", "description_ja", "capacity")
_LOCAL = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?$")


def posted_time(value: str) -> str:
    """A `datetime-local` value read as Japan time; anything else goes to the model as typed (it names the field)."""
    return value.replace(" ", "T") + "+09:00" if _LOCAL.match(value) else value


def shown_time(value: Any) -> str:
    """A stored time as a `datetime-local` control shows it: Japan time, to the minute."""
    if not value:
        return ""
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)  # as typed, shown again beside its error
    return moment.astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M")


def typed_plan(form: FormData, with_kind: bool) -> dict[str, Any]:
    """The form as the API's JSON body: a blank optional text left out, times with Japan's offset."""
    body: dict[str, Any] = {name: text(form, name) for name in REQUIRED}
    for name in OPTIONAL:
        if text(form, name):
            body[name] = text(form, name)
    for name in TIMES:
        body[name] = posted_time(text(form, name))
    body["audience"] = texts(form, "audience")
    if with_kind:
        body["kind"] = text(form, "kind")
    return body


def plan_values(plan: dict[str, Any]) -> dict[str, Any]:
    """A stored plan (or a typed body) as the form's values."""
    values = {k: ("" if v is None else v) for k, v in plan.items()}
    for name in TIMES:
        values[name] = shown_time(plan.get(name))
    return values
