"""The center's cases over HTTP."""

from __future__ import annotations

from fastapi import APIRouter

ROUTERS: list[APIRouter] = []
