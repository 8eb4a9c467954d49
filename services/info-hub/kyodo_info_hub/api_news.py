"""The center's news over HTTP."""

from __future__ import annotations

from fastapi import APIRouter

ROUTERS: list[APIRouter] = []
