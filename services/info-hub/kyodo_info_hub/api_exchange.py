"""Opinion exchange (意見交換) over HTTP: topics with comment periods, groups' written opinions, the city's answers."""

from __future__ import annotations

from fastapi import APIRouter

ROUTERS: list[APIRouter] = []
