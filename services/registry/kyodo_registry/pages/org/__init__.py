"""The organisation's pages for coordinators: departments, the team, committees and declared interests."""

from __future__ import annotations

from fastapi import APIRouter

# Status messages this part's forms redirect with (`?done=<key>`): key → English msgid, marked with N_().
NOTICES: dict[str, str] = {}


def routers() -> list[APIRouter]:
    return []
