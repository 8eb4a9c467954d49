"""Committees for coordinators: `/registry/committees` (the review board and the evaluation committee established;
establish one). Each committee's public roster is `/registry/committees/{id}` (pages/committees.py); managing its
members and officers is `/registry/committees/{id}/manage` (pages/org/committee_manage.py)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from kyodo_registry.org.api_committees import CommitteeRequest
from kyodo_registry.pages.org.common import body, list_page, manager, reader
from kyodo_registry.routing import application
from kyodo_shared.pages.actions import Form, act, page_actor
from kyodo_shared.pages.forms import FormErrors
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.paths import name_in
from kyodo_shared.pages.routing import page_router
from kyodo_shared.web.pagination import DEFAULT_PER_PAGE, Paging

router = page_router(prefix="/registry")
LIST = "/registry/committees"


def _list_page(
    request: Request, page: int, per_page: int, values: dict[str, str], errors: FormErrors, status: int = 200
) -> HTMLResponse:
    found, total = application(request).committees((page - 1) * per_page, per_page)
    rows = [
        {
            "kind": c.kind,
            "name": name_in(request, c.name_ja, c.name_en),
            "roster": f"{LIST}/{c.id}",
            "manage": f"{LIST}/{c.id}/manage",
        }
        for c in found
    ]
    here = (LIST, gettext(request, "Committees"))
    return list_page(
        request, "registry/org_committees.html", here, rows, (total, page, per_page), values, errors, status
    )


@router.get("/committees")
def committees(request: Request, paging: Paging) -> HTMLResponse:
    reader(request)
    return _list_page(request, paging.page, paging.per_page, {}, FormErrors())


@router.post("/committees")
def establish(request: Request, form: Form) -> Response:
    principal = manager(request)
    fields = body(form, "kind", "name_ja", "name_en")

    def command() -> None:
        model = CommitteeRequest.model_validate(fields)
        application(request).establish_committee(
            page_actor(request, principal), model.kind.value, model.name_ja, model.name_en
        )

    return act(
        request,
        command,
        again=lambda errors, status: _list_page(request, 1, DEFAULT_PER_PAGE, fields, errors, status),
        then=LIST,
        notice="committee_established",
    )
