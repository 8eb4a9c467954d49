"""Outbound mapping of the org aggregates' events to contracts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kyodo_shared.contracts import Contract


def to_org_contracts(event: Any) -> Sequence[Contract]:
    return []
