"""The coordination window's monthly figures for the center (月次の公表): `/center/cases/figures` lists the months
published, newest first, as `GET /cases/statistics` does (`cases_index.figures_list`), and publishes a month that is
over and has none yet, as `POST /cases/statistics/{month}` (`publish_past_figures`; each month is otherwise
published by its timer at the first midnight after it).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from pydantic import Field

from kyodo_info_hub import cases_index
from kyodo_info_hub.cases_schemas import MONTH
from kyodo_info_hub.pages.home import application, listing, when
from kyodo_shared.domain.actors import Role
from kyodo_shared.pages.actions import Form, act, page_actor, signed_in, text
from kyodo_shared.pages.forms import FormErrors
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.notices import N_
from kyodo_shared.pages.paths import breadcrumbs
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router
from kyodo_shared.web.pagination import DEFAULT_PER_PAGE, PageRequest, Paging
from kyodo_shared.web.schemas import Strict

router = page_router("/center/cases/figures")
NOTICES: dict[str, str] = {"case_figures_published": N_("The month's figures are published.")}


class FiguresIn(Strict):
    """The month the path of `POST /cases/statistics/{month}` names."""

    month: Annotated[str, Field(pattern=MONTH, description="YYYY-MM (Asia/Tokyo)")]


def _page(
    request: Request,
    paging: PageRequest,
    *,
    typed: dict[str, Any] | None = None,
    errors: FormErrors | None = None,
    status: int = 200,
) -> HTMLResponse:
    items, total = cases_index.figures_list(application(request).db, paging.offset, paging.limit)
    months = [{**i, "published_at": when(i["published_at"])} for i in items]
    crumbs = breadcrumbs(
        request,
        ("/center", gettext(request, "The center's programmes")),
        ("/me/cases", gettext(request, "Coordination cases")),
        ("/center/cases/figures", gettext(request, "Monthly figures")),
    )
    context = {
        "months": months,
        "listing": listing(paging, total),
        "typed": typed or {},
        "errors": errors,
        "breadcrumbs": crumbs,
    }
    return render(request, "center/cases_figures.html", context, status=status)


@router.get("")
def figures(request: Request, paging: Paging) -> HTMLResponse:
    signed_in(request, Role.COORDINATOR)
    return _page(request, paging)


@router.post("")
def publish(request: Request, form: Form) -> Response:
    """As `POST /cases/statistics/{month}`: a month that is over and has no figures yet."""
    principal = signed_in(request, Role.COORDINATOR)
    typed = {"month": text(form, "month")}

    def command() -> Any:
        body = FiguresIn.model_validate(typed)
        return application(request).publish_past_figures(page_actor(request, principal), body.month)

    first = PageRequest(page=1, per_page=DEFAULT_PER_PAGE)
    return act(
        request,
        command,
        again=lambda errors, status: _page(request, first, typed=typed, errors=errors, status=status),
        then="/center/cases/figures",
        notice="case_figures_published",
    )
