"""What the proposals pages share (the application is `routing.application`): a call id from a URL, the call's
status in words, and the form fields as the API's JSON (field names are its JSON paths, `criteria.0.weight`, so its
errors land beside them)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from fractions import Fraction
from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from kyodo_proposals.app import ProposalsApplication
from kyodo_proposals.pages import reads
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.pages.actions import text
from kyodo_shared.pages.forms import FieldError, FormErrors
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.notices import N_
from kyodo_shared.pages.paths import breadcrumbs, name_in, path_uuid
from kyodo_shared.pages.render import render
from kyodo_shared.pages.session import viewer_of

# A call's status as people read it (msgids; the templates translate them).
STATUS_WORDS: dict[str, str] = {
    "draft": N_("Draft"),
    "published": N_("Open for proposals"),
    "closed": N_("Closed (deadline passed)"),
    "in_review": N_("In review"),
    "decided": N_("Decided"),
    "results_published": N_("Results published"),
    "cancelled": N_("Cancelled"),
}
KIND_WORDS: dict[str, str] = {
    "partner_selection": N_("Partner selection (proposal method)"),
    "open_call": N_("Open call (proposal system)"),
}
FORMULA_WORDS: dict[str, str] = {
    "weighted_sum_of_means": N_("Weighted sum of the members' mean points"),
    "percent_of_maximum": N_("Percent of the maximum"),
}
TIE_WORDS: dict[str, str] = {
    "lottery": N_("Lottery (seed committed at publication)"),
    "criteria_priority_then_lottery": N_("Criteria priority, then lottery"),
}
_LOCAL_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?$")
_SPLIT = re.compile(r"[\s,、]+")


def call_uuid(value: str) -> UUID:
    """A malformed id names no call: the same 404 as an unknown one."""
    return path_uuid(value, "call_not_found")


def calls_crumbs(request: Request, *more: tuple[str, str]) -> list[tuple[str, str]]:
    """Home › Calls for proposals › …: where every proposals page sits."""
    return breadcrumbs(request, ("/proposals/calls", gettext(request, "Calls for proposals")), *more)


def deadline_of(spec: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(spec["deadline"]))


def local_time(moment: datetime) -> str:
    """A moment as a `datetime-local` field shows it: Asia/Tokyo, to the minute."""
    return moment.astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M")


def jst_input(value: str) -> str | None:
    """A `datetime-local` value read as Asia/Tokyo (the API's AwareDatetime); anything else goes to the API's model
    as typed, which names the field; blank: None (left out, so the model says it is required)."""
    if not value:
        return None
    if _LOCAL_TIME.match(value):
        return value.replace(" ", "T") + "+09:00"
    return value


def exact_text(value: Any) -> str:
    """An exact number as people write it ("15", "121/2"), from the stored "15/1"."""
    try:
        number = Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        return str(value)
    return str(number.numerator) if number.denominator == 1 else f"{number.numerator}/{number.denominator}"


def rows(form: FormData, prefix: str, names: Sequence[str], optional: Sequence[str] = ()) -> list[dict[str, str]]:
    """Indexed rows (`prefix.0.name` …) in index order; a row left wholly blank is dropped, blank optional fields
    left out (the API's defaults apply), blank required ones kept so the model names them."""
    indexes = sorted(
        {int(m.group(1)) for key in form for m in [re.match(rf"^{re.escape(prefix)}\.(\d{{1,2}})\.", key)] if m}
    )
    found = []
    for index in indexes:
        row = {name: text(form, f"{prefix}.{index}.{name}") for name in names}
        if not any(row.values()):
            continue
        found.append({k: v for k, v in row.items() if v or k not in optional})
    return found


def keys_list(value: str) -> list[str]:
    return [part for part in _SPLIT.split(value) if part]


def flat(values: dict[str, Any], prefix: str, items: Sequence[dict[str, Any]]) -> None:
    """Rows into the form's flat values (`criteria.0.key` → "need")."""
    for index, item in enumerate(items):
        for name, value in item.items():
            values[f"{prefix}.{index}.{name}"] = "" if value is None else str(value)


def posted(form: FormData) -> dict[str, str]:
    """The posted fields as the form shows them again (files and the CSRF token left out)."""
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}


def row_count(values: dict[str, str], prefix: str, blanks: int = 1, most: int = 20) -> int:
    """How many rows the form shows: up to the last filled one, and `blanks` more, within the API's maximum (rows
    posted blank do not count, so a form sent again and again does not grow)."""
    pattern = re.compile(rf"^{re.escape(prefix)}\.(\d+)\.")
    indexes = [int(m.group(1)) for key, value in values.items() for m in [pattern.match(key)] if m and value]
    return min(most, (max(indexes) + 1 if indexes else 0) + blanks)


def committee_options(request: Request, app: ProposalsApplication) -> list[tuple[str, str]]:
    """The review boards a draft may name, as the registry told this service: by name, with their kind and today's
    member count (a board whose name has not arrived yet is named by its kind and the start of its id)."""
    named = gettext(request, "%(name)s (review board, %(n)s members today)")
    unnamed = gettext(request, "Collaboration project review board — %(n)s members today (id %(id)s…)")
    return [
        (
            c.committee_id,
            named % {"name": name_in(request, c.name_ja, c.name_en), "n": c.members_today}
            if c.name_ja
            else unnamed % {"id": c.committee_id[:8], "n": c.members_today},
        )
        for c in reads.committees(app)
    ]


def screening_options(request: Request, app: ProposalsApplication) -> list[tuple[str, str]]:
    """The screening decisions "suitable for collaboration" a partner-selection call may follow, by project."""
    words = gettext(request, "%(number)s %(title)s (fiscal year %(year)s)")
    return [
        (did, words % {"number": number, "title": title, "year": year})
        for did, number, title, year in reads.screening_decisions(app)
    ]


def department_options(request: Request, app: ProposalsApplication) -> list[tuple[str, str]]:
    return [(did, name_in(request, name_ja, name_en)) for did, name_ja, name_en in reads.departments(app)]


def choose_group(request: Request, app: ProposalsApplication, title: str, path: str) -> Response:
    """For a person acting for several groups who named none: which group's page to open."""
    principal = viewer_of(request)
    groups = reads.groups_of(app, principal.sub) if principal is not None else []
    context = {"title": title, "path": path, "groups": groups, "breadcrumbs": calls_crumbs(request, (path, title))}
    return render(request, "proposals/choose_group.html", context)


def title_of(request: Request, spec: dict[str, Any]) -> str:
    """The call's title in the page's language (its Japanese when it has no English one)."""
    return name_in(request, str(spec["title_ja"]), spec.get("title_en"))


CONFIRM = N_("Tick the box to confirm: this cannot be undone.")


def unconfirmed(request: Request, form: FormData) -> FormErrors | None:
    """An irreversible one-click action (publish, open the review, withdraw) is taken only with its confirmation
    box ticked; without it, the errors that say so beside the box (nothing is sent to the service)."""
    if text(form, "confirm") == "yes":
        return None
    reason = gettext(request, CONFIRM)
    item = FieldError("confirm", "confirm", reason)
    return FormErrors(gettext(request, "Please confirm"), "", (item,), {str(item.id): (reason,)})
