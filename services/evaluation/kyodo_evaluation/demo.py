"""The evaluation service's part of `kyodo up --demo` (filled in below)."""

from __future__ import annotations

from kyodo_shared.service import DemoContext


async def seed(demo: DemoContext) -> None:
    return None
