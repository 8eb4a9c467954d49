"""The evaluation service's routers, in the order its OpenAPI document lists them."""

from __future__ import annotations

from kyodo_evaluation.api_adoptions import router as adoptions
from kyodo_evaluation.api_committee import router as committee
from kyodo_evaluation.api_projects import router as projects

ROUTERS = [projects, committee, adoptions]
