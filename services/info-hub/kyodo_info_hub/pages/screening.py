"""Portal pages: the screening register (事業の選別の結果) — the city's projects screened for collaboration with
civic groups, each decision with its outcome, forms of collaboration and reasons; by fiscal year and department, in
pages. The page reads the register as the API does (`api_register`: `Register.entries` with a `RegisterFilter`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from kyodo_info_hub.api_register import register
from kyodo_info_hub.register import RegisterFilter
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router
from kyodo_shared.web.pagination import Paging

router = page_router()


def _choices(request: Request) -> tuple[list[int], list[tuple[str, str, str | None]]]:
    """The filters' options: the fiscal years with decisions, the latest first, and the departments by code."""
    with register(request).db.transaction(read_only=True) as tx:
        years = tx.fetchall("SELECT DISTINCT fiscal_year FROM screening_decisions ORDER BY fiscal_year DESC")
        departments = tx.fetchall("SELECT department_id, name_ja, name_en FROM hub_departments ORDER BY code")
    return (
        [int(str(r[0])) for r in years],
        [(str(r[0]), str(r[1]), None if r[2] is None else str(r[2])) for r in departments],
    )


@router.get("/screening-results")
def screening_results(
    request: Request,
    paging: Paging,
    fiscal_year: Annotated[int | None, Query(ge=2000, le=2200)] = None,
    department_id: Annotated[UUID | None, Query()] = None,
) -> HTMLResponse:
    chosen = RegisterFilter(fiscal_year=fiscal_year, department_id=str(department_id) if department_id else None)
    entries, total = register(request).entries(chosen, offset=paging.offset, limit=paging.limit)
    years, departments = _choices(request)
    query = [("fiscal_year", fiscal_year), ("department_id", department_id)]
    kept = "&".join(f"{k}={v}" for k, v in query if v is not None)
    return render(
        request,
        "portal/screening_results.html",
        {
            "entries": entries,
            "total": total,
            "page": paging.page,
            "per_page": paging.per_page,
            "pages": max(-(-total // paging.per_page), 1),
            "years": years,
            "departments": departments,
            "fiscal_year": fiscal_year,
            "department_id": str(department_id) if department_id else "",
            "kept": kept,
            "decided": {e.decision_id: datetime.fromisoformat(e.decided_at) for e in entries},
            "rescreen": {e.decision_id: date.fromisoformat(e.rescreen_on) for e in entries if e.rescreen_on},
        },
    )
