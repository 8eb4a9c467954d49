"""Contracts published by info-hub for the civic activity center's trainings, courses and exchange meetings
(研修会・講座・意見交換会)."""

from __future__ import annotations

from kyodo_contracts.base import Contract

PUBLISHED: tuple[type[Contract], ...] = ()
