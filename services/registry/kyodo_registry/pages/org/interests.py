"""Declared interests (利害関係の申告): `/registry/interests` (the reader's own: declare about a group or a
department, withdraw) and `/registry/interests/people/{sub}` (a coordinator records or withdraws a person's
declarations on their behalf, 代理登録). Each has a page per form: `…/groups`, `…/departments` and
`…/declarations/{id}/withdrawal`.

Anyone signed in declares their own, as `POST /interests/me` lets any authenticated caller; on someone's behalf
only a coordinator, as the API's `/interests/people/{sub}` routes. The person's declarations (one aggregate) carry
the version each form sends as If-Match.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kyodo_registry.org.api_interests import (
    DeclarationRequest,
    DepartmentDeclarationRequest,
    WithdrawalRequest,
    person_view,
)
from kyodo_registry.pages.org.common import body, crumbs, is_coordinator, manager, reader, uuid_of
from kyodo_registry.routing import application
from kyodo_shared.domain.actors import Principal
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.pages.actions import Form, act, page_actor, seen_version, signed_in
from kyodo_shared.pages.forms import FormErrors
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.paths import name_in
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router

router = page_router(prefix="/registry")
OWN = "/registry/interests"
# The groups a declaration may name, as a list to choose from: the registry's directory as the reader may list it.
MAX_GROUPS = 1000
_SUB = re.compile(r"[!-~]{1,200}")


def _checked(person_sub: str | None) -> str | None:
    """A person's id as the API's path takes it (printable ASCII, no spaces); anything else names nobody: 404."""
    if person_sub is not None and not _SUB.fullmatch(person_sub):
        raise Refusal("not_found", what="declaration")
    return person_sub


def _base(person_sub: str | None) -> str:
    return OWN if person_sub is None else f"{OWN}/people/{quote(person_sub, safe='')}"


def _may_act(principal: Principal, person_sub: str | None) -> bool:
    """One's own declarations: anyone signed in; someone else's: a coordinator."""
    return person_sub is None or is_coordinator(principal)


def _context(request: Request, principal: Principal, person_sub: str | None) -> dict[str, Any]:
    registry = application(request)
    sub = principal.sub if person_sub is None else person_sub
    shown = person_view(sub, registry.interests_of(sub))
    groups, _ = registry.find_groups(principal, None, "", "", "", 0, MAX_GROUPS)
    departments, _ = registry.departments()
    group_names = {g.group_id: g.name for g in groups}
    department_names = {str(d.id): name_in(request, d.name_ja, d.name_en) for d in departments}
    base = _base(person_sub)
    title = (
        gettext(request, "My declared interests")
        if person_sub is None
        else gettext(request, "Declared interests of %(sub)s") % {"sub": sub}
    )
    return {
        "person_sub": sub,
        "own": person_sub is None,
        "interests": shown,
        "base": base,
        "title": title,
        "group_names": group_names,
        "group_options": sorted(group_names.items(), key=lambda g: g[1]),
        "department_names": department_names,
        "department_options": sorted(department_names.items(), key=lambda d: d[1]),
        "may_act": _may_act(principal, person_sub),
        "is_coordinator": is_coordinator(principal),
        "breadcrumbs": crumbs(request, (base, title)),
    }


def _page(
    request: Request,
    person_sub: str | None,
    action: str,
    values: dict[str, Any],
    errors: FormErrors,
    status: int = 200,
) -> HTMLResponse:
    """The list (`list`) or one form's page: `group`, `department`, `withdraw` (values["declaration_id"])."""
    principal = reader(request)
    context = {**_context(request, principal, _checked(person_sub)), "action": action}
    context.update(values=values, errors=errors)
    if action == "list":
        return render(request, "registry/org_interests.html", context, status=status)
    titles = {
        "group": gettext(request, "Declare an interest in a group"),
        "department": gettext(request, "Declare an interest in a department"),
        "withdraw": gettext(request, "Withdraw a declaration"),
    }
    context["heading"] = titles[action]
    context["breadcrumbs"].append((request.url.path, titles[action]))
    if action == "withdraw":
        wanted = str(values.get("declaration_id"))
        every = [*context["interests"].declarations, *context["interests"].department_declarations]
        context["declaration"] = next((d for d in every if str(d.declaration_id) == wanted), None)
    return render(request, "registry/org_interest_action.html", context, status=status)


def _acting(request: Request, person_sub: str | None) -> tuple[Principal, str]:
    """Who posts, and for whom: oneself (anyone signed in), or a person a coordinator records for (else 403)."""
    if person_sub is None:
        principal = signed_in(request)
        return principal, principal.sub
    return manager(request), str(_checked(person_sub))


