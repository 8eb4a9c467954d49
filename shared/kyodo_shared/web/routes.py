"""What every service's routes share: their router, who acts (principal and trace), the version the caller saw
(If-Match), and answering a command (ETag, status, nudging the background tasks).

Routes are plain `def`: store reads, vault decryption and document reads block, so a route never runs on the
event loop. `service_router` runs each one with one `asyncio.to_thread` hop (`ThreadRoute`) rather than through
Starlette's anyio thread pool, which FastAPI uses for `def` routes by default: measured on P1, that pool cost
about 1.8 ms of CPU more per request (twice the thread switches, and a second hop to check the response);
see bench/RESULTS.md, "Issue 10".

Every API route's OpenAPI names the refusals it may answer, as problem+json (`web.problems.ProblemDetails`), from
one table here (`ApiRoute`) rather than route by route: a client generated from the document, or a fuzzer checking
answers against it (tests/fuzz), reads a 404 or a 428 as documented.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import uuid
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from kyodo_shared.domain.actors import Actor, Principal
from kyodo_shared.domain.refusals import ANY_CURRENT, UNNAMED, Expected
from kyodo_shared.web.preconditions import etag_of as etag_of
from kyodo_shared.web.preconditions import if_match
from kyodo_shared.web.problems import MEDIA_TYPE
from kyodo_shared.web.schemas import control_character_error, has_control_character

# The refusals documented on API routes, by what the route is. Any route: a token presented but invalid (401), a
# role or relationship missing (403), a parameter or body refused (422), the store or the identity provider out of
# reach (503, with Retry-After where known). A route naming a resource (in its path, or a command's body): 404. A
# command: malformed JSON or If-Match (400), a state or race that refuses it (409), If-Match naming another version
# (412), a body over the limit (413), If-Match missing on an update (428).
_EVERY_ROUTE = {
    401: "Not authenticated: the bearer token is invalid or expired (認証が必要です)",
    403: "Not allowed for the caller's roles or relationship (権限がありません)",
    422: "A parameter or the body is invalid; `errors` names each field (入力内容に誤りがあります)",
    503: "Temporarily unavailable; retry later (一時的に利用できません)",
}
_NAMED_RESOURCE = {404: "Not found, or not visible to the caller (見つかりません)"}
_COMMAND = {
    400: "Malformed JSON body or If-Match header (リクエストの形式が正しくありません)",
    409: "Refused in the resource's current state, or a concurrent change (現在の状態では実行できません)",
    412: "If-Match names a version that is not the current one (ほかの変更が先に保存されました)",
    413: "The body is over the size limit (送信内容が大きすぎます)",
    428: "If-Match is required for a change to an existing resource (If-Match が必要です)",
}
_COMMAND_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PROBLEM_SCHEMA_REF = "#/components/schemas/Problem"


class ThreadRoute(APIRoute):
    """A route whose plain `def` endpoint runs in one `asyncio.to_thread` hop; the response is checked on the loop."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, _in_thread(endpoint), **kwargs)


