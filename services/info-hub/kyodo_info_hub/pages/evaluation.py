"""Portal pages: evaluation reports of collaboration projects (協働事業の評価結果) — the list, the latest first, and
one report as published: the agreement's indicators with what each partner reported, both self-evaluations, the
committee's points under shuffled labels, the exact means, recusals, and the recommendation with its reasons.

The pages read what the API publishes (`api_evaluation`: `Evaluations.reports` / `.report`, and `.project` for the
partners' names), nothing more.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from kyodo_contracts.evaluation import Recommendation
from kyodo_info_hub.api_evaluation import evaluations
from kyodo_info_hub.evaluation import ProjectFilter
from kyodo_info_hub.opendata_results import group_names
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router
from kyodo_shared.web.pagination import Paging

router = page_router()


@router.get("/evaluation-reports")
def evaluation_reports(
    request: Request,
    paging: Paging,
    recommendation: Annotated[Recommendation | None, Query()] = None,
) -> HTMLResponse:
    reads = evaluations(request)
    chosen = ProjectFilter(recommendation=recommendation.value if recommendation else None)
    found, total = reads.reports(chosen, call_id=None, offset=paging.offset, limit=paging.limit)
    names = group_names(reads.db, sorted({r.group_id for r in found}))
    return render(
        request,
        "portal/evaluation_reports.html",
        {
            "reports": [(r, names.get(r.group_id), datetime.fromisoformat(r.published_at)) for r in found],
            "total": total,
            "page": paging.page,
            "per_page": paging.per_page,
            "pages": max(-(-total // paging.per_page), 1),
            "recommendation": recommendation.value if recommendation else "",
            "recommendations": [r.value for r in Recommendation],
        },
    )


@router.get("/evaluation-reports/{project_id}")
def evaluation_report(project_id: UUID, request: Request) -> HTMLResponse:
    reads = evaluations(request)
    found = reads.report(str(project_id))
    if found is None:
        raise Refusal("not_found", what="evaluation_report")
    summary, body = found
    detail = reads.project(str(project_id))
    criteria = body.get("criteria", [])
    partners = {s["partner"]: s for s in body.get("self_evaluations", [])}
    return render(
        request,
        "portal/evaluation_report.html",
        {
            "summary": summary,
            "report": body,
            "project": detail.project if detail else None,
            "criteria": criteria,
            "names": {c["key"]: c for c in criteria},
            "self_evaluations": [(partner, partners.get(partner)) for partner in ("group", "department")],
            "published_at": datetime.fromisoformat(summary.published_at),
            # The agreement's period as days (the report carries ISO text), written as the other dates are.
            "period": [date.fromisoformat(body["agreement"][end]) for end in ("period_start", "period_end")],
        },
    )
