"""Contracts published by info-hub for the civic activity center's the coordination window's cases (総合的な窓口)."""

from __future__ import annotations

from kyodo_contracts.base import Contract

PUBLISHED: tuple[type[Contract], ...] = ()
