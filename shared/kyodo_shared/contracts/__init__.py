"""Versioned event contracts: the only events that leave a service."""

from __future__ import annotations

import functools

from kyodo_shared.contracts.base import Contract, stream_name, stream_subjects


@functools.cache
def catalog() -> dict[str, type[Contract]]:
    """Every published contract, by CloudEvents type."""
    from kyodo_shared.contracts import audit, registry, registry_org

    return {c.ce_type(): c for c in (*registry.PUBLISHED, *registry_org.PUBLISHED, *audit.PUBLISHED)}


__all__ = ["Contract", "catalog", "stream_name", "stream_subjects"]
