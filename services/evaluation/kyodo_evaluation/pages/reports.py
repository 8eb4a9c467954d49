"""A partner's interim report (中間報告): `/evaluation/projects/{pid}/reports/{index}` shows the report due on the
agreement's index-th report date, the reports filed for it, and — to a partner who has not filed it while the
project runs — the form with every indicator of the agreement in force. It posts to the application method the
API's POST /projects/{pid}/reports/{index} calls; values travel as text, as the API takes them.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from kyodo_evaluation.pages.common import (
    agreed_indicators,
    project_form_page,
    validated,
    value_refusals,
    viewed,
)
from kyodo_evaluation.routing import application
from kyodo_evaluation.schemas import ReportIn
from kyodo_evaluation.vocabulary import Status
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.pages.actions import Form, act, page_actor, signed_in, text
from kyodo_shared.pages.forms import FormErrors
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.paths import path_uuid
from kyodo_shared.pages.routing import page_router
from kyodo_shared.web.auth import Role

router = page_router(prefix="/evaluation")
# The API's bound on values in a report or a self-evaluation (schemas.ReportIn).
MAX_VALUES = 30


def values_posted(form: FormData, prefix: str) -> list[dict[str, str]]:
    """One row per indicator the form showed (its hidden key and unit, the value typed): none dropped, so a blank
    value is refused beside its field."""
    count = next((n for n in range(MAX_VALUES + 1) if f"{prefix}.{n}.key" not in form), MAX_VALUES)
    return [{f: text(form, f"{prefix}.{n}.{f}") for f in ("key", "value", "unit")} for n in range(count)]


def report_page(
    request: Request,
    project_id: UUID,
    index: int,
    *,
    errors: FormErrors | None = None,
    posted: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    app, who, project, side = viewed(request, project_id)
    agreement = project.agreement
    dates = project.due_dates()
    if agreement is not None and not 1 <= index <= len(dates):
        raise Refusal("report_not_scheduled")
    filed = [r for r in app.reports_of(who, project_id) if int(r["index"]) == index]
    mine = next((r for r in filed if side is not None and r["partner"] == side.value), None)
    today = app.today()
    if side is None:
        closed = "not_a_partner"
    elif agreement is None:
        closed = "not_concluded"
    elif project.status is not Status.ACTIVE or today > date.fromisoformat(agreement["period_end"]):
        closed = "ended"
    elif mine is not None:
        closed = "filed"
    else:
        closed = None
    label = gettext(request, "Report %(index)s") % {"index": index}
    context = {
        "index": index,
        "due_on": dates[index - 1] if agreement is not None else None,
        "indicators": agreement["indicators"] if agreement is not None else [],
        "filed": filed,
        "side": side.value if side else None,
        "closed": closed,
        "posted": posted or {},
        "today": today.isoformat(),
    }
    return project_form_page(request, "evaluation/ws_report.html", project, label, context, errors, status)


@router.get("/projects/{project_id}/reports/{index}")
def report(project_id: str, index: int, request: Request) -> Response:
    return report_page(request, path_uuid(project_id, "project_not_found"), index)


@router.post("/projects/{project_id}/reports/{index}")
def file_report(project_id: str, index: int, request: Request, form: Form) -> Response:
    principal = signed_in(request, Role.GROUP, Role.STAFF)
    pid = path_uuid(project_id, "project_not_found")
    values = values_posted(form, "values")
    posted = {"values": values, "summary_ja": text(form, "summary_ja")}

    def command() -> None:
        body = validated(
            request,
            ReportIn,
            posted,
            lambda: value_refusals(agreed_indicators(request, principal, pid), values, "values"),
        )
        application(request).file_report(
            page_actor(request, principal), pid, index, [v.model_dump() for v in body.values], body.summary_ja
        )

    return act(
        request,
        command,
        again=lambda errors, status: report_page(request, pid, index, errors=errors, posted=posted, status=status),
        then=f"/evaluation/projects/{pid}/reports/{index}",
        notice="report_filed",
    )
