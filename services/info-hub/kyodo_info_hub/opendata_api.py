"""Open data (オープンデータ) routes: the catalogue, each dataset as CSV and JSON, its data dictionary, and the
Atom feeds of calls and results.
"""

from __future__ import annotations

from fastapi import APIRouter

ROUTERS: list[APIRouter] = []
