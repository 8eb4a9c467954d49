"""What the screening pages share (the application is `routing.application`, the one the API routes call): the
departments a viewer keeps the inventory of, names in the reader's language, and the form fields that hold a list of
answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request
from starlette.datastructures import FormData

from kyodo_screening.app import ScreeningApplication
from kyodo_screening.vocabulary import fiscal_year_of
from kyodo_shared.domain.actors import Principal
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.pages.actions import text
from kyodo_shared.pages.i18n import negotiate
from kyodo_shared.pages.paths import name_in

Department = tuple[str, str, str | None]

__all__ = ["Department"]


def english(request: Request) -> bool:
    return negotiate(request) == "en"


def department_names(request: Request, app: ScreeningApplication) -> dict[str, str]:
    return {d[0]: name_in(request, d[1], d[2]) for d in app.departments()}


def kept_departments(app: ScreeningApplication, principal: Principal) -> list[Department]:
    return app.departments_kept_by(principal)


def chosen_department(kept: list[Department], wanted: str | None) -> Department | None:
    """The department the page is about: the one asked for when the viewer keeps it, else their first."""
    return next((d for d in kept if d[0] == wanted), kept[0] if kept else None)


def current_fiscal_year(app: ScreeningApplication) -> int:
    return fiscal_year_of(app.today())


def answers_from(form: FormData, prefix: str, keys: list[str]) -> dict[str, Any]:
    """The API's `Answers` body from the form: `<prefix>.answers.N.key` (hidden), `….rating`, `….reason` for each
    criterion of the checklist, in its order — so an error at `answers.N.…`, once mapped with
    `FormErrors.within(prefix)`, lands beside its criterion in this form (one page may hold the self-check and the
    assessment: their controls must not share names or ids)."""
    answers = []
    for n, key in enumerate(keys):
        answers.append(
            {
                "key": text(form, f"{prefix}.answers.{n}.key") or key,
                # Not chosen: None, which the kit words as "choose one" (not as a value outside the choices).
                "rating": text(form, f"{prefix}.answers.{n}.rating") or None,
                "reason": text(form, f"{prefix}.answers.{n}.reason"),
            }
        )
    return {"answers": answers}


def answers_values(given: list[dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    """Earlier answers by criterion key, to fill the form with."""
    return {str(a["key"]): a for a in given or []}


def jst_input(value: datetime | str | None) -> str:
    """A time as a `datetime-local` control shows it: Tokyo wall-clock time, to the minute."""
    if value is None:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M")


def jst_posted(raw: str) -> str:
    """A `datetime-local` value is Tokyo time (the page says so): given its offset. Text that is not a time goes
    to the API's model as written, which refuses it beside the field."""
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return raw
    return (moment if moment.tzinfo else moment.replace(tzinfo=TOKYO)).isoformat()
