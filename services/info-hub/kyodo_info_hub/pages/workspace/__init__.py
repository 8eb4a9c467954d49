"""Logged-in pages info-hub serves: `/me` (what waits for a person across services, from info-hub's read models), and a
group's or a department's own surveys, training registrations and coordination cases.
"""

from __future__ import annotations

from fastapi import APIRouter

# Status messages this part's forms redirect with (`?done=<key>`): key → English msgid, marked with N_().
NOTICES: dict[str, str] = {}


def routers() -> list[APIRouter]:
    return []
