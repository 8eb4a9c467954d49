"""The screening service's pages: a department's inventory, its import and self-checks, and the coordinator's rounds
and decisions.

Each page reads this service's own store and read models through the same application queries as its API; each form
posts here (pages/actions.py in the kit). None calls another service.
"""

from __future__ import annotations

from fastapi import APIRouter

from kyodo_screening.pages import inventory, projects, rounds, screening

# Status messages the forms redirect with (`?done=<key>`): key → English msgid, marked with N_().
NOTICES: dict[str, str] = {
    **inventory.NOTICES,
    **projects.NOTICES,
    **rounds.NOTICES,
    **screening.NOTICES,
}


def routers() -> list[APIRouter]:
    # `/projects/new` before `/projects/{project_id}`, `/rounds/new` before `/rounds/{round_id}`: each module
    # declares its fixed paths first.
    return [inventory.router, projects.router, rounds.router, screening.router]


def notices() -> dict[str, str]:
    return dict(NOTICES)
