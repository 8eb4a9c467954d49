"""What the org routes share: the application, If-Match, and running commands off the loop (the kernel's)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, ParamSpec, TypeVar
from uuid import UUID

from fastapi import Path, Request
from pydantic import BaseModel, ConfigDict, Field

from kyodo_registry.org.app import OrgCommands
from kyodo_shared.domain.refusals import run_refusing
from kyodo_shared.web.app import require_if_match, trace_of

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


async def query(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    return await run_refusing(fn, *args, **kwargs)


async def command(request: Request, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a command off the event loop; a refused command stored nothing. A lost race in the store is a 409."""
    result = await run_refusing(fn, *args, **kwargs)
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


__all__ = ["command", "expected_version", "org_app", "query", "trace_of"]
