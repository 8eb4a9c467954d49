"""Contracts published by the registry about the city's side: departments, the team, committees, interests."""

from __future__ import annotations

from kyodo_shared.contracts.base import Contract

PUBLISHED: tuple[type[Contract], ...] = ()
