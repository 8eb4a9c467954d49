"""Screening HTTP routes for the inventory (事業一覧): enter, revise, read and list a department's projects, and
import or export the CSV file the department keeps (Excel's habits accepted; all or nothing)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Query, Request, Response

from kyodo_screening.inventory_csv import CsvRejected, export_csv, parse_inventory
from kyodo_screening.messages import MESSAGES
from kyodo_screening.routing import Anyone, InventoryKeeper, application, project_summary, project_view
from kyodo_screening.schemas import (
    FiscalYear,
    ImportResultView,
    ProjectEntry,
    ProjectPage,
    ProjectRecordIn,
    ProjectView,
)
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.web.messages import MessageTable
from kyodo_shared.web.pagination import LINK_HEADER, Paging, paginated
from kyodo_shared.web.problems import Problem
from kyodo_shared.web.routes import actor_of, answered, etag_of, expected_version, nudge, service_router

projects = service_router(prefix="/projects", tags=["inventory"])
departments = service_router(prefix="/departments", tags=["inventory"])

_WORDING = MessageTable(MESSAGES)
# Media types a CSV file arrives as: Windows browsers label `.csv` files as Excel's.
CSV_TYPES = ("text/csv", "application/csv", "application/vnd.ms-excel")
CSV_REQUEST = {
    "requestBody": {
        "required": True,
        "description": "The department's inventory as CSV (UTF-8 with or without BOM, or CP932), at most 5 MB.",
        "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}},
    }
}


async def csv_body(request: Request) -> bytes:
    """The raw file: read here rather than as a body parameter, which FastAPI would try to decode as JSON first
    (a file sent with the wrong type must be answered 415, not as malformed JSON)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in CSV_TYPES:
        raise Refusal("unsupported_media_type")
    return await request.body()


CsvBody = Annotated[bytes, Depends(csv_body)]


@projects.post("", status_code=201, response_model=ProjectView, summary="Enter a project in the inventory (事業の登録)")
def enter(body: ProjectEntry, request: Request, response: Response, principal: InventoryKeeper) -> Any:
    record = ProjectRecordIn.model_validate(body.model_dump(exclude={"department_id", "fiscal_year"})).record()
    project = application(request).enter_project(
        actor_of(request, principal), body.department_id, body.fiscal_year, record
    )
    response.headers["Location"] = f"projects/{project.id}"
    answered(request, response, project.version, 201)
    return project_view(project)


@projects.get("/{project_id}", response_model=ProjectView, summary="One project of the inventory (public)")
def read(project_id: UUID, request: Request, response: Response, principal: Anyone) -> Any:
    project = application(request).get_project(project_id)
    response.headers["ETag"] = etag_of(project.version)
    return project_view(project)


@projects.put("/{project_id}", response_model=ProjectView, summary="Revise a project (If-Match)")
def revise(
    project_id: UUID, body: ProjectRecordIn, request: Request, response: Response, principal: InventoryKeeper
) -> Any:
    project = application(request).update_project(
        actor_of(request, principal), expected_version(request), project_id, body.record()
    )
    answered(request, response, project.version)
    return project_view(project)


@departments.get(
    "/{department_id}/projects",
    response_model=ProjectPage,
    responses=LINK_HEADER,
    summary="A department's inventory, newest fiscal year first (public)",
)
def inventory(
    department_id: UUID,
    request: Request,
    response: Response,
    principal: Anyone,
    paging: Paging,
    fiscal_year: Annotated[FiscalYear | None, Query()] = None,
) -> Any:
    items, total = application(request).department_projects(department_id, fiscal_year, paging.offset, paging.limit)
    notes = application(request).evaluations_of(items)
    summaries = [project_summary(i, False, notes.get(i.project_id)) for i in items]
    return paginated(request, response, paging, ProjectPage, summaries, total)


@departments.post(
    "/{department_id}/projects/import",
    response_model=ImportResultView,
    openapi_extra=CSV_REQUEST,
    summary="Import the inventory CSV: every row entered or updated, or nothing (422 lists every error)",
    responses={
        413: {"description": "Over 5 MB or 5,000 rows"},
        415: {"description": "Not sent as text/csv"},
        422: {"description": "Errors by row and column"},
    },
)
def import_csv(
    department_id: UUID,
    fiscal_year: Annotated[FiscalYear, Query()],
    request: Request,
    response: Response,
    principal: InventoryKeeper,
    body: CsvBody,
) -> Any:
    application(request).may_import(actor_of(request, principal), department_id, fiscal_year)
    try:
        rows = parse_inventory(body)
    except CsvRejected as rejected:
        raise _rejected(rejected) from None
    result = application(request).import_projects(
        actor_of(request, principal), department_id, fiscal_year, [row.fields for row in rows]
    )
    nudge(request)
    return ImportResultView(entered=result.entered, updated=result.updated, unchanged=result.unchanged)


def _rejected(rejected: CsvRejected) -> Problem:
    """The file's every error by row and column (never a cell's content), in the service's wording."""
    problem = _WORDING.problem(rejected.code)
    problem.status = rejected.status
    problem.errors = [error.as_problem_error() for error in rejected.errors]
    return problem


@departments.get(
    "/{department_id}/projects/export.csv",
    summary="The inventory as CSV (UTF-8 with BOM for Excel; formula-like cells neutralised)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def export(
    department_id: UUID,
    request: Request,
    principal: Anyone,
    fiscal_year: Annotated[FiscalYear, Query()],
) -> Response:
    records = application(request).department_records(department_id, fiscal_year)
    text = export_csv(records)
    filename = f"inventory-{department_id}-FY{fiscal_year}.csv"
    return Response(
        "\ufeff" + text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
