"""The survey's routes (実態調査): the center builds and runs it, groups answer, anyone reads the statistics."""

from __future__ import annotations

from fastapi import APIRouter

ROUTERS: list[APIRouter] = []
