"""The proposals service's pages: the coordinator's calls, and a group's sealed proposal with its receipt.

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
