"""Posting one of a group's forms: the signed-in member of the group, the group's id from the address, the command
run with the version the page showed (If-Match) and, when it is refused, the form's page again with the input and
the errors beside the fields; done, the group's page (or one below it) with the notice."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from kyodo_registry.app import RegistryApplication
from kyodo_registry.pages.group.common import group_id_of, group_member
from kyodo_registry.routing import application
from kyodo_shared.domain.actors import Actor
from kyodo_shared.domain.refusals import Expected
from kyodo_shared.pages.actions import act, page_actor, seen_version
from kyodo_shared.pages.forms import FormErrors

# An application method over the group: (application, actor, the version seen, the group's id).
GroupCommand = Callable[[RegistryApplication, Actor, Expected, UUID], object]
# The form's page again after a refusal: (the group's id, the errors, the status).
FormAgain = Callable[[UUID, FormErrors, int], Response]


def post_group_form(
    request: Request,
    form: FormData,
    group_id: str,
    command: GroupCommand,
    notice: str,
    *,
    again: FormAgain,
    below: str = "",
) -> Response:
    """Run `command` for the group's member; refused, `again`; done, `/registry/groups/{id}{below}?done=notice`."""
    principal = group_member(request)
    found = group_id_of(group_id)
    return act(
        request,
        lambda: command(application(request), page_actor(request, principal), seen_version(form), found),
        again=lambda errors, status: again(found, errors, status),
        then=f"/registry/groups/{found}{below}",
        notice=notice,
    )
