"""The coordinator's registry workspace: the assessment queue, the six criteria side by side, and the decisions on a
group.
"""

from __future__ import annotations

from fastapi import APIRouter

# Status messages this part's forms redirect with (`?done=<key>`): key → English msgid, marked with N_().
NOTICES: dict[str, str] = {}


def routers() -> list[APIRouter]:
    return []
