"""Shared pieces of the proposals service's routes: the application, trace data, and running a command."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request

from kyodo_proposals.app import ProposalsApplication, StaleVersion
from kyodo_proposals.errors import ProposalsError
from kyodo_shared.auth import Principal
from kyodo_shared.problems import Problem

T = TypeVar("T")


def app_of(request: Request) -> ProposalsApplication:
    app: ProposalsApplication = request.app.state.kernel.application
    return app


def trace(request: Request, principal: Principal) -> dict[str, str]:
    return {"correlation_id": request.state.correlation_id, "causation_id": str(uuid.uuid4()), "actor": principal.sub}


async def run(fn: Callable[..., T], *args: Any) -> T:
    """Run an application call off the event loop, answering its refusals as problem+json."""
    try:
        return await asyncio.to_thread(fn, *args)
    except ProposalsError as error:
        raise Problem(error.status, error.code, error.message_ja, error.message_en) from None
    except StaleVersion:
        raise Problem(412, "precondition_failed", "他の更新と競合しました", "The resource has changed") from None
