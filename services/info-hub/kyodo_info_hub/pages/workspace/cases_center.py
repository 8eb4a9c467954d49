"""The center's actions on a case at `/me/cases/{cid}`: route it to departments (`POST /cases/{cid}/routings`,
`route_case`, the body `RoutingIn`: `department_ids`) and close it with its outcome (`POST /cases/{cid}/closure`,
`close_case`, the body `ClosureIn`: `outcome`, `reason_ja`, `reason_en`), each with the case's version as If-Match.
Matching groups, invitations and links stay with the API for now (no page in the agreed URL map).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from kyodo_info_hub.cases_schemas import ClosureIn, RoutingIn
from kyodo_info_hub.pages.home import application
from kyodo_info_hub.pages.workspace.cases import case_page_of
from kyodo_shared.domain.actors import Role
from kyodo_shared.pages.actions import Form, act, page_actor, seen_version, signed_in, text, texts
from kyodo_shared.pages.paths import path_uuid
from kyodo_shared.pages.routing import page_router

router = page_router("/me/cases")


@router.post("/{case_id}/routings")
def route(case_id: str, request: Request, form: Form) -> Response:
    """As `POST /cases/{cid}/routings` with If-Match: each chosen department to acknowledge by its deadline."""
    principal = signed_in(request, Role.COORDINATOR)
    cid = path_uuid(case_id, "case_not_found")
    typed: dict[str, Any] = {"department_ids": texts(form, "department_ids")}

    def command() -> None:
        body = RoutingIn.model_validate(typed)
        application(request).route_case(page_actor(request, principal), seen_version(form), cid, body.department_ids)

    return act(
        request,
        command,
        again=lambda errors, status: case_page_of(request, principal, cid, errors, status, typed),
        then=f"/me/cases/{cid}",
        notice="case_routed",
    )


@router.post("/{case_id}/closure")
def close(case_id: str, request: Request, form: Form) -> Response:
    """As `POST /cases/{cid}/closure` with If-Match: the outcome and its reason."""
    principal = signed_in(request, Role.COORDINATOR)
    cid = path_uuid(case_id, "case_not_found")
    typed: dict[str, Any] = {"outcome": text(form, "outcome"), "reason_ja": text(form, "reason_ja")}
    if text(form, "reason_en"):
        typed["reason_en"] = text(form, "reason_en")

    def command() -> None:
        body = ClosureIn.model_validate(typed)
        application(request).close_case(
            page_actor(request, principal), seen_version(form), cid, body.outcome, body.reason_ja, body.reason_en
        )

    return act(
        request,
        command,
        again=lambda errors, status: case_page_of(request, principal, cid, errors, status, typed),
        then=f"/me/cases/{cid}",
        notice="case_closed",
    )
