"""Running blocking application calls from an async route: the one deliberate way off the event loop."""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool

P = ParamSpec("P")
T = TypeVar("T")


async def off_loop(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Store reads and writes, vault decryption and document reads block: they run in the thread pool.

    Refusals raised there propagate unchanged; the app's exception handlers answer them as problem+json.
    """
    return await run_in_threadpool(fn, *args, **kwargs)
