"""A committee's public roster (委員名簿): `/registry/committees/{committee_id}`.

What the public JSON `/api/registry/committees/{id}` answers, for people: the committee's kind and name, and on a
day (today unless `?on=`) its members as published — names (or that a name was erased), chair and vice-chair, terms.
It is built by the very function the API route answers with (`org.api_committees.roster`), so it shows nothing the
JSON does not; member ids (the identity provider's subject) stay in the JSON, for programs.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from kyodo_registry.org.api_committees import roster
from kyodo_registry.pages.org.common import crumbs, uuid_of
from kyodo_registry.routing import application
from kyodo_shared.pages.i18n import negotiate
from kyodo_shared.pages.paths import name_in
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router
from kyodo_shared.pages.session import viewer_of
from kyodo_shared.web.auth import Role

router = page_router(prefix="/registry")


def _coordinator(request: Request) -> bool:
    viewer = viewer_of(request)
    return viewer is not None and viewer.has(Role.COORDINATOR)


@router.get("/committees/{committee_id}")
def committee(
    committee_id: str,
    request: Request,
    on: Annotated[date | None, Query(description="A calendar date (Asia/Tokyo); today if omitted.")] = None,
) -> HTMLResponse:
    app = application(request)
    found = app.get_committee(uuid_of(committee_id, "committee"))  # Refusal("not_found") → the kit's 404 page
    shown = roster(app, found, on or app.today())
    english_name = negotiate(request) == "en" and bool(shown.name_en)
    name = name_in(request, shown.name_ja, shown.name_en)
    return render(
        request,
        "registry/committee.html",
        {
            "roster": shown,
            "chair": next((m for m in shown.members if m.role == "chair"), None),
            "vice_chair": next((m for m in shown.members if m.role == "vice_chair"), None),
            "name": name,
            "name_lang": "en" if english_name else "ja",
            "dated": on is not None,
            "json_url": f"/api/registry/committees/{shown.id}" + (f"?on={shown.on.isoformat()}" if on else ""),
            "breadcrumbs": crumbs(request, (request.url.path, name)),
            # A coordinator manages the members from here (the roster itself is the same for everyone).
            "manage_url": f"/registry/committees/{shown.id}/manage" if _coordinator(request) else None,
        },
    )
