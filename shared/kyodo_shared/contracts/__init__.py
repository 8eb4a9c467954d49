"""Versioned event contracts: the only events that leave a service."""

from __future__ import annotations

import functools

from kyodo_shared.contracts.base import Contract, stream_name, stream_subjects


@functools.cache
def catalog() -> dict[str, type[Contract]]:
    """Every published contract, by CloudEvents type."""
    from kyodo_shared.contracts import audit, proposals, registry, registry_org

    published = (*registry.PUBLISHED, *registry_org.PUBLISHED, *proposals.PUBLISHED, *audit.PUBLISHED)
    return {c.ce_type(): c for c in published}


__all__ = ["Contract", "catalog", "stream_name", "stream_subjects"]
