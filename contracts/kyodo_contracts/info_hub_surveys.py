"""Contracts published by info-hub for the survey of groups (実態調査).

Answers never leave info-hub: the contracts carry the survey's definition once announced, the window's milestones,
and the statistics published at the close, after disclosure control (秘匿処理).
"""

from __future__ import annotations

from kyodo_contracts.base import Contract

PUBLISHED: list[type[Contract]] = []
