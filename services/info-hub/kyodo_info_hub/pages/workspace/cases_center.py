"""The center's actions on a case at `/me/cases/{cid}`, each with the case's version as If-Match:

- route it to departments (`POST /cases/{cid}/routings`, `route_case`, the body `RoutingIn`: `department_ids`);
- find the matching registered groups, each with its reasons (`POST /cases/{cid}/suggestions`, `suggest_groups`);
- invite registered groups, suggested or any other (`POST /cases/{cid}/invitations`, `invite_groups`, the body
  `InvitationIn`: `group_ids`; the page's `other_group_id` is one more of them);
- link a call or a proposal the case led to, also once closed (`POST /cases/{cid}/links`, `link_case`, `LinkIn`:
  `kind`, `target_id`), picked by title from the calls and adopted proposals info-hub knows (`target`) or by id;
- close it with its outcome (`POST /cases/{cid}/closure`, `close_case`, the body `ClosureIn`: `outcome`,
  `reason_ja`, `reason_en`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from kyodo_info_hub.cases_schemas import ClosureIn, InvitationIn, LinkIn, RoutingIn
from kyodo_info_hub.pages.home import application
from kyodo_info_hub.pages.workspace.cases import case_page_of
from kyodo_shared.domain.actors import Actor, Role
from kyodo_shared.domain.refusals import Expected
from kyodo_shared.pages.actions import Form, act, page_actor, seen_version, signed_in, text, texts
from kyodo_shared.pages.paths import path_uuid
from kyodo_shared.pages.routing import page_router

router = page_router("/me/cases")
# A coordinator's command on the case: the actor, the version the page showed (If-Match) and the case's id.
Command = Callable[[Actor, Expected, UUID], Any]


def _acted(
    request: Request, case_id: str, form: FormData, typed: dict[str, Any], command: Command, notice: str
) -> Response:
    """A coordinator's form on the case's page: the command with the page's version; refused: the page again with
    what was typed."""
    principal = signed_in(request, Role.COORDINATOR)
    cid = path_uuid(case_id, "case_not_found")
    return act(
        request,
        lambda: command(page_actor(request, principal), seen_version(form), cid),
        again=lambda errors, status: case_page_of(request, principal, cid, errors, status, typed),
        then=f"/me/cases/{cid}",
        notice=notice,
    )


@router.post("/{case_id}/routings")
def route(case_id: str, request: Request, form: Form) -> Response:
    """As `POST /cases/{cid}/routings`: each chosen department to acknowledge by its deadline."""
    typed: dict[str, Any] = {"department_ids": texts(form, "department_ids")}

    def command(actor: Actor, expected: Expected, cid: UUID) -> Any:
        body = RoutingIn.model_validate(typed)
        return application(request).route_case(actor, expected, cid, body.department_ids)

    return _acted(request, case_id, form, typed, command, "case_routed")


@router.post("/{case_id}/suggestions")
def suggest(case_id: str, request: Request, form: Form) -> Response:
    """As `POST /cases/{cid}/suggestions`: the directory's registered groups matching the case, each with its
    reasons (a later search replaces the earlier one)."""
    return _acted(request, case_id, form, {}, application(request).suggest_groups, "case_groups_suggested")


@router.post("/{case_id}/invitations")
def invite(case_id: str, request: Request, form: Form) -> Response:
    """As `POST /cases/{cid}/invitations`: the groups ticked, and the other group chosen if any."""
    typed: dict[str, Any] = {"group_ids": texts(form, "group_ids") + texts(form, "other_group_id")}

    def command(actor: Actor, expected: Expected, cid: UUID) -> Any:
        body = InvitationIn.model_validate(typed)
        return application(request).invite_groups(actor, expected, cid, body.group_ids)

    return _acted(request, case_id, form, typed, command, "case_groups_invited")


@router.post("/{case_id}/links")
def link(case_id: str, request: Request, form: Form) -> Response:
    """As `POST /cases/{cid}/links`: a call or a proposal the case led to — chosen by title (`target`, `kind:id`)
    or, for one not listed, its kind and id."""
    chosen = text(form, "target")
    kind, _, target_id = chosen.partition(":")
    typed: dict[str, Any] = (
        {"target": chosen, "kind": kind, "target_id": target_id}
        if chosen
        else {"kind": text(form, "kind"), "target_id": text(form, "target_id")}
    )

    def command(actor: Actor, expected: Expected, cid: UUID) -> Any:
        body = LinkIn.model_validate({"kind": typed["kind"], "target_id": typed["target_id"]})
        return application(request).link_case(actor, expected, cid, body.kind, body.target_id)

    return _acted(request, case_id, form, typed, command, "case_linked")


@router.post("/{case_id}/closure")
def close(case_id: str, request: Request, form: Form) -> Response:
    """As `POST /cases/{cid}/closure`: the outcome and its reason."""
    typed: dict[str, Any] = {"outcome": text(form, "outcome"), "reason_ja": text(form, "reason_ja")}
    if text(form, "reason_en"):
        typed["reason_en"] = text(form, "reason_en")

    def command(actor: Actor, expected: Expected, cid: UUID) -> Any:
        body = ClosureIn.model_validate(typed)
        return application(request).close_case(actor, expected, cid, body.outcome, body.reason_ja, body.reason_en)

    return _acted(request, case_id, form, typed, command, "case_closed")
