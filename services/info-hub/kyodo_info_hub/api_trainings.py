"""The center's trainings over HTTP."""

from __future__ import annotations

from fastapi import APIRouter

ROUTERS: list[APIRouter] = []