def _in_thread(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    if inspect.iscoroutinefunction(endpoint):
        return endpoint

    # functools.wraps keeps the signature FastAPI reads the parameters from (it follows __wrapped__).
    @functools.wraps(endpoint)
    async def threaded(*args: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(endpoint, *args, **kwargs)

    return threaded


class CheckedRoute(ThreadRoute):
    """A `ThreadRoute` whose query and path parameters are refused (422 `control_character`) when they hold a
    control character, as a body's text is (web.schemas.Strict): the pages' route class (pages/routing.py)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        dependencies = list(kwargs.get("dependencies") or [])
        if not any(d.dependency is plain_parameters for d in dependencies):
            dependencies.append(Depends(plain_parameters))
        kwargs["dependencies"] = dependencies
        super().__init__(path, _parameters_checked(_in_thread(endpoint)), **kwargs)


class ApiRoute(CheckedRoute):
    """A service's API route: a `CheckedRoute` whose OpenAPI also documents the problem+json refusals it may answer
    (those the route declares itself keep their own description)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        kwargs["responses"] = with_problems(path, kwargs.get("methods"), kwargs.get("responses"))
        super().__init__(path, endpoint, **kwargs)


# What `plain_parameters` found in the request being answered, for `_parameters_checked` to refuse.
_CONTROLLED: ContextVar[tuple[tuple[str, str], ...]] = ContextVar("kyodo_controlled_parameters", default=())


async def plain_parameters(request: Request) -> None:
    """Notes a query or path parameter (its value or a query key) holding a control character: a NUL in `?q=` was a
    500 on PostgreSQL, whose text refuses it, where SQLite searched for it (found by tests/fuzz). The refusal itself
    waits for the route's other dependencies, so who may not call the route still hears 401/403 first."""
    found = [("query", key) for key, value in request.query_params.multi_items() if _controlled(key, value)]
    found += [("path", key) for key, value in request.path_params.items() if _controlled(key, str(value))]
    _CONTROLLED.set(tuple(found))


def _parameters_checked(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """The endpoint, run only when `plain_parameters` found nothing (after every dependency, before the route)."""
    if getattr(endpoint, "_kyodo_parameters_checked", False):
        return endpoint

    @functools.wraps(endpoint)
    async def checked(*args: Any, **kwargs: Any) -> Any:
        found, _ = _CONTROLLED.get(), _CONTROLLED.set(())
        if found:
            error = control_character_error()
            context = error.context or {}
            raise RequestValidationError(
                [{"loc": loc, "type": error.type, "msg": error.message(), "ctx": context} for loc in found]
            )
        return await endpoint(*args, **kwargs)

    checked._kyodo_parameters_checked = True  # type: ignore[attr-defined]
    return checked


def _controlled(*texts: str) -> bool:
    return any(has_control_character(text) for text in texts)


def with_problems(
    path: str, methods: Any, responses: dict[int | str, dict[str, Any]] | None
) -> dict[int | str, dict[str, Any]]:
    """`responses` with the kernel's problem responses for a route at `path` answering `methods` added."""
    documented = dict(_EVERY_ROUTE)
    command = bool({str(method).upper() for method in methods or ("GET",)} & _COMMAND_METHODS)
    if "{" in path or command:
        documented.update(_NAMED_RESOURCE)
    if command:
        documented.update(_COMMAND)
    merged: dict[int | str, dict[str, Any]] = {
        status: {"description": description, "content": {MEDIA_TYPE: {"schema": {"$ref": PROBLEM_SCHEMA_REF}}}}
        for status, description in sorted(documented.items())
    }
    for status, response in (responses or {}).items():
        key: int | str = int(status) if str(status).isdigit() else status
        refusal = isinstance(key, int) and key >= 400
        # A refusal the route names itself (a 409 on a read, a 415 on an upload) is problem+json too, unless it says.
        problem = {"content": {MEDIA_TYPE: {"schema": {"$ref": PROBLEM_SCHEMA_REF}}}} if refusal else {}
        merged[key] = {**problem, **merged.get(key, {}), **response}
    return merged


def document_responses(media_types: Iterable[str]) -> dict[int | str, dict[str, Any]]:
    """For a route answering a stored document (`response_class=Response`): its OpenAPI 200 in the media types it
    may have, as bytes."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {200: {"content": {media_type: dict(binary) for media_type in sorted(media_types)}}}


def service_router(*, prefix: str, tags: list[str]) -> APIRouter:
    """The router every service's routes (and the kernel's audit API) are declared on."""
    return APIRouter(prefix=prefix, tags=list(tags), route_class=ApiRoute)


def actor_of(request: Request, principal: Principal) -> Actor:
    """Who issues this command and which request caused it: recorded with its events (no clock or ids in them)."""
    trace = {"correlation_id": request.state.correlation_id, "causation_id": str(uuid.uuid4()), "actor": principal.sub}
    return Actor(principal, trace)


def expected_version(request: Request) -> Expected:
    """The version(s) the caller saw, from If-Match. Without it: UNNAMED, which the application accepts only
    for an aggregate not created yet (and answers 428 otherwise, after a 404 for one that does not exist)."""
    if "if-match" not in request.headers:
        return UNNAMED
    condition = if_match(request)
    # `*`: any existing version; otherwise the versions named (none, when only weak or foreign tags were sent:
    # then nothing can match, and the application answers 412 after a 404 for what does not exist).
    return ANY_CURRENT if condition.any else condition.versions


def nudge(request: Request) -> None:
    """After a command: the relay, the chain and the projections pick it up at once rather than at their poll."""
    request.app.state.kernel.nudge()


def answered(request: Request, response: Response, version: int, status: int = 200) -> None:
    """After a command: its ETag and status, and the nudge."""
    nudge(request)
    response.headers["ETag"] = etag_of(version)
    response.status_code = status
