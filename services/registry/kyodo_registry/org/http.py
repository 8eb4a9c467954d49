"""What the org routes share: the application, trace data, problem mapping, If-Match and running off the loop."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Annotated, ParamSpec, TypeVar
from uuid import UUID

from fastapi import Path, Request
from pydantic import BaseModel, ConfigDict, Field

from kyodo_registry.org.app import OrgCommands
from kyodo_registry.org.common import OrgError, StaleOrgVersion, Trace
from kyodo_shared.auth import Principal
from kyodo_shared.problems import Problem
from kyodo_shared.web import require_if_match

P = ParamSpec("P")
T = TypeVar("T")

# An identity provider's subject id: printable ASCII without spaces, so a name typed by mistake is refused.
Sub = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[!-~]+$")]
SubPath = Annotated[str, Path(min_length=1, max_length=200, pattern=r"^[!-~]+$")]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def org_app(request: Request) -> OrgCommands:
    app: OrgCommands = request.app.state.kernel.application
    return app


def trace_of(request: Request, principal: Principal) -> Trace:
    return {"correlation_id": request.state.correlation_id, "causation_id": str(uuid.uuid4()), "actor": principal.sub}


def problem_of(error: OrgError) -> Problem:
    return Problem(error.status, error.code, error.message_ja, error.message_en)


async def query(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    try:
        return await asyncio.to_thread(fn, *args, **kwargs)
    except OrgError as error:
        raise problem_of(error) from None


async def command(request: Request, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a command off the event loop; a refused command stored nothing. A lost race in the store is a 409."""
    try:
        result = await asyncio.to_thread(fn, *args, **kwargs)
    except StaleOrgVersion:
        raise Problem(412, "precondition_failed", "他の更新と競合しました", "The resource has changed") from None
    except OrgError as error:
        raise problem_of(error) from None
    request.app.state.kernel.nudge()
    return result


async def expected_version(request: Request, aggregate_id: UUID) -> int:
    """The version the command must find: an existing aggregate is updated only with its current ETag in If-Match.

    0 (not yet created) needs no If-Match; should someone create it meanwhile, the command answers 412.
    """
    version = await asyncio.to_thread(org_app(request).org_version, aggregate_id)
    if version:
        require_if_match(request, version)
    return version
