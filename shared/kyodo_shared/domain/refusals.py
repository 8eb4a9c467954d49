"""Refused commands, shared by every service: a code, Japanese with English beside it, and an HTTP status —
and running an application call off the event loop with its refusals answered as problem+json.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import ParamSpec, TypeVar

from kyodo_shared.web.problems import Problem

P = ParamSpec("P")
T = TypeVar("T")
R = TypeVar("R", bound="Refusal")


class Refusal(Exception):
    """A command the current state or the rules do not allow; it stored nothing."""

    def __init__(self, code: str, message_ja: str, message_en: str, status: int = 409) -> None:
        super().__init__(code)
        self.code, self.message_ja, self.message_en, self.status = code, message_ja, message_en, status

    def problem(self) -> Problem:
        return Problem(self.status, self.code, self.message_ja, self.message_en)


class StaleVersion(Exception):
    """The aggregate changed since the version the caller named (If-Match): HTTP 412."""

    def __init__(self, current: int) -> None:
        super().__init__(current)
        self.current = current


def refusal(kind: type[R], messages: Mapping[str, tuple[int, str, str]], code: str, state: str = "") -> R:
    """The refusal `code` from a service's message table, naming the current state when given."""
    status, ja, en = messages[code]
    if state:
        ja, en = f"{ja}（状態: {state}）", f"{en} (state: {state})"
    return kind(code, ja, en, status)


async def run_refusing(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run an application call off the event loop, answering its refusals as problem+json."""
    try:
        return await asyncio.to_thread(fn, *args, **kwargs)
    except Refusal as error:
        raise error.problem() from None
    except StaleVersion:
        raise Problem(412, "precondition_failed", "他の更新と競合しました", "The resource has changed") from None
