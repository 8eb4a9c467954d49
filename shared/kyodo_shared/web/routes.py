"""What every service's routes share: their router, who acts (principal and trace), the version the caller saw
(If-Match), and answering a command (ETag, status, nudging the background tasks).

Routes are plain `def`: store reads, vault decryption and document reads block, so a route never runs on the
event loop. `service_router` runs each one with one `asyncio.to_thread` hop (`ThreadRoute`) rather than through
Starlette's anyio thread pool, which FastAPI uses for `def` routes by default: measured on P1, that pool cost
about 1.8 ms of CPU more per request (twice the thread switches, and a second hop to check the response);
see bench/RESULTS.md, "Issue 10".
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute

from kyodo_shared.domain.actors import Actor, Principal
from kyodo_shared.domain.refusals import ANY_CURRENT, UNNAMED, Expected
from kyodo_shared.web.preconditions import etag_of as etag_of
from kyodo_shared.web.preconditions import if_match


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


def service_router(*, prefix: str, tags: list[str]) -> APIRouter:
    """The router every service's routes (and the kernel's audit API) are declared on."""
    return APIRouter(prefix=prefix, tags=list(tags), route_class=ThreadRoute)


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
