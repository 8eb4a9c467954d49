"""The representative records the group's dissolution (`/registry/groups/{gid}/dissolution`, 解散), with a reason:
the API's `POST /groups/{gid}/dissolution`, which a coordinator may also record on the coordinator's pages.
Contacts may not: the form is shown disabled with the reason, and the service refuses it if forced."""

from __future__ import annotations

from uuid import UUID

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from kyodo_registry.pages.group.common import form_page, group_id_of, group_member, own_record, values_of
from kyodo_registry.routing import application
from kyodo_registry.schemas import Reason
from kyodo_registry.vocabulary import DISSOLVED
from kyodo_shared.pages.actions import Form, act, page_actor, seen_version, text
from kyodo_shared.pages.forms import FormErrors
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.routing import page_router

router = page_router(prefix="/registry")


def _dissolution_page(
    request: Request, group_id: UUID, form: FormData | None, errors: FormErrors | None, status: int = 200
) -> Response:
    principal = group_member(request)
    group = own_record(request, principal, group_id).group
    heading = gettext(request, "Record the group's dissolution")
    blocked = ""
    if group.status == DISSOLVED:
        blocked = gettext(request, "The group is already dissolved.")
    elif principal.sub != group.representative_sub:
        blocked = gettext(request, "Only the representative may do this.")
    submit = gettext(request, "File the dissolution")
    template = "registry/group_dissolution.html"
    return form_page(request, group, template, heading, submit, values_of(form), errors, status, blocked=blocked)


@router.get("/groups/{group_id}/dissolution")
def dissolution_form(group_id: str, request: Request) -> Response:
    return _dissolution_page(request, group_id_of(group_id), None, None)


@router.post("/groups/{group_id}/dissolution")
def dissolve(group_id: str, request: Request, form: Form) -> Response:
    principal = group_member(request)
    found = group_id_of(group_id)

    def command() -> None:
        body = Reason.model_validate({"reason": text(form, "reason")})
        application(request).dissolve(page_actor(request, principal), seen_version(form), found, body.reason)

    return act(
        request,
        command,
        again=lambda errors, status: _dissolution_page(request, found, form, errors, status),
        then=f"/registry/groups/{found}",
        notice="dissolution_filed",
    )
