"""Forms that act: one way for every service's workspace pages to run a command from a browser.

A workspace form posts to a page route of the service that owns the rule. The route

    @router.post("/groups/{group_id}/profile")
    def update_profile(group_id: UUID, request: Request, form: Form) -> Response:
        principal = signed_in(request, Role.GROUP)          # 401 → the login page; 403 → the error page
        return act(
            request,
            lambda: application(request).update_profile(
                page_actor(request, principal), seen_version(form), group_id, ProfileIn.model_validate(fields)…
            ),
            again=lambda errors, status: _profile_page(request, group_id, form, errors, status),
            then=f"/registry/groups/{group_id}",
            notice="profile_updated",
        )

- `Form` (a dependency) reads the body once (`application/x-www-form-urlencoded` or `multipart/form-data`, files
  too) and checks CSRF before anything else: the session's token in `csrf_token`, and the browser's word that the
  post came from this site. A post without a session is refused as a 401 (nobody acts through a workspace form).
- `seen_version(form)` is the version the page showed, from the hidden `version` field holding the ETag it read
  (`version_field(n)` in the template via `forms.version_field`) — parsed by the API's one If-Match parser, so a
  page and a `curl -H 'If-Match: "3"'` state the same condition.
- `act` runs the command. A refusal the reader can fix on the form (422 invalid input, 409 conflict with the
  state, 412 changed meanwhile, 428) renders the form again with the problem's errors beside their fields, in the
  API's very wording and status; who may not act at all (401, 403, 404) gets the kit's error page, as a forced URL
  would. On success: the background tasks nudged, and a 303 to `then` with `?done=<notice>` (post/redirect/get),
  which the page shows as a status message from the service's `notices` table (`PageSite.notices`): a key, never
  text from the URL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from kyodo_shared.domain.actors import Actor, Principal
from kyodo_shared.domain.refusals import ANY_CURRENT, UNNAMED, Expected, Refusal, StaleVersion
from kyodo_shared.pages.csrf import CSRF_FIELD, check_csrf, check_same_site
from kyodo_shared.pages.forms import FormErrors, form_errors
from kyodo_shared.pages.notices import with_notice
from kyodo_shared.pages.session import read_session, viewer_of
from kyodo_shared.web.auth import AuthError, Role, require_role
from kyodo_shared.web.preconditions import parse_if_match
from kyodo_shared.web.problems import Problem
from kyodo_shared.web.routes import actor_of, nudge

VERSION_FIELD = "version"
# Refusals a reader can put right on the form itself; any other status is a page of its own.
_ON_THE_FORM = frozenset({400, 409, 412, 422, 428})
# A workspace form is small: a few hundred fields at most, a handful of files (the body limit bounds their size).
_MAX_FIELDS = 1000
_MAX_FILES = 20


def signed_in(request: Request, *roles: Role) -> Principal:
    """The logged-in reader, holding one of `roles` (any role when none is named). No session: 401, which sends a
    GET to the login page and back; a session without the role: 403, the kit's error page."""
    viewer = viewer_of(request)
    if viewer is None:
        raise AuthError.unauthorized("missing_token")
    if roles:
        require_role(viewer, *roles)
    return viewer


def page_actor(request: Request, principal: Principal) -> Actor:
    """Who acts and which request caused it: the same trace as the API's commands (`web.routes.actor_of`)."""
    return actor_of(request, principal)


async def _posted(request: Request) -> FormData:
    """The posted form, CSRF-checked before anything reads it further.

    Only a session may post a workspace form: without one the post is a 401 (a page form for visitors, such as a
    citizen's training registration, uses `csrf.check_csrf_if_session` instead)."""
    check_same_site(request)
    if read_session(request) is None:
        raise AuthError.unauthorized("missing_token")
    form = await request.form(max_files=_MAX_FILES, max_fields=_MAX_FIELDS)
    submitted = form.get(CSRF_FIELD)
    check_csrf(request, submitted if isinstance(submitted, str) else None)
    return form


Form = Annotated[FormData, Depends(_posted)]


def text(form: FormData, name: str) -> str:
    """A text field's value, stripped ('' when absent or a file)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def texts(form: FormData, name: str) -> list[str]:
    """Every value of a repeated field (checkboxes), stripped, blanks dropped."""
    return [v.strip() for v in form.getlist(name) if isinstance(v, str) and v.strip()]


def upload(form: FormData, name: str) -> UploadFile | None:
    """A file field's upload, or None when no file was chosen (browsers send an empty part then)."""
    value = form.get(name)
    if isinstance(value, UploadFile) and (value.filename or value.size):
        return value
    return None


def seen_version(form: FormData) -> Expected:
    """The version the page showed (its hidden `version` field holds the ETag it rendered): the API's If-Match
    parser reads it. Absent: UNNAMED, as a request without If-Match (accepted only where nothing exists yet)."""
    value = form.get(VERSION_FIELD)
    if not isinstance(value, str) or not value.strip():
        return UNNAMED
    condition = parse_if_match(value)
    return ANY_CURRENT if condition.any else condition.versions


def act(
    request: Request,
    command: Callable[[], Any],
    *,
    again: Callable[[FormErrors, int], Response],
    then: str | Callable[[Any], str],
    notice: str,
) -> Response:
    """Run `command`; on a refusal the reader can fix, `again(errors, status)` renders the form with them; on
    success, 303 to `then` (a path, or a function of the command's result: a created thing's page) with the
    notice key. Any other refusal propagates to the kit's error page."""
    try:
        result = command()
    except ValidationError as invalid:
        return again(form_errors(request, invalid), 422)
    except StaleVersion as stale:
        problem = request.app.state.messages.for_stale(stale)
        return again(form_errors(request, problem), problem.status)
    except Refusal as refusal:
        problem = request.app.state.messages.for_refusal(refusal)
        if problem.status not in _ON_THE_FORM:
            raise
        return again(form_errors(request, problem), problem.status)
    except Problem as problem:
        if problem.status not in _ON_THE_FORM:
            raise
        return again(form_errors(request, problem), problem.status)
    nudge(request)
    target = then if isinstance(then, str) else then(result)
    return RedirectResponse(with_notice(target, notice), status_code=303)