def _declare(request: Request, form: Any, person_sub: str | None, about: str) -> Response:
    principal, sub = _acting(request, person_sub)
    target = "group_id" if about == "group" else "department_id"
    fields = body(form, target, "kind", "note")

    def command() -> None:
        registry, actor, expected = application(request), page_actor(request, principal), seen_version(form)
        if about == "group":
            g = DeclarationRequest.model_validate(fields)
            registry.declare_interest(actor, expected, sub, g.group_id, g.kind.value, g.note)
        else:
            d = DepartmentDeclarationRequest.model_validate(fields)
            registry.declare_department_interest(actor, expected, sub, d.department_id, d.kind.value, d.note)

    return act(
        request,
        command,
        again=lambda errors, status: _page(request, person_sub, about, fields, errors, status),
        then=_base(person_sub),
        notice="interest_declared",
    )


def _withdraw(request: Request, form: Any, person_sub: str | None, declaration_id: str) -> Response:
    principal, sub = _acting(request, person_sub)
    found = uuid_of(declaration_id, "declaration")
    fields = body(form, "reason")
    values = {**fields, "declaration_id": str(found)}

    def command() -> None:
        model = WithdrawalRequest.model_validate(fields)
        application(request).withdraw_interest(
            page_actor(request, principal), seen_version(form), sub, found, model.reason
        )

    return act(
        request,
        command,
        again=lambda errors, status: _page(request, person_sub, "withdraw", values, errors, status),
        then=_base(person_sub),
        notice="interest_withdrawn",
    )


# -- one's own -------------------------------------------------------------------------------------------------


@router.get("/interests")
def own(request: Request) -> HTMLResponse:
    return _page(request, None, "list", {}, FormErrors())


def _declaration_routes(segment: str, kind: str) -> None:
    """A kind's declaration form (`…/groups` for "group", `…/departments` for "department"): its page and its post,
    for one's own (`/interests/<segment>`) and on a person's behalf (`/interests/people/{sub}/<segment>`)."""

    @router.get(f"/interests/{segment}")
    def own_form(request: Request) -> HTMLResponse:
        return _page(request, None, kind, {}, FormErrors())

    @router.post(f"/interests/{segment}")
    def declare_own(request: Request, form: Form) -> Response:
        return _declare(request, form, None, kind)

    @router.get(f"/interests/people/{{person_sub}}/{segment}")
    def person_form(person_sub: str, request: Request) -> HTMLResponse:
        return _page(request, person_sub, kind, {}, FormErrors())

    @router.post(f"/interests/people/{{person_sub}}/{segment}")
    def declare_on_behalf(person_sub: str, request: Request, form: Form) -> Response:
        return _declare(request, form, person_sub, kind)


_declaration_routes("groups", "group")
_declaration_routes("departments", "department")


@router.get("/interests/declarations/{declaration_id}/withdrawal")
def own_withdrawal_form(declaration_id: str, request: Request) -> HTMLResponse:
    found = uuid_of(declaration_id, "declaration")
    return _page(request, None, "withdraw", {"declaration_id": str(found)}, FormErrors())


@router.post("/interests/declarations/{declaration_id}/withdrawal")
def withdraw_own(declaration_id: str, request: Request, form: Form) -> Response:
    return _withdraw(request, form, None, declaration_id)


# -- on a person's behalf (代理登録) ------------------------------------------------------------------------------


@router.get("/interests/people")
def find_person(request: Request) -> Response:
    """The coordinator's "whose declarations?" form (a GET with `person_sub`) leads to that person's page."""
    reader(request)
    sub = request.query_params.get("person_sub", "").strip()
    return RedirectResponse(_base(sub) if sub else OWN, status_code=303)


@router.get("/interests/people/{person_sub}")
def person(person_sub: str, request: Request) -> HTMLResponse:
    return _page(request, person_sub, "list", {}, FormErrors())


@router.get("/interests/people/{person_sub}/declarations/{declaration_id}/withdrawal")
def person_withdrawal_form(person_sub: str, declaration_id: str, request: Request) -> HTMLResponse:
    found = uuid_of(declaration_id, "declaration")
    return _page(request, person_sub, "withdraw", {"declaration_id": str(found)}, FormErrors())


@router.post("/interests/people/{person_sub}/declarations/{declaration_id}/withdrawal")
def withdraw_on_behalf(person_sub: str, declaration_id: str, request: Request, form: Form) -> Response:
    return _withdraw(request, form, person_sub, declaration_id)
