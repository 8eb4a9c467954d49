"""HTTP routes for departments, the cross-department team, committees and declared interests."""

from __future__ import annotations

from fastapi import APIRouter

routers: list[APIRouter] = []
