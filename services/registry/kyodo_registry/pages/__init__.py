"""The registry's pages for people (served under `/registry/` by the gateway): the public roster of a committee.

Each page reads the registry's own store through the same application queries as its public API routes, so a page
and the JSON beside it never disagree; none calls another service.
"""

from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    from kyodo_registry.pages import committees, coordinator, group, org

    return [committees.router, *group.routers(), *coordinator.routers(), *org.routers()]


def notices() -> dict[str, str]:
    from kyodo_registry.pages import coordinator, group, org

    return {**group.NOTICES, **coordinator.NOTICES, **org.NOTICES}
