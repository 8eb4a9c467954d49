"""HTTP routes for departments, the cross-department team, committees and declared interests.

Coordinators manage; anyone authenticated declares their own interests; rosters, the team, departments and
declared interests are readable without a token (transparency: recusal must be checkable by anyone).
"""

from __future__ import annotations

from fastapi import APIRouter

from kyodo_registry.org import api_committees, api_departments, api_interests

routers: list[APIRouter] = [
    api_departments.departments,
    api_departments.team,
    api_committees.router,
    api_interests.router,
]
