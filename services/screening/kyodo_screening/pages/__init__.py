"""The screening service's pages: a department's inventory, its import and self-checks, and the coordinator's rounds
and decisions.

Each page reads this service's own store and read models through the same application queries as its API; each form
posts here (pages/actions.py in the kit). None calls another service.
"""

from __future__ import annotations

from fastapi import APIRouter

# Status messages the forms redirect with (`?done=<key>`): key → English msgid, marked with N_().
NOTICES: dict[str, str] = {}


def routers() -> list[APIRouter]:
    return []


def notices() -> dict[str, str]:
    return dict(NOTICES)
