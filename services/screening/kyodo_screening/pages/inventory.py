"""A department's inventory (事業一覧) for its staff: `/screening/inventory` lists the viewer's department's projects
(the API's `GET /departments/{id}/projects`), `/screening/inventory/import` takes the CSV file the department keeps
(the API's import: UTF-8 or CP932, all or nothing — every row error is shown beside its row, and nothing is stored).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any
from uuid import UUID

from fastapi import Query, Request
from fastapi.responses import Response
from pydantic import Field, ValidationError

from kyodo_screening.inventory_csv import COLUMNS, CsvRejected, RowError, parse_inventory
from kyodo_screening.messages import MESSAGES
from kyodo_screening.pages.common import (
    chosen_department,
    current_fiscal_year,
    english,
    kept_departments,
)
from kyodo_screening.routing import application
from kyodo_screening.schemas import FiscalYear
from kyodo_shared.pages.actions import Form, act, page_actor, signed_in, text, upload
from kyodo_shared.pages.forms import FormErrors, field_id, form_errors
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.notices import N_
from kyodo_shared.pages.paths import breadcrumbs, name_in
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router
from kyodo_shared.web.auth import Role
from kyodo_shared.web.messages import MessageTable
from kyodo_shared.web.pagination import Paging
from kyodo_shared.web.problems import Problem, field_errors
from kyodo_shared.web.schemas import Strict

router = page_router(prefix="/screening")
NOTICES = {"inventory_imported": N_("The inventory CSV was imported: every row is stored.")}
_WORDING = MessageTable(MESSAGES)
_LABELS = {column.key: (column.label_ja, column.label_en) for column in COLUMNS}
_FILE_REQUIRED = {
    "field": "file",
    "code": "required",
    "reason_ja": "CSV ファイルを選んでください",
    "reason_en": "Choose the CSV file",
}


class ImportTarget(Strict):
    """The import's query parameters (`department_id`, `fiscal_year`), checked as the API checks them."""

    department_id: UUID
    fiscal_year: FiscalYear = Field()


@router.get("/inventory")
def inventory(
    request: Request,
    paging: Paging,
    department_id: Annotated[str | None, Query()] = None,
    fiscal_year: Annotated[FiscalYear | None, Query()] = None,
) -> Response:
    principal = signed_in(request, Role.STAFF, Role.COORDINATOR)
    app = application(request)
    kept = kept_departments(app, principal)
    chosen = chosen_department(kept, department_id)
    listing: dict[str, Any] = {"items": [], "total": 0, "page": paging.page, "per_page": paging.per_page}
    if chosen is not None:
        items, total = app.department_projects(UUID(chosen[0]), fiscal_year, paging.offset, paging.limit)
        listing.update(items=items, total=total)
    return render(
        request,
        "screening/inventory.html",
        {
            "departments": [(d[0], name_in(request, d[1], d[2])) for d in kept],
            "department": None if chosen is None else (chosen[0], name_in(request, chosen[1], chosen[2])),
            "fiscal_year": fiscal_year,
            "listing": listing,
            "breadcrumbs": breadcrumbs(request, (request.url.path, gettext(request, "Inventory"))),
        },
    )


@dataclass
class _Outcome:
    """What the import's command left for the page when the file is refused: its row errors, each beside its row."""

    rejected: list[RowError] = field(default_factory=list)


