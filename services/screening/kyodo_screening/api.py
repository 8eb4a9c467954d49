"""The screening service's routers, in the order its OpenAPI document lists them."""

from __future__ import annotations

from kyodo_screening.api_inventory import departments, projects
from kyodo_screening.api_rounds import router as rounds

ROUTERS = [projects, departments, rounds]
