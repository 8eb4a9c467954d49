"""Contracts published by info-hub for the civic activity center's news (お知らせ) and opinion exchange
topics (意見交換)."""

from __future__ import annotations

from kyodo_contracts.base import Contract

PUBLISHED: tuple[type[Contract], ...] = ()