@router.get("/inventory/import")
def import_form(
    request: Request,
    department_id: Annotated[str | None, Query()] = None,
    fiscal_year: Annotated[int | None, Query()] = None,
    entered: Annotated[int | None, Query(ge=0)] = None,
    updated: Annotated[int | None, Query(ge=0)] = None,
    unchanged: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    principal = signed_in(request, Role.STAFF, Role.COORDINATOR)
    app = application(request)
    chosen = chosen_department(kept_departments(app, principal), department_id)
    values = {
        "department_id": "" if chosen is None else chosen[0],
        "fiscal_year": str(fiscal_year or current_fiscal_year(app)),
    }
    done = None if entered is None else (entered, updated or 0, unchanged or 0)
    return _import_page(request, principal, values, FormErrors(), [], done)


@router.post("/inventory/import")
def import_csv(request: Request, form: Form) -> Response:
    principal = signed_in(request, Role.STAFF, Role.COORDINATOR)
    app = application(request)
    values = {"department_id": text(form, "department_id"), "fiscal_year": text(form, "fiscal_year")}
    outcome = _Outcome()

    def command() -> tuple[ImportTarget, tuple[int, int, int]]:
        chosen = upload(form, "file")
        try:
            target = ImportTarget.model_validate(values)
        except ValidationError as invalid:
            if chosen is not None:
                raise
            # Nothing chosen and the year wrong too: say both at once, not one per post.
            problem = _WORDING.problem("validation_failed")
            problem.errors = [*field_errors([dict(e) for e in invalid.errors()]), _FILE_REQUIRED]
            raise problem from None
        actor = page_actor(request, principal)
        # Who may import is asked before the file is read, as the API does.
        app.may_import(actor, target.department_id, target.fiscal_year)
        if chosen is None:
            raise Problem(
                422, "file_required", "CSV ファイルを選んでください", "Choose the CSV file", errors=[_FILE_REQUIRED]
            )
        try:
            rows = parse_inventory(chosen.file.read())
        except CsvRejected as rejected:
            outcome.rejected = rejected.errors
            problem = _WORDING.problem(rejected.code)
            problem.status = rejected.status
            problem.errors = [error.as_problem_error() for error in rejected.errors]
            if rejected.code == "csv_invalid":
                # The API's detail points to its JSON member `errors`; the page has the table below instead.
                problem.detail_ja = "下の表で行ごとの理由を確認してください。"
                problem.detail_en = "See the table below for each row's reason."
            raise problem from None
        result = app.import_projects(actor, target.department_id, target.fiscal_year, [row.fields for row in rows])
        return target, (len(result.entered), len(result.updated), len(result.unchanged))

    def again(errors: FormErrors, status: int) -> Response:
        return _import_page(request, principal, values, errors, outcome.rejected, None, status)

    try:
        return act(request, command, again=again, then=_summary, notice="inventory_imported")
    except Problem as problem:
        if problem.status != 413:
            raise
        # Too many rows: the form again with the reason beside the file, as for any other error of the file.
        return again(form_errors(request, problem), 413)


def _summary(imported: tuple[ImportTarget, tuple[int, int, int]]) -> str:
    """The summary of what was stored: counts (numbers, not text) in the redirect, read back as integers."""
    target, (entered, updated, unchanged) = imported
    return (
        f"/screening/inventory/import?department_id={target.department_id}&fiscal_year={target.fiscal_year}"
        f"&entered={entered}&updated={updated}&unchanged={unchanged}"
    )


def _import_page(
    request: Request,
    principal: Any,
    values: dict[str, str],
    errors: FormErrors,
    rejected: list[RowError],
    done: tuple[int, int, int] | None,
    status: int = 200,
) -> Response:
    app = application(request)
    kept = kept_departments(app, principal)
    rows, anchored = [], set()
    labels = {
        "department_id": gettext(request, "Department"),
        "fiscal_year": gettext(request, "Fiscal year"),
        "file": gettext(request, "Inventory CSV file"),
    }
    for e in rejected:
        # The summary's link for `rows[N].column` reaches this error's line in the table (its first, if repeated).
        anchor = field_id(e.as_problem_error()["field"]) if e.column else None
        label_ja, label_en = _LABELS.get(e.column, ("", ""))
        rows.append(
            {
                "row": e.row,
                "id": anchor if anchor and anchor not in anchored else None,
                "column": label_en if english(request) else label_ja,
                "reason": e.reason_en if english(request) else e.reason_ja,
            }
        )
        anchored.add(anchor)
        if e.column:
            # The summary names the row and column of each error it links to.
            where = gettext(request, "Row %(row)s, %(column)s") % {"row": e.row, "column": rows[-1]["column"]}
            labels[e.as_problem_error()["field"]] = where
    return render(
        request,
        "screening/import.html",
        {
            "departments": [(d[0], name_in(request, d[1], d[2])) for d in kept],
            "values": values,
            "errors": errors,
            "row_errors": [r for r in rows if r["row"]],
            "file_errors": [r for r in rows if not r["row"]],
            "labels": labels,
            "done": done,
            "breadcrumbs": breadcrumbs(
                request,
                ("/screening/inventory", gettext(request, "Inventory")),
                (request.url.path, gettext(request, "Import the inventory")),
            ),
        },
        status=status,
    )
